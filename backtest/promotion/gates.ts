/**
 * The backtest gates of a promotion: the strategy, with the params the bot would run, must beat buy and
 * hold after fees, keep its drawdown within the bot's limit and trade enough on the bot's data, and must
 * still beat buy and hold within the drawdown limit on the last part of the data alone (walk-forward: that
 * part was not used to choose the params). Pure: candles and settings are inputs.
 */
import type { CandleColumns } from '../../core/index.js';
import type { StrategyDefinition } from '../../strategies/types.js';
import { runBacktest } from '../engine.js';
import { type BacktestMetrics, computeMetrics } from '../metrics.js';
import type { ResolvedSettings } from '../settings.js';
import { type GateResult, pct } from './gate.js';

/** What the backtest gates run and the thresholds they apply. */
export interface BacktestGateInput {
  readonly strategy: StrategyDefinition<unknown>;
  /** Params validated with the strategy's schema. */
  readonly params: unknown;
  readonly candles: CandleColumns;
  readonly timeframeMs: number;
  /** The bot's mode, leverage, fees, margin terms and risk (equity sizing). */
  readonly settings: ResolvedSettings;
  /** The bot's `risk.max_drawdown`, a fraction (0.2 = 20 %). */
  readonly maxDrawdown: number;
  readonly minTrades: number;
  /** Fraction of bars at the end held out of sample, in (0, 1). */
  readonly outOfSampleFraction: number;
}

/** Figures of one evaluated window. */
export interface WindowFigures {
  readonly from: string;
  readonly to: string;
  readonly bars: number;
  readonly return_pct: number;
  readonly buy_hold_pct: number;
  readonly outperform: number;
  readonly max_drawdown_pct: number;
  readonly trades: number;
}

/** The gates and the figures they were decided on (kept as promotion evidence). */
export interface BacktestGateReport {
  readonly gates: GateResult[];
  readonly full: WindowFigures;
  readonly outOfSample: WindowFigures;
}

function figures(m: BacktestMetrics, ts: Float64Array, start: number, end: number): WindowFigures {
  return {
    from: new Date(ts[start]!).toISOString(),
    to: new Date(ts[end - 1]!).toISOString(),
    bars: m.bars,
    return_pct: m.return_pct,
    buy_hold_pct: m.buy_hold_pct,
    outperform: m.outperform,
    max_drawdown_pct: m.max_drawdown_pct,
    trades: m.trades,
  };
}

/** Returns the index of the first out-of-sample bar: the last `fraction` of the bars, at least one. */
export function outOfSampleStart(n: number, fraction: number): number {
  return Math.min(n - 1, Math.max(1, Math.floor(n * (1 - fraction))));
}

/**
 * Runs the full-data and out-of-sample backtests and decides the gates.
 *
 * @throws RangeError when there are fewer than 2 candles (nothing to split).
 */
export function backtestGates(input: BacktestGateInput): BacktestGateReport {
  const n = input.candles.ts.length;
  if (n < 2) throw new RangeError(`the data holds ${n} candle(s); a promotion backtest needs at least 2`);
  const run = (start: number) => {
    const r = runBacktest({
      strategy: input.strategy,
      params: input.params,
      candles: input.candles,
      timeframeMs: input.timeframeMs,
      start,
      end: n,
      config: input.settings.config,
    });
    return figures(computeMetrics(r, input.timeframeMs), input.candles.ts, start, n);
  };
  const full = run(0);
  // Indicators of the out-of-sample run still warm up on the bars before it (a live bot has its warm-up
  // too); only trading and the figures are restricted to the held-out bars.
  const outOfSample = run(outOfSampleStart(n, input.outOfSampleFraction));
  const limitPct = input.maxDrawdown * 100;
  const oosLabel = `out-of-sample (last ${Math.round(input.outOfSampleFraction * 100)}%, from ${outOfSample.from.slice(0, 10)})`;
  const gates: GateResult[] = [
    outperformGate('backtest outperform', full),
    drawdownGate('backtest max drawdown', full, limitPct),
    {
      name: 'backtest trades',
      pass: full.trades >= input.minTrades,
      detail: `${full.trades} ${full.trades >= input.minTrades ? '>=' : '<'} ${input.minTrades}`,
    },
    outperformGate(`${oosLabel} outperform`, outOfSample),
    drawdownGate(`${oosLabel} max drawdown`, outOfSample, limitPct),
  ];
  return { gates, full, outOfSample };
}

function outperformGate(name: string, f: WindowFigures): GateResult {
  const pass = f.outperform > 0;
  return {
    name,
    pass,
    detail: `${pct(f.outperform)} ${pass ? '>' : '<='} 0 (strategy ${pct(f.return_pct)}, buy and hold ${pct(f.buy_hold_pct)}, after fees)`,
  };
}

function drawdownGate(name: string, f: WindowFigures, limitPct: number): GateResult {
  const pass = f.max_drawdown_pct <= limitPct;
  return {
    name,
    pass,
    detail: `${f.max_drawdown_pct.toFixed(2)}% ${pass ? '<=' : '>'} ${limitPct.toFixed(2)}% (risk.max_drawdown)`,
  };
}
