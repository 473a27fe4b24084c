/**
 * Parameter sweeps on a Piscina worker pool. The candles go to the workers once, as a SharedArrayBuffer;
 * tasks carry only params and settings, results only metrics, so the main thread does almost nothing while
 * a sweep runs and its event loop stays responsive (the bot runtime can call {@link runSweep} in-process).
 *
 * Results do not depend on the worker count: every combination is computed independently by the same
 * deterministic engine, and the list is sorted (best `return_pct` first, ties broken by params).
 */
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { packageRoot } from '../config/index.js';
import { type CandleColumns, sliceColumns } from '../core/index.js';
import type { EngineConfig } from './engine.js';
import { BacktestInputError } from './errors.js';
import type { BacktestMetrics } from './metrics.js';
import { checkParams, compareParams } from './params.js';
import { shareColumns } from './shared-candles.js';
import { backtestStrategy } from './strategies.js';
import type { BacktestTask, ComboOutcome, SweepWorkerData } from './sweep-task.js';

/** What {@link runSweep} runs. */
export interface SweepRequest {
  /** Strategy name (production or development). */
  readonly strategy: string;
  /** Raw params per combination; each is validated with the strategy's schema (invalid ones are skipped). */
  readonly combos: readonly Readonly<Record<string, unknown>>[];
  readonly candles: CandleColumns;
  readonly timeframeMs: number;
  /** Traded window `[start, end)`; bars before `start` warm the indicators up. Default: all bars. */
  readonly start?: number;
  readonly end?: number;
  readonly config: EngineConfig;
  /** Worker threads; default the number of CPUs. */
  readonly workers?: number;
  /** Aborting rejects with the signal's reason (an `AbortError`), cancels pending tasks and ends the pool. */
  readonly signal?: AbortSignal;
  /** Called after each finished task with combinations done (valid ones) and their total. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Nice increment of each worker thread (Linux; 0-19, default {@link DEFAULT_SWEEP_NICE}). A sweep is
   * background work: with its workers niced, trading bots on the same machine (in this process or another)
   * get the CPU first when they wake, and a sweep on an idle machine runs as fast as before.
   */
  readonly niceIncrement?: number;
  /**
   * Byte budget of each worker's cache of indicator columns (least recently used dropped first). Default
   * {@link columnCacheBytes}: a quarter of the machine's memory shared by the workers, 64-512 MiB each.
   */
  readonly columnCacheBytes?: number;
}

/** One combination's result. */
export interface SweepResult {
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: BacktestMetrics;
}

/** What {@link runSweep} returns. */
export interface SweepOutcome {
  /** Sorted: best return first, ties broken by params ({@link compareParams}). */
  readonly results: readonly SweepResult[];
  /** Combinations the strategy's schema refused (e.g. fast >= slow), with the reason. */
  readonly skipped: readonly {
    readonly params: Readonly<Record<string, unknown>>;
    readonly reason: string;
  }[];
  /** Combinations whose run failed (the strategy threw), with the error. */
  readonly failed: readonly { readonly params: Readonly<Record<string, unknown>>; readonly error: string }[];
  /** Worker threads used (at most one per task). */
  readonly workers: number;
}

/** Returns the compiled worker module. Under Vitest (sources) that is the built one: `npm test` builds first. */
export function backtestWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return path.join(packageRoot(), 'dist', 'workers', 'backtest-task.js');
  return fileURLToPath(new URL('../workers/backtest-task.js', import.meta.url));
}

/** Default nice increment of sweep workers: well below the bots, still ahead of idle-priority work. */
export const DEFAULT_SWEEP_NICE = 10;

/** Default column cache budget per worker: a quarter of the memory over the workers, 64-512 MiB each. */
export function columnCacheBytes(workers: number, totalMemory = os.totalmem()): number {
  const MiB = 2 ** 20;
  return Math.min(512 * MiB, Math.max(64 * MiB, Math.floor(totalMemory / 4 / workers)));
}

/** Returns the default worker count: the CPUs this process may use. */
export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism());
}

/** Orders sweep results: best return first, then params (so any worker count gives the same list). */
export function compareResults(a: SweepResult, b: SweepResult): number {
  const d = b.metrics.return_pct - a.metrics.return_pct;
  return d !== 0 && !Number.isNaN(d) ? d : compareParams(a.params, b.params);
}

/**
 * Splits combinations into tasks: enough tasks to keep every worker busy, to cancel promptly and to end
 * together (a task is at most about a million bars, some 40 ms), few enough that per-task messaging stays
 * negligible on small data.
 */
export function chunkSize(combos: number, workers: number, bars: number): number {
  const balanced = Math.ceil(combos / (workers * 8));
  const bounded = Math.floor(1_000_000 / Math.max(1, bars));
  return Math.max(1, Math.min(balanced, bounded));
}

