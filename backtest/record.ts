/**
 * The JSON record of one backtest (`backtest --json`, each element of `sweep --json`): what ran, on which
 * data, and its metrics. Field names are snake_case because the record is a file format other tools read.
 */
import { TIMEFRAMES } from './data/index.js';
import type { BacktestMetrics } from './metrics.js';
import type { BacktestMode, ResolvedSettings } from './settings.js';

/** One backtest's settings and metrics. */
export interface BacktestRecord extends BacktestMetrics {
  readonly strategy: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly mode: BacktestMode;
  readonly leverage: number;
  readonly exchange: string;
  readonly fee_bps: number;
  readonly slippage_bps: number;
  readonly stop_loss: number | null;
  readonly take_profit: number | null;
  readonly max_drawdown: number | null;
  readonly sizing: string;
  readonly timeframe: string;
  /** Open time of the first traded bar, ISO 8601 UTC. */
  readonly from: string;
  /** Open time of the last traded bar, ISO 8601 UTC. */
  readonly to: string;
}

/** Returns a timeframe's name (`1h`), or `<ms>ms` for one the runtime has no name for. */
export function timeframeName(ms: number): string {
  for (const [name, v] of Object.entries(TIMEFRAMES)) if (v === ms) return name;
  return `${ms}ms`;
}

/** What a record is built from besides the metrics. */
export interface RecordContext {
  readonly strategy: string;
  readonly params: unknown;
  readonly settings: ResolvedSettings;
  readonly timeframeMs: number;
  readonly firstTs: number;
  readonly lastTs: number;
}

/** Builds the record: settings first (as a reader scans it), then the metrics. */
export function backtestRecord(ctx: RecordContext, metrics: BacktestMetrics): BacktestRecord {
  const { config } = ctx.settings;
  return {
    strategy: ctx.strategy,
    params: (ctx.params ?? {}) as Record<string, unknown>,
    mode: ctx.settings.mode,
    leverage: config.risk.leverage,
    exchange: ctx.settings.exchange,
    fee_bps: config.fill.takerFeeBps,
    slippage_bps: config.fill.slippageBps,
    stop_loss: config.risk.stopLoss ?? null,
    take_profit: config.risk.takeProfit ?? null,
    max_drawdown: config.risk.maxDrawdown ?? null,
    sizing: ctx.settings.sizing,
    timeframe: timeframeName(ctx.timeframeMs),
    from: new Date(ctx.firstTs).toISOString(),
    to: new Date(ctx.lastTs).toISOString(),
    ...metrics,
  };
}
