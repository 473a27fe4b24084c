import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candlesToCsv, fetchCandleRange, loadCandlesFile } from '../backtest/data/index.js';
import type { Candle } from '../core/candles.js';
import { type FakeExchange, startFakeExchange } from './fake-exchange/server.js';
import { runBuilt, runBuiltAsync, tempDir } from './helpers/cli.js';

const H = 3_600_000;
const candle = (ts: number, close = 100): Candle => ({
  ts,
  open: close,
  high: close * 1.01,
  low: close * 0.99,
  close,
  volume: 1,
});

/** An exchange with candles every hour from `start` to `now`, the last one still forming, `missing` absent. */
function venue(start: number, now: number, missing: ReadonlySet<number> = new Set()) {
  const asked: number[] = [];
  const page = async (since: number, limit: number) => {
    asked.push(since);
    const out: Candle[] = [];
    // Starts a bar early, as some exchanges do, to check that overlap is dropped.
    for (let ts = Math.max(start, since - H); ts <= now && out.length < limit; ts += H) {
      if (!missing.has(ts)) out.push(candle(ts, 100 + ts / H));
    }
    return out;
  };
  return { page, asked };
}

describe('fetchCandleRange', () => {
  const start = 1_700_000_000_000 - (1_700_000_000_000 % H);
  const now = start + 1000 * H + 30 * 60_000; // half an hour into the candle opening at start + 1000h

  it('pages through the range and keeps only closed candles, in order, once each', async () => {
    const v = venue(start, now);
    const got = await fetchCandleRange(v.page, {
      fromMs: start,
      toMs: now,
      timeframeMs: H,
      nowMs: now,
      pageLimit: 300,
      maxPages: 100,
    });
    expect(got).toHaveLength(1000); // 0 ... 999; the candle at 1000h is still forming
    expect(got[0]!.ts).toBe(start);
    expect(got.at(-1)!.ts).toBe(start + 999 * H);
    for (let i = 1; i < got.length; i++) expect(got[i]!.ts - got[i - 1]!.ts).toBe(H);
    expect(v.asked.length).toBeLessThanOrEqual(5);
  });

  it('honours --to, leaves holes as holes and stops when the exchange has nothing new', async () => {
    const v = venue(start, now, new Set([start + 5 * H]));
    const got = await fetchCandleRange(v.page, {
      fromMs: start + 2 * H,
      toMs: start + 10 * H,
      timeframeMs: H,
      nowMs: now,
      pageLimit: 3,
      maxPages: 100,
    });
    expect(got.map((c) => (c.ts - start) / H)).toEqual([2, 3, 4, 6, 7, 8, 9]);
    const stale = async () => [candle(start), candle(start + H)];
    const few = await fetchCandleRange(stale, {
      fromMs: start,
      toMs: now,
      timeframeMs: H,
      nowMs: now,
      pageLimit: 300,
      maxPages: 100,
    });
    expect(few).toHaveLength(2);
  });

  it('writes CSV the loader reads back exactly', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.csv');
    const cs = [candle(start, 0.1 + 0.2), candle(start + H, 1e-9), candle(start + 2 * H, 123456.789)];
    writeFileSync(file, candlesToCsv(cs));
    const back = await loadCandlesFile(file);
    expect([...back.candles.close]).toEqual(cs.map((c) => c.close));
    expect([...back.candles.ts]).toEqual(cs.map((c) => c.ts));
  });
});

describe('dualbot fetch-data (built CLI) against the fake Kraken on 127.0.0.1', () => {
  let fake: FakeExchange;
  beforeAll(async () => {
    fake = await startFakeExchange({ venue: 'kraken' });
  });
  afterAll(async () => fake.close());

  const args = (out: string) => [
    'fetch-data',
    '--exchange',
    'kraken',
    '--pair',
    fake.pair,
    '--timeframe',
    '1h',
    '--api-url',
    fake.url,
    '--out',
    out,
  ];

  it('writes closed candles, then extends the file without rewriting it', async () => {
    const out = path.join(tempDir(), 'cache', 'ltc.csv');
    const first = await runBuiltAsync(args(out));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/new closed candles/);
    const loaded = await loadCandlesFile(out);
    const n = loaded.candles.ts.length;
    expect(n).toBeGreaterThan(1);
    // Never the forming candle.
    expect(loaded.candles.ts[n - 1]! + H).toBeLessThanOrEqual(Date.now());
    const before = readFileSync(out, 'utf8');
    const again = await runBuiltAsync(args(out));
    expect(again.code).toBe(0);
    expect(readFileSync(out, 'utf8').startsWith(before)).toBe(true);
    expect(fake.requests.some((r) => r.endpoint === 'ohlc')).toBe(true);
  });

  it('a corrupt cache file stops with exit 65 and is left as it was', async () => {
    const out = path.join(tempDir(), 'bad.csv');
    writeFileSync(out, 'timestamp,open,high,low,close,volume\n1,2,3\n');
    const r = await runBuiltAsync(args(out));
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/bad\.csv/);
    expect(readFileSync(out, 'utf8')).toBe('timestamp,open,high,low,close,volume\n1,2,3\n');
  });

  it('an unreachable exchange exits 69; bad options exit 78; nothing is written', async () => {
    const out = path.join(tempDir(), 'x.csv');
    const down = await runBuiltAsync([
      ...args(out).slice(0, -4),
      '--api-url',
      'http://127.0.0.1:9',
      '--out',
      out,
    ]);
    expect(down.code).toBe(69);
    expect(down.stderr).toMatch(/exchange error/);
    const bads: [string, string][] = [
      ['--pair', 'ltcusd'],
      ['--timeframe', '7m'],
      ['--exchange', 'binance'],
    ];
    for (const [flag, value] of bads) {
      const a = args(out);
      a[a.indexOf(flag) + 1] = value;
      expect(runBuilt(a).code, `${flag} ${value}`).toBe(78);
    }
    expect(runBuilt([...args(out), '--from', 'yesterday']).code).toBe(78);
    const gz = args(out);
    gz[gz.length - 1] = `${out}.gz`;
    expect(runBuilt(gz).code).toBe(78);
    const url = args(out);
    url[url.indexOf('--api-url') + 1] = 'not a url';
    expect(runBuilt(url).code).toBe(78);
    expect(existsSync(out)).toBe(false);
  });
});
