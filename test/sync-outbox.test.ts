import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type NewItem, Outbox } from '../actors/sync/index.js';
import { tempDir } from './helpers/cli.js';

const trade = (id: string): NewItem => ({
  id,
  kind: 'trade',
  bot: 'kraken',
  enqueuedAt: 1,
  settled: true,
  body: { eventId: id },
});
const snap = (id: string): NewItem => ({
  id,
  kind: 'snapshot',
  bot: null,
  enqueuedAt: 1,
  settled: true,
  body: { eventId: id },
});
const ids = (box: Outbox) => box.list().map((i) => i.id);

describe('durable outbox', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = path.join(tempDir('dualbot-outbox-'), 'outbox');
    dirs.push(path.dirname(d));
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps items in the order added, one file each, and survives reopening', () => {
    const d = dir();
    const box = Outbox.open(d);
    box.add(trade('t1'));
    box.add(snap('s1'));
    box.add(trade('t2'));
    expect(ids(box)).toEqual(['t1', 's1', 't2']);
    expect(readdirSync(d).sort()).toEqual([
      '000000000001-trade.json',
      '000000000002-snapshot.json',
      '000000000003-trade.json',
    ]);
    box.remove('t1');
    const again = Outbox.open(d);
    expect(ids(again)).toEqual(['s1', 't2']);
    again.add(trade('t3'));
    expect(again.list().at(-1)?.seq).toBe(4);
  });

  it('coalesces snapshots (only the newest is kept, at the tail) but never trades', () => {
    const box = Outbox.open(dir());
    box.add(snap('s1'));
    box.add(trade('t1'));
    box.add(snap('s2'));
    box.add(trade('t2'));
    box.add(snap('s3'));
    expect(ids(box)).toEqual(['t1', 't2', 's3']);
  });

  it('a trade added twice (same id) is stored once, with the newer body', () => {
    const box = Outbox.open(dir());
    box.add(trade('t1'));
    box.add({ ...trade('t1'), body: { eventId: 't1', v: 2 } });
    expect(box.size).toBe(1);
    expect(box.get('t1')?.body).toEqual({ eventId: 't1', v: 2 });
  });

  it('is bounded: a new trade evicts the pending snapshot first, then the oldest trade', () => {
    const box = Outbox.open(dir(), { maxItems: 3 });
    box.add(trade('t1'));
    box.add(snap('s1'));
    box.add(trade('t2'));
    const a = box.add(trade('t3'));
    expect(a.evicted.map((i) => i.id)).toEqual(['s1']);
    expect(ids(box)).toEqual(['t1', 't2', 't3']);
    const b = box.add(trade('t4'));
    expect(b.evicted.map((i) => i.id)).toEqual(['t1']);
    expect(ids(box)).toEqual(['t2', 't3', 't4']);
    // Full of trades: a snapshot is not stored rather than push a trade out.
    expect(box.add(snap('s2'))).toEqual({ stored: false, evicted: [] });
    expect(readdirSync(box.dir)).toHaveLength(3);
  });

  it('recovers from a crash: removes temp files, coalesces duplicate snapshots, moves unreadable items aside', () => {
    const d = dir();
    const box = Outbox.open(d);
    box.add(snap('s1'));
    box.add(trade('t1'));
    const s1 = path.join(d, '000000000001-snapshot.json');
    const copy = JSON.stringify({ ...box.get('s1'), seq: 3, id: 's2' });
    writeFileSync(path.join(d, '000000000003-snapshot.json'), copy);
    writeFileSync(path.join(d, '000000000004-trade.json'), '{"v":1,"seq":4,"id":"t');
    writeFileSync(path.join(d, '.000000000005-trade.json.123.1.tmp'), 'half');
    const corrupt: string[] = [];
    const reopened = Outbox.open(d, { onCorrupt: (f) => corrupt.push(path.basename(f)) });
    expect(corrupt).toEqual(['000000000004-trade.json']);
    expect(ids(reopened)).toEqual(['t1', 's2']);
    expect(existsSync(s1)).toBe(false);
    expect(readdirSync(path.join(d, 'corrupt'))).toEqual(['000000000004-trade.json']);
    expect(readdirSync(d).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
