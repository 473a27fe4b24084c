import { describe, expect, it } from 'vitest';
import { shareColumns, sharedColumns } from '../backtest/shared-candles.js';
import { allocateColumns, type CandleColumns, columnsFrom, sliceColumns } from '../core/index.js';

const candles = (n: number): CandleColumns =>
  columnsFrom(
    Array.from({ length: n }, (_, i) => ({
      ts: i,
      open: i + 1,
      high: i + 2,
      low: i,
      close: i + 1.5,
      volume: i * 10,
    })),
  );

describe('candles shared with a worker pool', () => {
  it('columns from allocateColumns, and slices of them, are shared in place (no copy)', () => {
    const c = candles(50);
    expect(c.close.buffer).toBeInstanceOf(SharedArrayBuffer);
    for (const view of [c, sliceColumns(c, 0, 30)]) {
      const s = shareColumns(view);
      expect(s.buffer).toBe(c.ts.buffer);
      const back = sharedColumns(s);
      expect(back).toEqual(view);
      // The same memory: a worker reading `back` reads what the loader wrote.
      expect(back.close.buffer).toBe(view.close.buffer);
      expect(back.close.byteOffset).toBe(view.close.byteOffset);
    }
  });

  it('columns in ordinary buffers are copied once into shared memory', () => {
    const c = candles(20);
    const plain: CandleColumns = {
      ts: c.ts.slice(),
      open: c.open.slice(),
      high: c.high.slice(),
      low: c.low.slice(),
      close: c.close.slice(),
      volume: c.volume.slice(),
    };
    expect(plain.close.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const s = shareColumns(plain);
    expect(s.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sharedColumns(s)).toEqual(plain);
  });

  it('columns of different shared buffers are copied into one', () => {
    const a = allocateColumns(4);
    const b = allocateColumns(4);
    const mixed = { ...a, close: b.close };
    const s = shareColumns(mixed);
    expect(s.buffer).not.toBe(a.ts.buffer);
    expect(sharedColumns(s)).toEqual(mixed);
  });
});
