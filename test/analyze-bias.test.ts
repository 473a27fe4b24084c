import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeLookahead, cutPoints } from '../backtest/analyze-lookahead.js';
import { analyzeIndicator, analyzeWarmup } from '../backtest/analyze-warmup.js';
import { loadCandlesFile } from '../backtest/data/index.js';
import type { CandleColumns } from '../core/index.js';
import { macdCross } from '../strategies/development/experimental/macd_cross.js';
import { smaCrossover } from '../strategies/production/sma_crossover.js';
import { ROOT } from './helpers/cli.js';

const btc = async (): Promise<CandleColumns> =>
  (await loadCandlesFile(path.join(ROOT, 'data', 'binance_BTC-USDT_1d.csv'))).candles;

describe('analyze lookahead', () => {
  it('samples evenly spaced cut points plus the last bars', () => {
    const cuts = cutPoints(1000, 50, 20);
    expect(cuts.length).toBe(70);
    expect(cuts.at(-1)).toBe(999);
    expect(cuts.slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => 980 + i));
    expect(new Set(cuts).size).toBe(cuts.length);
  });

  it('finds nothing in a strategy that only reads through its context', async () => {
    const candles = await btc();
    const r = analyzeLookahead(smaCrossover, { fast_period: 20, slow_period: 50 }, candles);
    expect(r.count).toBe(0);
    expect(r.cuts.length).toBe(70);
  });
});

describe('analyze warmup', () => {
  it('windowed indicators do not depend on earlier history; recursive ones do, to a decaying degree', async () => {
    const candles = await btc();
    const sma = analyzeIndicator('s', { kind: 'sma', source: 'close', period: 20 }, candles);
    expect(sma.historyDependent).toBe(false);
    expect(sma.barsToConverge).toBe(20);
    for (const spec of [
      { kind: 'highest', source: 'close', period: 30 },
      { kind: 'bollinger', band: 'upper', source: 'close', period: 20, k: 2 },
    ] as const) {
      expect(analyzeIndicator('w', spec, candles).historyDependent).toBe(false);
    }
    const ema = analyzeIndicator('e', { kind: 'ema', source: 'close', period: 20 }, candles);
    expect(ema.historyDependent).toBe(true);
    // EMA(20) forgets its seed by a factor 19/21 per bar: from ~10 % to 1e-6 takes on the order of 100+ bars.
    expect(ema.barsToConverge).toBeGreaterThan(60);
    expect(ema.barsToConverge).toBeLessThan(400);
    for (const spec of [
      { kind: 'rsi', source: 'close', period: 14 },
      { kind: 'atr', period: 14 },
    ] as const) {
      const r = analyzeIndicator('r', spec, candles);
      expect(r.historyDependent).toBe(true);
      expect(r.barsToConverge).toBeGreaterThan(r.ownWarmup);
    }
  });

  it('reports per strategy with a recommended warm-up', async () => {
    const candles = await btc();
    const sma = analyzeWarmup(smaCrossover, { fast_period: 20, slow_period: 50 }, candles);
    expect(sma.indicators.map((i) => i.historyDependent)).toEqual([false, false]);
    expect(sma.recommendedWarmup).toBe(51);
    const macd = analyzeWarmup(macdCross, { fast: 12, slow: 26, signal: 9 }, candles);
    expect(macd.indicators[0]!.historyDependent).toBe(true);
    expect(macd.recommendedWarmup).toBeGreaterThan(100);
  });
});
