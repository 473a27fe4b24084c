import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parseTimeframe, resample, TIMEFRAMES } from '../backtest/data/index.js';
import { type Candle, type CandleColumns, candleAt, columnsFrom } from '../core/candles.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const D0 = Date.UTC(2024, 0, 1);

function rows(c: CandleColumns): Candle[] {
  return Array.from({ length: c.ts.length }, (_, i) => candleAt(c, i));
}

const k = (ts: number, open: number, high: number, low: number, close: number, volume: number): Candle => ({
  ts,
  open,
  high,
  low,
  close,
  volume,
});

describe('parseTimeframe', () => {
  test('known names', () => {
    expect(parseTimeframe('1m')).toBe(MIN);
    expect(parseTimeframe('5m')).toBe(5 * MIN);
    expect(parseTimeframe('15m')).toBe(15 * MIN);
    expect(parseTimeframe('1h')).toBe(HOUR);
    expect(parseTimeframe('4h')).toBe(4 * HOUR);
    expect(parseTimeframe('1d')).toBe(DAY);
    expect(Object.keys(TIMEFRAMES)).toEqual(['1m', '5m', '15m', '1h', '4h', '1d']);
  });

  test.each(['2h', '1D', '1H', '', ' 1m', '1m ', '60', '1w', 'toString', '__proto__'])(
    'unknown %j is a RangeError listing the accepted names',
    (s) => {
      expect(() => parseTimeframe(s)).toThrow(RangeError);
      expect(() => parseTimeframe(s)).toThrow(
        `unknown timeframe ${JSON.stringify(s)} (expected one of 1m, 5m, 15m, 1h, 4h, 1d)`,
      );
    },
  );
});

describe('resample', () => {
  test('1h -> 1d equals the hand-computed candles (missing hours and a missing day)', () => {
    const hourly = columnsFrom([
      // Day 0: hours 0, 1, 2 and 23 exist (20 hours missing).
      k(D0 + 0 * HOUR, 10, 12, 9, 11, 1),
      k(D0 + 1 * HOUR, 11, 15, 10, 14, 2),
      k(D0 + 2 * HOUR, 14, 14, 8, 9, 3),
      k(D0 + 23 * HOUR, 9, 10, 7.5, 9.5, 0.5),
      // Day 1: hours 5 and 6.
      k(D0 + DAY + 5 * HOUR, 20, 21, 19, 20.5, 4),
      k(D0 + DAY + 6 * HOUR, 20.5, 22, 20, 21, 6),
      // Day 2: nothing. Day 3: hour 0 only.
      k(D0 + 3 * DAY, 30, 31, 29, 30, 1),
    ]);
    const daily = resample(hourly, HOUR, DAY);
    expect(rows(daily)).toEqual([
      k(D0, 10, 15, 7.5, 9.5, 6.5),
      k(D0 + DAY, 20, 22, 19, 21, 10),
      // Day 2 had no candle: no candle is invented.
      k(D0 + 3 * DAY, 30, 31, 29, 30, 1),
    ]);
    // Exact-size columns: six of them in one shared buffer, no spare capacity.
    expect(daily.close.buffer.byteLength).toBe(6 * 3 * 8);
  });

  test('buckets align to epoch multiples (4h: 00:00, 04:00, ... UTC)', () => {
    const hourly = columnsFrom([
      k(D0 + 3 * HOUR, 1, 2, 1, 2, 1),
      k(D0 + 4 * HOUR, 2, 3, 2, 3, 1),
      k(D0 + 7 * HOUR, 3, 4, 3, 4, 1),
    ]);
    expect(rows(resample(hourly, HOUR, 4 * HOUR))).toEqual([
      k(D0, 1, 2, 1, 2, 1),
      k(D0 + 4 * HOUR, 2, 4, 2, 4, 2),
    ]);
  });

  test('timestamps before 1970 align too', () => {
    const hourly = columnsFrom([k(-2 * HOUR, 1, 2, 1, 2, 1), k(-HOUR, 2, 3, 2, 3, 1), k(0, 3, 3, 3, 3, 1)]);
    expect(Array.from(resample(hourly, HOUR, DAY).ts)).toEqual([-DAY, 0]);
  });

  test('same timeframe is a copy, empty input is empty output', () => {
    const hourly = columnsFrom([k(D0, 1, 2, 1, 2, 1), k(D0 + HOUR, 2, 3, 2, 3, 1)]);
    const same = resample(hourly, HOUR, HOUR);
    expect(same).toEqual(hourly);
    expect(same.ts).not.toBe(hourly.ts);
    expect(resample(columnsFrom([]), HOUR, DAY).ts.length).toBe(0);
  });

  test('rejects a target that is not a multiple, bad sizes, misaligned or unsorted input', () => {
    const hourly = columnsFrom([k(D0, 1, 2, 1, 2, 1)]);
    expect(() => resample(hourly, HOUR, 90 * MIN)).toThrow('not a multiple');
    expect(() => resample(hourly, HOUR, 30 * MIN)).toThrow('not a multiple');
    expect(() => resample(hourly, 0, DAY)).toThrow(RangeError);
    expect(() => resample(hourly, HOUR, -DAY)).toThrow(RangeError);
    expect(() => resample(hourly, 1.5, 3)).toThrow(RangeError);
    expect(() => resample(columnsFrom([k(D0 + 30 * MIN, 1, 1, 1, 1, 1)]), HOUR, DAY)).toThrow('not aligned');
    const unsorted = columnsFrom([k(D0 + HOUR, 1, 1, 1, 1, 1), k(D0, 1, 1, 1, 1, 1)]);
    expect(() => resample(unsorted, HOUR, DAY)).toThrow('not after');
  });
});

