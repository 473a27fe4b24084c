import { describe, expect, it } from 'vitest';
import type { Trade } from '../backtest/engine.js';
import {
  barReturns,
  buyHoldSeries,
  curveStats,
  drawdownSeries,
  periodsPerYear,
  tradeStats,
} from '../backtest/metrics.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function trade(pnl: number, reason: Trade['reason'] = 'signal'): Trade {
  return {
    side: 'LONG',
    entryTs: 0,
    exitTs: 1,
    entryPrice: 1,
    exitPrice: 1,
    qty: 1,
    fees: 0,
    marginCosts: 0,
    pnl,
    reason,
  };
}

describe('backtest metrics', () => {
  it('annualises from the data timeframe over a 365-day year', () => {
    expect(periodsPerYear(DAY)).toBe(365);
    expect(periodsPerYear(HOUR)).toBe(8760);
    expect(periodsPerYear(4 * HOUR)).toBe(2190);
  });

  it('computes Sharpe and Sortino by hand', () => {
    const eq = new Float64Array([100, 110, 99, 108.9]);
    const r = barReturns(eq);
    expect([...r].map((x) => Number(x.toFixed(12)))).toEqual([0.1, -0.1, 0.1]);
    // mean 1/30, sample sd sqrt(((2/30)^2 * 2 + (4/30)^2) / 2) = sqrt(0.0133333) = 0.11547
    const mean = 0.1 / 3;
    const sd = Math.sqrt(((0.1 - mean) ** 2 * 2 + (-0.1 - mean) ** 2) / 2);
    expect(curveStats(eq, 100, 365).sharpe).toBeCloseTo((mean / sd) * Math.sqrt(365), 9);
    expect(curveStats(eq, 100, 8760).sharpe).toBeCloseTo((mean / sd) * Math.sqrt(8760), 9);
    // Downside deviation: sqrt(0.01 / 3).
    expect(curveStats(eq, 100, 365).sortino).toBeCloseTo((mean / Math.sqrt(0.01 / 3)) * Math.sqrt(365), 9);
  });

  it('gives null instead of a sentinel when a ratio is undefined', () => {
    const flat = curveStats(new Float64Array([100, 100, 100, 100]), 100, 365);
    expect([flat.sharpe, flat.sortino]).toEqual([null, null]);
    expect(curveStats(new Float64Array([100, 101, 102]), 100, 365).sortino).toBeNull();
    expect(tradeStats([trade(5), trade(3)])).toEqual({ closed: 2, winRate: 100, profitFactor: null });
    expect(tradeStats([])).toEqual({ closed: 0, winRate: null, profitFactor: null });
  });

  it('profit factor and win rate count closed trades only', () => {
    const s = tradeStats([trade(30), trade(-10), trade(-5), trade(100, 'open')]);
    expect(s.closed).toBe(3);
    expect(s.winRate).toBeCloseTo(100 / 3, 12);
    expect(s.profitFactor).toBeCloseTo(2, 12);
  });

  it('measures drawdown from the running peak as a positive percentage', () => {
    const eq = new Float64Array([100, 120, 90, 130, 117]);
    expect([...drawdownSeries(eq, 100)].map((x) => Number(x.toFixed(12)))).toEqual([0, 0, 0.25, 0, 0.1]);
    expect(curveStats(eq, 100, 365).maxDrawdownPct).toBeCloseTo(25, 12);
    // Starting cash is the first peak: a loss on bar 0 is a drawdown.
    expect(curveStats(new Float64Array([80, 90]), 100, 365).maxDrawdownPct).toBeCloseTo(20, 12);
  });

  it('buy and hold invests the starting cash at the first close', () => {
    expect([...buyHoldSeries(new Float64Array([10, 20, 5]), 1000)]).toEqual([1000, 2000, 500]);
  });
});
