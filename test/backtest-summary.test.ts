import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCandlesFile } from '../backtest/data/index.js';
import { buildSummary } from '../backtest/summary.js';
import { addUtcMonths, parseFromBound, parseToBound, trailingMonths, windowFor } from '../backtest/window.js';
import { rsiMomentum } from '../strategies/production/rsi_momentum.js';
import { smaCrossover } from '../strategies/production/sma_crossover.js';
import type { StrategyDefinition } from '../strategies/types.js';
import { ROOT } from './helpers/cli.js';

const DAY = 86_400_000;

describe('backtest windows', () => {
  it('moves by calendar months, clamping the day', () => {
    expect(new Date(addUtcMonths(Date.UTC(2026, 2, 31), -1)).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(new Date(addUtcMonths(Date.UTC(2024, 2, 31), -1)).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(new Date(addUtcMonths(Date.UTC(2024, 0, 15, 6), -6)).toISOString()).toBe(
      '2023-07-15T06:00:00.000Z',
    );
    expect(new Date(addUtcMonths(Date.UTC(2024, 3, 1), -12)).toISOString()).toBe('2023-04-01T00:00:00.000Z');
  });

  it('a date-time without a zone is UTC, whatever the time zone of the machine', () => {
    const tz = process.env['TZ'];
    try {
      for (const zone of ['Asia/Tokyo', 'America/New_York', 'UTC']) {
        process.env['TZ'] = zone; // Node resets its time-zone cache when TZ is assigned
        expect(parseFromBound('2024-01-02T05:00')).toBe(Date.UTC(2024, 0, 2, 5));
        expect(parseToBound('2024-01-01T05:00:30.5')).toBe(Date.UTC(2024, 0, 1, 5, 0, 30, 500) + 1);
        expect(parseFromBound('2024-01-02T05:00+09:00')).toBe(Date.UTC(2024, 0, 1, 20));
      }
    } finally {
      if (tz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = tz;
    }
  });

  it('--to is inclusive: a date means through the end of that day', () => {
    expect(parseFromBound('2024-01-01')).toBe(Date.UTC(2024, 0, 1));
    expect(parseToBound('2024-01-31')).toBe(Date.UTC(2024, 1, 1));
    expect(parseToBound('2024-01-31T12:00:00Z')).toBe(Date.UTC(2024, 0, 31, 12) + 1);
    expect(() => parseFromBound('yesterday')).toThrow(/ISO 8601/);
    const ts = new Float64Array([0, DAY, 2 * DAY, 3 * DAY]);
    expect(windowFor(ts, DAY, parseToBound(new Date(2 * DAY).toISOString().slice(0, 10)))).toEqual({
      start: 1,
      end: 3,
    });
  });

  it('the last 1 month / 6 months / 1 year are that long on the data timeline', async () => {
    const { candles, timeframeMs } = await loadCandlesFile(
      path.join(ROOT, 'data', 'binance_BTC-USDT_1d.csv'),
    );
    const n = candles.ts.length;
    const span = (months: number) => {
      const w = trailingMonths(candles.ts, timeframeMs, months);
      expect(w.end).toBe(n);
      expect(w.complete).toBe(true);
      return (w.toMs - candles.ts[w.start]!) / DAY;
    };
    // Data ends 2026-03-30 (so its timeline ends 2026-03-31): 1 month back is 2026-02-28.
    expect(span(1)).toBe(31);
    expect(span(6)).toBe(182);
    expect(span(12)).toBe(365);
  });
});

describe('backtest summary', () => {
  it('runs every strategy per period and mode, with the keys Mission Control reads', async () => {
    const { candles, timeframeMs } = await loadCandlesFile(path.join(ROOT, 'data', 'kraken_LTC-USD_1d.csv'));
    const strategies = [
      {
        definition: smaCrossover as StrategyDefinition<unknown>,
        params: { fast_period: 20, slow_period: 50 },
      },
      { definition: rsiMomentum as StrategyDefinition<unknown>, params: rsiMomentum.paramsSchema.parse({}) },
    ];
    const s = buildSummary([{ bot: 'kraken', pair: 'LTC-USD', candles, timeframeMs }], strategies);
    expect(Object.keys(s).sort()).toEqual(
      [
        'leveraged_1mo',
        'leveraged_1yr',
        'leveraged_6mo',
        'long_only_1mo',
        'long_only_1yr',
        'long_only_6mo',
        'strategies_1mo',
        'strategies_1yr',
        'strategies_6mo',
      ].sort(),
    );
    expect(s.strategies_6mo).toHaveLength(4);
    expect(s.long_only_6mo.every((r) => r.mode === 'long_only')).toBe(true);
    expect(s.leveraged_1yr.every((r) => r.mode === 'leveraged' && r.leverage === 3)).toBe(true);
    const r6 = s.strategies_6mo[0]!;
    expect(Object.keys(r6)).toEqual(
      expect.arrayContaining([
        'strategy',
        'return_pct',
        'hold_pct',
        'outperform',
        'trades',
        'max_dd',
        'mode',
      ]),
    );
    // LTC data ends 2024-03-31: 6 months back is 2023-10-01 (the original system's "6mo" was a year).
    expect(r6.from).toBe('2023-10-01T00:00:00.000Z');
    expect(r6.bars).toBeGreaterThan(170);
    expect(r6.bars).toBeLessThan(190);
    expect(s.strategies_1yr[0]!.from).toBe('2023-04-01T00:00:00.000Z');
    expect(r6.outperform).toBeCloseTo(r6.return_pct - r6.hold_pct, 9);
    expect(r6.max_dd).toBeGreaterThanOrEqual(0);
  });
});