describe('resample properties', () => {
  // A 1m series over up to ~4 days with random holes. Volumes are integers so that sums are exact whatever
  // the grouping (float addition is not associative, integer sums below 2^53 are).
  const minuteSeries = fc
    .record({
      startMin: fc.integer({ min: -3 * 1440, max: 3 * 1440 }),
      steps: fc.array(fc.integer({ min: 1, max: 240 }), { minLength: 0, maxLength: 300 }),
    })
    .chain(({ startMin, steps }) =>
      fc
        .array(
          fc.record({
            open: fc.double({ min: 0.01, max: 1e5, noNaN: true }),
            close: fc.double({ min: 0.01, max: 1e5, noNaN: true }),
            up: fc.double({ min: 0, max: 100, noNaN: true }),
            down: fc.double({ min: 0, max: 0.99, noNaN: true }),
            volume: fc.integer({ min: 0, max: 1_000_000 }),
          }),
          { minLength: steps.length + 1, maxLength: steps.length + 1 },
        )
        .map((prices) => {
          let minute = startMin;
          return columnsFrom(
            prices.map((p, i) => {
              if (i > 0) minute += steps[i - 1]!;
              return {
                ts: D0 + minute * MIN,
                open: p.open,
                close: p.close,
                high: Math.max(p.open, p.close) + p.up,
                low: Math.min(p.open, p.close) * (1 - p.down),
                volume: p.volume,
              };
            }),
          );
        }),
    );

  const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
  const max = (a: Float64Array) => a.reduce((m, x) => Math.max(m, x), Number.NEGATIVE_INFINITY);
  const min = (a: Float64Array) => a.reduce((m, x) => Math.min(m, x), Number.POSITIVE_INFINITY);

  test.prop([minuteSeries, fc.constantFrom(5 * MIN, 15 * MIN, HOUR, 4 * HOUR, DAY)])(
    'preserves total volume, max high and min low; output is aligned, increasing and valid',
    (m1, toMs) => {
      const out = resample(m1, MIN, toMs);
      expect(sum(out.volume)).toBe(sum(m1.volume));
      expect(max(out.high)).toBe(max(m1.high));
      expect(min(out.low)).toBe(min(m1.low));
      const buckets = new Set(Array.from(m1.ts, (t) => Math.floor(t / toMs) * toMs));
      expect(Array.from(out.ts)).toEqual([...buckets]);
      for (let i = 0; i < out.ts.length; i++) {
        expect(out.high[i]).toBeGreaterThanOrEqual(Math.max(out.open[i]!, out.close[i]!));
        expect(out.low[i]).toBeLessThanOrEqual(Math.min(out.open[i]!, out.close[i]!));
      }
    },
  );

  test.prop([minuteSeries])('1m -> 1h -> 1d equals 1m -> 1d', (m1) => {
    const direct = resample(m1, MIN, DAY);
    expect(resample(resample(m1, MIN, HOUR), HOUR, DAY)).toEqual(direct);
    expect(resample(resample(resample(m1, MIN, 5 * MIN), 5 * MIN, 15 * MIN), 15 * MIN, DAY)).toEqual(direct);
  });
});
