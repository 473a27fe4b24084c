/**
 * curveStats reads an equity curve once with a few shortcuts: the drawdown divided out once per peak, the
 * loss of a return taken without a branch. These hold it, bit for bit, to the plainest reading of the
 * definitions; and the engine's `metrics` mode (what sweeps run) to its `full` mode.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/engine.js';
import { computeMetrics, curveStats } from '../backtest/metrics.js';
import { resolveSettings } from '../backtest/settings.js';
import { randomWalk } from '../bench/random-walk.js';
import { smaCrossover } from '../strategies/production/index.js';

/** The definitions read plainly: a return per bar, every bar's drawdown, the same shifted sums. */
function reference(equity: Float64Array, startingCash: number, barsPerYear: number) {
  const ret = (p: number, q: number) => (p > 0 ? q / p - 1 : 0);
  let peak = startingCash;
  let worst = 0;
  for (const e of equity) {
    if (e > peak) peak = e;
    const dd = peak > 0 ? (peak - e) / peak : 0;
    if (dd > worst) worst = dd;
  }
  const n = equity.length - 1;
  if (n < 2) return { sharpe: null, sortino: null, maxDrawdownPct: worst * 100 };
  const shift = ret(equity[0]!, equity[1]!);
  let sum = 0;
  let sumSq = 0;
  let down = 0;
  for (let i = 0; i < n; i++) {
    const r = ret(equity[i]!, equity[i + 1]!);
    sum += r - shift;
    sumSq += (r - shift) * (r - shift);
    if (r < 0) down += r * r;
  }
  const mean = shift + sum / n;
  const sd = Math.sqrt(Math.max(0, (sumSq - (sum * sum) / n) / (n - 1)));
  const dd = Math.sqrt(down / n);
  const annual = Math.sqrt(barsPerYear);
  return {
    sharpe: sd > 1e-15 ? (mean / sd) * annual : null,
    sortino: dd > 1e-15 ? (mean / dd) * annual : null,
    maxDrawdownPct: worst * 100,
  };
}

/** Curves with flat stretches, gains, losses, wipe-outs to zero and tiny values. */
const curveArb = fc
  .array(
    fc.oneof(
      fc.constant(0),
      fc.double({ min: -0.2, max: 0.2, noNaN: true }),
      fc.constant(-1),
      fc.double({ min: -0.999999, max: -0.99, noNaN: true }),
    ),
    { minLength: 0, maxLength: 300 },
  )
  .map((steps) => {
    let e = 10_000;
    return Float64Array.from(steps, (s) => {
      e = Math.max(0, e * (1 + s));
      return e;
    });
  });

describe('curveStats', () => {
  test.prop([curveArb, fc.double({ min: 1, max: 20_000, noNaN: true })], { numRuns: 400 })(
    'equals the plain definitions bit for bit',
    (curve, cash) => {
      const expected = reference(curve, cash, 8760);
      const stats = curveStats(curve, cash, 8760);
      for (const key of ['sharpe', 'sortino', 'maxDrawdownPct'] as const) {
        expect(Object.is(stats[key], expected[key]), key).toBe(true);
      }
    },
  );

  it('a curve of equal returns has no Sharpe ratio (variance exactly 0)', () => {
    const curve = Float64Array.from({ length: 50 }, (_, i) => 100 * 1.01 ** i);
    const r = curveStats(curve, 100, 365);
    expect(r.sortino).toBeNull();
    expect(r.maxDrawdownPct).toBe(0);
  });
});

describe("runBacktest's metrics mode against its full mode", () => {
  const candles = randomWalk(20_000, 7);
  it.each([
    ['spot', resolveSettings({ mode: 'long_only' })],
    ['spot with stops', resolveSettings({ mode: 'long_only', stopLoss: 0.02, takeProfit: 0.03 })],
    ['margin 3x', resolveSettings({ mode: 'leveraged', leverage: 3 })],
    ['margin 3x with stops', resolveSettings({ mode: 'leveraged', leverage: 3, stopLoss: 0.05 })],
  ])('%s: the same metrics to the bit', (_, settings) => {
    for (const start of [0, 5_000]) {
      const run = (detail: 'full' | 'metrics') =>
        runBacktest({
          strategy: smaCrossover,
          params: { fast_period: 7, slow_period: 30 },
          candles,
          timeframeMs: 3_600_000,
          start,
          config: settings.config,
          detail,
        });
      const full = run('full');
      const lean = run('metrics');
      expect(full.trades.length).toBeGreaterThan(100);
      expect(computeMetrics(lean, 3_600_000)).toEqual(computeMetrics(full, 3_600_000));
      expect(lean.account).toEqual(full.account);
      expect(lean.fills.length + lean.trades.length).toBe(0);
    }
  });
});
