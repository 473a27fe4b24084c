/**
 * The messages between a sweep and its workers, and the work one task does. Kept apart from the worker
 * entry (`workers/backtest-task.ts`) so it can run in-process too (tests, a single-threaded fallback).
 */
import type { CandleColumns } from '../core/index.js';
import type { IndicatorCache } from '../core/signal/index.js';
import { StrategyError } from '../core/signal/index.js';
import type { StrategyDefinition } from '../strategies/types.js';
import { type BacktestScratch, type EngineConfig, runBacktest } from './engine.js';
import { type BacktestMetrics, computeMetrics } from './metrics.js';
import type { SharedCandles } from './shared-candles.js';

/** What every worker of a pool receives once: the candles it works on. */
export interface SweepWorkerData {
  readonly candles: SharedCandles;
  /** Nice increment each worker applies to its own thread at start-up (`lowerThreadPriority`, priority.ts). */
  readonly niceIncrement: number;
  /** Byte budget of each worker's indicator column cache (column-cache.ts). */
  readonly cacheBytes: number;
}

/** A batch of combinations of one strategy over one window. Plain data (structured-cloned to a worker). */
export interface BacktestTask {
  readonly strategy: string;
  readonly config: EngineConfig;
  readonly timeframeMs: number;
  readonly start: number;
  readonly end: number;
  /** Validated params, with the index of each combination in the sweep. */
  readonly combos: readonly { readonly index: number; readonly params: unknown }[];
}

/** The outcome of one combination: its metrics, or why it failed (a strategy error, never fatal). */
export type ComboOutcome =
  | { readonly index: number; readonly metrics: BacktestMetrics }
  | { readonly index: number; readonly error: string };

/**
 * Runs a task's combinations over `candles`, reusing indicator columns through `cache` (which must belong
 * to these candles and this `end`) and, when given, the run buffers of `scratch` (only the metrics of each
 * run are kept, so one set of buffers serves them all).
 */
export function runTask(
  task: BacktestTask,
  def: StrategyDefinition<unknown>,
  candles: CandleColumns,
  cache: IndicatorCache,
  scratch?: BacktestScratch,
): ComboOutcome[] {
  return task.combos.map(({ index, params }) => {
    try {
      const run = runBacktest({
        strategy: def,
        params,
        candles,
        timeframeMs: task.timeframeMs,
        start: task.start,
        end: task.end,
        config: task.config,
        cache,
        ...(scratch ? { scratch } : {}),
        detail: 'metrics',
      });
      return { index, metrics: computeMetrics(run, task.timeframeMs) };
    } catch (e) {
      // A strategy that throws fails its own combination only; anything else is a bug and ends the sweep.
      if (e instanceof StrategyError || e instanceof RangeError) return { index, error: e.message };
      throw e;
    }
  });
}
