import { describe, expect, it } from 'vitest';
import { ColumnCache } from '../backtest/column-cache.js';
import { columnCacheBytes } from '../backtest/sweep.js';

const col = (n: number) => new Float64Array(n); // n * 8 bytes

describe("ColumnCache (a sweep worker's indicator columns)", () => {
  it('drops the least recently used columns once over its byte budget', () => {
    const c = new ColumnCache(3 * 80);
    c.set('a', col(10));
    c.set('b', col(10));
    c.set('c', col(10));
    expect(c.bytes).toBe(240);
    expect(c.get('a')).toBeDefined(); // a is now the most recently used
    c.set('d', col(10));
    expect([...c.keys()]).toEqual(['c', 'a', 'd']); // b went: least recently used
    expect(c.bytes).toBe(240);
    c.set('e', col(20)); // 160 bytes: c and a go
    expect([...c.keys()]).toEqual(['d', 'e']);
    expect(c.bytes).toBe(240);
  });

  it('keeps a column larger than the whole budget (it is in use), alone', () => {
    const c = new ColumnCache(100);
    c.set('a', col(5));
    c.set('big', col(100));
    expect([...c.keys()]).toEqual(['big']);
    expect(c.bytes).toBe(800);
    c.set('a', col(5));
    expect([...c.keys()]).toEqual(['a']);
  });

  it('accounts for replaced, deleted and cleared columns', () => {
    const c = new ColumnCache(1000);
    c.set('a', col(10));
    c.set('a', col(20));
    expect(c.bytes).toBe(160);
    expect(c.delete('a')).toBe(true);
    expect(c.delete('a')).toBe(false);
    expect(c.bytes).toBe(0);
    c.set('b', col(1));
    c.clear();
    expect(c.bytes).toBe(0);
    expect(c.size).toBe(0);
  });

  it('defaults to a quarter of the memory over the workers, 64-512 MiB each', () => {
    const MiB = 2 ** 20;
    expect(columnCacheBytes(2, 24 * 1024 * MiB)).toBe(512 * MiB);
    expect(columnCacheBytes(8, 8 * 1024 * MiB)).toBe(256 * MiB);
    expect(columnCacheBytes(64, 1024 * MiB)).toBe(64 * MiB);
  });
});
