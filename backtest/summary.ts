/**
 * The production strategies' summary: each one over the last 1 month, 6 months and 1 year of each bot's
 * replay data, in long_only and leveraged mode, in the shape Mission Control sync reads
 * (`backtest/results/summary.json`). Pure: datasets and strategies are inputs.
 *
 * Periods are calendar months back from the end of the data's own timeline (the last candle's close), never
 * from the wall clock, and "6 months" really is 6 months. Indicators are warmed on the history before the
 * period (a live bot has its warm-up too); trading starts at the period's first bar.
 */
import type { CandleColumns } from '../core/index.js';
import type { StrategyDefinition } from '../strategies/types.js';
import { runBacktest } from './engine.js';
import { computeMetrics } from './metrics.js';
import { BACKTEST_MODES, type BacktestMode, resolveSettings } from './settings.js';
import { trailingMonths } from './window.js';

/** The periods of the summary, as key suffix and calendar months. */
export const SUMMARY_PERIODS = [
  { key: '1mo', months: 1 },
  { key: '6mo', months: 6 },
  { key: '1yr', months: 12 },
] as const;

export type SummaryPeriodKey = (typeof SUMMARY_PERIODS)[number]['key'];

/** One strategy on one bot's data over one period in one mode. */
export interface SummaryRecord {
  readonly strategy: string;
  /** Strategy return in %. */
  readonly return_pct: number;
  /** Buy-and-hold return over the same bars in %. */
  readonly hold_pct: number;
  /** return_pct - hold_pct, percentage points. */
  readonly outperform: number;
  /** Positions opened. */
  readonly trades: number;
  /** Max drawdown of marked equity in % (positive). */
  readonly max_dd: number;
  readonly mode: BacktestMode;
  readonly leverage: number;
  /** The bot whose replay data this ran on, and its pair. */
  readonly bot: string;
  readonly pair: string;
  /** First and last traded bar (open time), ISO 8601 UTC. */
  readonly from: string;
  readonly to: string;
  readonly bars: number;
  /** False when the data is shorter than the period (the record then covers all of it). */
  readonly complete: boolean;
}

/** `summary.json`: all records per period, and the same split by mode. */
export type SummaryFile = {
  readonly [K in `strategies_${SummaryPeriodKey}` | `${BacktestMode}_${SummaryPeriodKey}`]: SummaryRecord[];
};

/** One bot's replay data. */
export interface SummaryDataset {
  readonly bot: string;
  readonly pair: string;
  readonly candles: CandleColumns;
  readonly timeframeMs: number;
}

/** A strategy with the params the summary runs it with (production defaults). */
export interface SummaryStrategy {
  readonly definition: StrategyDefinition<unknown>;
  readonly params: unknown;
}

/**
 * Runs every strategy on every dataset, period and mode with default backtest settings (all equity per
 * entry; long_only spot 1x on Coinbase fees, leveraged 3x on Kraken fees and margin terms; no stops).
 * Records are ordered by dataset, strategy, then mode.
 */
export function buildSummary(
  datasets: readonly SummaryDataset[],
  strategies: readonly SummaryStrategy[],
): SummaryFile {
  const out: Record<string, SummaryRecord[]> = {};
  for (const p of SUMMARY_PERIODS) {
    out[`strategies_${p.key}`] = [];
    for (const m of BACKTEST_MODES) out[`${m}_${p.key}`] = [];
  }
  for (const ds of datasets) {
    const n = ds.candles.ts.length;
    if (n === 0) continue;
    for (const p of SUMMARY_PERIODS) {
      const w = trailingMonths(ds.candles.ts, ds.timeframeMs, p.months);
      if (w.end - w.start < 1) continue;
      for (const s of strategies) {
        for (const mode of BACKTEST_MODES) {
          const settings = resolveSettings({ mode });
          const run = runBacktest({
            strategy: s.definition,
            params: s.params,
            candles: ds.candles,
            timeframeMs: ds.timeframeMs,
            start: w.start,
            end: w.end,
            config: settings.config,
          });
          const m = computeMetrics(run, ds.timeframeMs);
          const rec: SummaryRecord = {
            strategy: s.definition.name,
            return_pct: m.return_pct,
            hold_pct: m.buy_hold_pct,
            outperform: m.outperform,
            trades: m.trades,
            max_dd: m.max_drawdown_pct,
            mode,
            leverage: settings.config.risk.leverage,
            bot: ds.bot,
            pair: ds.pair,
            from: new Date(ds.candles.ts[w.start]!).toISOString(),
            to: new Date(ds.candles.ts[w.end - 1]!).toISOString(),
            bars: m.bars,
            complete: w.complete,
          };
          out[`strategies_${p.key}`]!.push(rec);
          out[`${mode}_${p.key}`]!.push(rec);
        }
      }
    }
  }
  return out as SummaryFile;
}
