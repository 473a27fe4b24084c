import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CandleDataError,
  type CandleDataErrorCode,
  detectGaps,
  filterRange,
  inferTimeframe,
  loadCandlesFile,
  parseCandlesCsv,
} from '../backtest/data/index.js';
import { columnsFrom } from '../core/candles.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = join(ROOT, 'data');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'csv');
const DAY = 86_400_000;

async function loadError(path: string, timeframeMs?: number): Promise<CandleDataError> {
  try {
    await loadCandlesFile(path, timeframeMs === undefined ? {} : { timeframeMs });
  } catch (e) {
    if (e instanceof CandleDataError) return e;
    throw e;
  }
  throw new Error(`expected ${path} to fail`);
}

function expectLoadError(e: CandleDataError, code: CandleDataErrorCode, path: string): void {
  expect(e.code).toBe(code);
  expect(e.file).toBe(path);
  expect(e.message.startsWith(path)).toBe(true);
}

describe('bundled data files', () => {
  // Row counts, ranges and gaps as documented in data/README.md.
  test.each([
    {
      name: 'binance_DOGE-USDT_1d.csv',
      rows: 2455,
      first: Date.UTC(2019, 6, 5),
      last: Date.UTC(2026, 2, 30),
      gaps: 4,
      missing: 6,
      largest: { afterTs: Date.UTC(2026, 2, 19), missing: 3 },
    },
    {
      name: 'kraken_LTC-USD_1d.csv',
      rows: 3625,
      first: Date.UTC(2013, 9, 24),
      last: Date.UTC(2024, 2, 31),
      gaps: 88,
      missing: 187,
      largest: { afterTs: Date.UTC(2015, 2, 25), missing: 15 },
    },
    {
      name: 'binance_BTC-USDT_1d.csv',
      rows: 3142,
      first: Date.UTC(2017, 7, 17),
      last: Date.UTC(2026, 2, 30),
      gaps: 4,
      missing: 6,
      largest: { afterTs: Date.UTC(2026, 2, 19), missing: 3 },
    },
  ])(
    '$name: $rows rows, $missing missing candles',
    async ({ name, rows, first, last, gaps, missing, largest }) => {
      const path = join(DATA, name);
      const loaded = await loadCandlesFile(path);
      const { candles } = loaded;
      expect(loaded.file).toBe(path);
      expect(candles.ts.length).toBe(rows);
      for (const col of [candles.open, candles.high, candles.low, candles.close, candles.volume]) {
        expect(col.length).toBe(rows);
      }
      expect(candles.ts[0]).toBe(first);
      expect(candles.ts[rows - 1]).toBe(last);
      expect(loaded.timeframeMs).toBe(DAY);
      expect(loaded.gaps.length).toBe(gaps);
      expect(loaded.missing).toBe(missing);
      // rows + missing = every day in the range: nothing was invented, nothing lost.
      expect(rows + missing).toBe((last - first) / DAY + 1);
      const biggest = loaded.gaps.reduce((a, b) => (b.missing > a.missing ? b : a));
      expect(biggest).toEqual(largest);
    },
  );

  test('kraken_LTC-USD_1d.csv: detectGaps finds the 187 missing candles of the README', async () => {
    const { candles } = await loadCandlesFile(join(DATA, 'kraken_LTC-USD_1d.csv'));
    const inferred = detectGaps(candles);
    expect(inferred.timeframeMs).toBe(DAY);
    expect(inferred.missing).toBe(187);
    expect(inferred.gaps.length).toBe(88);
    expect(detectGaps(candles, DAY)).toEqual(inferred);
  });

  test('spot values from the files', async () => {
    const btc = await loadCandlesFile(join(DATA, 'binance_BTC-USDT_1d.csv'));
    // First row: 1502928000000,4261.48,4485.39,4200.74,4285.08,795.150377
    expect([btc.candles.open[0], btc.candles.high[0], btc.candles.low[0], btc.candles.close[0]]).toEqual([
      4261.48, 4485.39, 4200.74, 4285.08,
    ]);
    expect(btc.candles.volume[0]).toBe(795.150377);
  });
});

