/**
 * Piscina worker of backtest sweeps. Each worker builds its candle column views once from the pool's shared
 * buffer (`workerData`), then runs tasks of parameter combinations, caching indicator columns per distinct
 * spec so a sweep computes e.g. each SMA period once per worker.
 */
import { workerData } from 'piscina';
import { ColumnCache } from '../backtest/column-cache.js';
import { type BacktestScratch, createScratch } from '../backtest/engine.js';
import { lowerThreadPriority } from '../backtest/priority.js';
import { sharedColumns } from '../backtest/shared-candles.js';
import {
  type BacktestTask,
  type ComboOutcome,
  runTask,
  type SweepWorkerData,
} from '../backtest/sweep-task.js';
import { type CandleColumns, sliceColumns } from '../core/index.js';
import type { IndicatorCache } from '../core/signal/index.js';
import { findStrategy } from '../strategies/registry.js';
import type { StrategyDefinition } from '../strategies/types.js';

const data = workerData as SweepWorkerData;
lowerThreadPriority(data.niceIncrement);
const candles = sharedColumns(data.candles);
/** Per window end: the candles indicators see, the columns computed over them, and reusable run buffers. */
const windows = new Map<
  number,
  { candles: CandleColumns; cache: IndicatorCache; scratch: BacktestScratch }
>();
const strategies = new Map<string, StrategyDefinition<unknown>>();

async function strategy(name: string): Promise<StrategyDefinition<unknown>> {
  let def = strategies.get(name);
  if (!def) {
    const found = await findStrategy(name, { includeDevelopment: true });
    if (!found) throw new Error(`unknown strategy "${name}"`);
    def = found.definition;
    strategies.set(name, def);
  }
  return def;
}

/** Runs one task (a batch of combinations) and returns one outcome per combination, in order. */
export default async function backtestTask(task: BacktestTask): Promise<ComboOutcome[]> {
  const def = await strategy(task.strategy);
  let w = windows.get(task.end);
  if (!w) {
    // Indicator columns are keyed by spec only, so each distinct history (0..end) gets its own cache.
    w = {
      candles: sliceColumns(candles, 0, task.end),
      cache: new ColumnCache(data.cacheBytes),
      scratch: createScratch(task.end),
    };
    windows.set(task.end, w);
  }
  return runTask(task, def, w.candles, w.cache, w.scratch);
}