/**
 * Runs every combination on a worker pool and returns the sorted results.
 *
 * @throws BacktestInputError for an unknown strategy, a bad window or worker count.
 * @throws the signal's abort reason (an `AbortError`) when aborted; the pool is destroyed first.
 */
export async function runSweep(req: SweepRequest): Promise<SweepOutcome> {
  const n = req.candles.ts.length;
  const start = req.start ?? 0;
  const end = req.end ?? n;
  if (!(start >= 0 && end <= n && start < end)) {
    throw new BacktestInputError(`sweep window [${start}, ${end}) is empty or outside the ${n} candles`);
  }
  const workers = req.workers ?? defaultWorkers();
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= 256)) {
    throw new BacktestInputError(`workers must be an integer between 1 and 256, got ${workers}`);
  }
  const nice = req.niceIncrement ?? DEFAULT_SWEEP_NICE;
  if (!(Number.isInteger(nice) && nice >= 0 && nice <= 19)) {
    throw new BacktestInputError(`niceIncrement must be an integer between 0 and 19, got ${nice}`);
  }
  const cacheBytes = req.columnCacheBytes;
  if (cacheBytes !== undefined && !(Number.isFinite(cacheBytes) && cacheBytes >= 0)) {
    throw new BacktestInputError(`columnCacheBytes must be a finite number >= 0, got ${cacheBytes}`);
  }
  const strat = await backtestStrategy(req.strategy);
  const valid: { index: number; params: unknown }[] = [];
  const skipped: { params: Readonly<Record<string, unknown>>; reason: string }[] = [];
  req.combos.forEach((raw, index) => {
    const r = checkParams(strat.definition, raw, strat.defaults);
    if (r.ok) valid.push({ index, params: r.params });
    else skipped.push({ params: raw, reason: r.message });
  });
  const results: SweepResult[] = [];
  const failed: { params: Readonly<Record<string, unknown>>; error: string }[] = [];
  if (valid.length === 0) return { results, skipped, failed, workers };
  req.signal?.throwIfAborted();

  // Workers get the history up to `end` only: nothing after the window can reach an indicator.
  const history = end === n ? req.candles : sliceColumns(req.candles, 0, end);
  // Loaded candles are already in shared memory and go to the workers as they are (no copy).
  const shared = shareColumns(history);
  const size = chunkSize(valid.length, workers, end);
  // No thread without a task: a 3-combination sweep on 16 CPUs starts 3 workers.
  const threads = Math.min(workers, Math.ceil(valid.length / size));
  const workerData: SweepWorkerData = {
    candles: shared,
    niceIncrement: nice,
    cacheBytes: cacheBytes ?? columnCacheBytes(threads),
  };
  const pool = new Piscina<BacktestTask, ComboOutcome[]>({
    filename: backtestWorkerFile(),
    minThreads: threads,
    maxThreads: threads,
    // Tasks are queued up front; an unbounded queue is fine because each entry is a few params.
    maxQueue: Number.POSITIVE_INFINITY,
    // Each worker nices its own thread (workers/backtest-task.ts). Piscina's own option needs an optional
    // native module and is a silent no-op without it, so it stays 0.
    niceIncrement: 0,
    workerData,
  });
  const byIndex = new Map(valid.map((v) => [v.index, v.params as Record<string, unknown>]));
  let done = 0;
  const inner = new AbortController();
  // Every queued task listens on this one signal; that is by design, not a leak.
  setMaxListeners(0, inner.signal);
  const onAbort = () => inner.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const tasks: Promise<void>[] = [];
    for (let k = 0; k < valid.length; k += size) {
      const combos = valid.slice(k, k + size);
      const task: BacktestTask = {
        strategy: strat.definition.name,
        config: req.config,
        timeframeMs: req.timeframeMs,
        start,
        end,
        combos,
      };
      tasks.push(
        pool.run(task, { signal: inner.signal }).then((outcomes) => {
          for (const o of outcomes) {
            const params = byIndex.get(o.index) ?? {};
            if ('metrics' in o) results.push({ params, metrics: o.metrics });
            else failed.push({ params, error: o.error });
          }
          done += combos.length;
          req.onProgress?.(done, valid.length);
        }),
      );
    }
    // The first failure (a crash, or the abort) cancels everything still queued or running.
    await Promise.all(
      tasks.map((t) =>
        t.catch((e: unknown) => {
          inner.abort(e);
          throw e;
        }),
      ),
    );
  } catch (e) {
    if (req.signal?.aborted) throw req.signal.reason;
    throw e;
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
    await pool.destroy();
  }
  results.sort(compareResults);
  return { results, skipped, failed, workers: threads };
}