describe('loadCandlesFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dualbot-csv-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('gzip round trip: a .csv.gz loads to the same candles as the plain file', async () => {
    const plainPath = join(DATA, 'binance_DOGE-USDT_1d.csv');
    const gzPath = join(dir, 'binance_DOGE-USDT_1d.csv.gz');
    await writeFile(gzPath, gzipSync(await readFile(plainPath)));
    const plain = await loadCandlesFile(plainPath);
    const gz = await loadCandlesFile(gzPath);
    expect(gz.file).toBe(gzPath);
    expect(gz.candles).toEqual(plain.candles);
    expect(gz.gaps).toEqual(plain.gaps);
    expect(gz.timeframeMs).toBe(plain.timeframeMs);
  });

  test('CSV_READ: a missing file is named in the error', async () => {
    const path = join(dir, 'does-not-exist.csv');
    const e = await loadError(path);
    expectLoadError(e, 'CSV_READ', path);
    expect(e.line).toBeUndefined();
    expect(e.message).toContain('ENOENT');
  });

  test('CSV_READ: a .gz that is not gzip', async () => {
    const path = join(dir, 'not-really.csv.gz');
    await writeFile(path, 'timestamp,open,high,low,close,volume\n1,1,1,1,1,1\n');
    const e = await loadError(path);
    expectLoadError(e, 'CSV_READ', path);
    expect(e.message).toContain('decompress');
  });

  test('a gzip of bad data reports the line inside the decompressed text', async () => {
    const path = join(dir, 'bad-ohlc.csv.gz');
    await writeFile(path, gzipSync(await readFile(join(FIXTURES, 'bad-ohlc.csv'))));
    const e = await loadError(path);
    expectLoadError(e, 'CSV_OHLC', path);
    expect(e.line).toBe(4);
  });

  test('parse errors name the path and line (fixture bad-ohlc.csv)', async () => {
    const path = join(FIXTURES, 'bad-ohlc.csv');
    const e = await loadError(path);
    expectLoadError(e, 'CSV_OHLC', path);
    expect(e.line).toBe(4);
    expect(e.message).toBe(
      `${path}:4: high 10.8 is below max(open, close) 11 (rule: high >= max(open, close))`,
    );
  });

  test('CRLF, BOM and exponent volumes load (fixture crlf-bom.csv)', async () => {
    const loaded = await loadCandlesFile(join(FIXTURES, 'crlf-bom.csv'));
    expect(Array.from(loaded.candles.ts)).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2)]);
    expect(loaded.candles.volume[1]).toBe(1.5e-5);
    expect(loaded.gaps).toEqual([]);
  });

  test('CSV_TIMEFRAME: a single candle needs an explicit timeframe', async () => {
    const path = join(FIXTURES, 'single.csv');
    const e = await loadError(path);
    expectLoadError(e, 'CSV_TIMEFRAME', path);
    const loaded = await loadCandlesFile(path, { timeframeMs: DAY });
    expect(loaded.timeframeMs).toBe(DAY);
    expect(loaded.candles.ts.length).toBe(1);
    expect(loaded.missing).toBe(0);
  });
});

describe('detectGaps', () => {
  const H = 3_600_000;
  const at = (hours: number[]) =>
    columnsFrom(hours.map((h) => ({ ts: h * H, open: 1, high: 1, low: 1, close: 1, volume: 0 })));

  test('reports each hole with the candle before it, never fills', () => {
    const cols = at([0, 1, 2, 5, 6, 10]);
    const r = detectGaps(cols);
    expect(r.timeframeMs).toBe(H);
    expect(r.gaps).toEqual([
      { afterTs: 2 * H, missing: 2 },
      { afterTs: 6 * H, missing: 3 },
    ]);
    expect(r.missing).toBe(5);
    expect(cols.ts.length).toBe(6);
  });

  test('an explicit timeframe overrides inference', () => {
    const r = detectGaps(at([0, 2, 4, 6]), H);
    expect(r.missing).toBe(3);
    expect(detectGaps(at([0, 2, 4, 6])).missing).toBe(0);
  });

  test('inference takes the most common spacing, ties to the smaller', () => {
    expect(inferTimeframe(at([0, 2, 4, 5, 6, 7]))).toBe(H);
    expect(inferTimeframe(at([0, 2, 3, 5, 6]))).toBe(H);
    expect(inferTimeframe(at([0, 2, 4, 5]))).toBe(2 * H);
    expect(inferTimeframe(at([0]))).toBeUndefined();
    expect(detectGaps(at([0]))).toEqual({ timeframeMs: undefined, gaps: [], missing: 0 });
  });

  test('off-grid candles: a hole counts the grid slots that are empty', () => {
    // Spacing 1h, then a 2.5h hole: slots at +1h and +2h are empty.
    const cols = columnsFrom(
      [0, 1, 2, 4.5, 5.5].map((h) => ({ ts: h * H, open: 1, high: 1, low: 1, close: 1, volume: 0 })),
    );
    expect(detectGaps(cols, H).gaps).toEqual([{ afterTs: 2 * H, missing: 2 }]);
  });

  test('rejects a non-positive timeframe', () => {
    expect(() => detectGaps(at([0, 1]), 0)).toThrow(RangeError);
    expect(() => detectGaps(at([0, 1]), Number.NaN)).toThrow(RangeError);
  });
});

describe('filterRange', () => {
  const { candles } = parseCandlesCsv(
    'timestamp,open,high,low,close,volume\n' +
      [10, 20, 30, 40, 50].map((t) => `${t},1,2,0.5,1.5,${t}`).join('\n') +
      '\n',
    'inline.csv',
  );

  test('inclusive from, exclusive to', () => {
    const r = filterRange(candles, 20, 40);
    expect(Array.from(r.ts)).toEqual([20, 30]);
    expect(Array.from(r.volume)).toEqual([20, 30]);
    expect(Array.from(filterRange(candles, 15, 41).ts)).toEqual([20, 30, 40]);
  });

  test('bounds are optional', () => {
    expect(Array.from(filterRange(candles).ts)).toEqual([10, 20, 30, 40, 50]);
    expect(Array.from(filterRange(candles, 30).ts)).toEqual([30, 40, 50]);
    expect(Array.from(filterRange(candles, undefined, 30).ts)).toEqual([10, 20]);
  });

  test('empty and inverted ranges give empty columns', () => {
    expect(filterRange(candles, 60).ts.length).toBe(0);
    expect(filterRange(candles, 0, 10).ts.length).toBe(0);
    expect(filterRange(candles, 40, 20).ts.length).toBe(0);
    expect(filterRange(candles, 40, 20).close.length).toBe(0);
  });

  test('returns views sharing memory, not copies', () => {
    const r = filterRange(candles, 20, 40);
    expect(r.close.buffer).toBe(candles.close.buffer);
    expect(r.close.byteOffset).toBe(candles.close.byteOffset + 8);
  });
});
