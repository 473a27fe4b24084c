/**
 * `dualbot sweep`: every combination of a param grid on a Piscina worker pool, sorted best return first.
 * A progress bar goes to stderr when it is a terminal; Ctrl-C aborts pending tasks, destroys the pool and
 * exits 130.
 */
import type { Command } from 'commander';
import { BacktestInputError, EXIT_SIGINT } from '../backtest/errors.js';
import { gridCombos, type ParamValue, parseGrid, resolveParamNames } from '../backtest/params.js';
import { lowerProcessPriority } from '../backtest/priority.js';
import { type BacktestRecord, backtestRecord } from '../backtest/record.js';
import { columns, fmt } from './backtest-format.js';
import {
  addEngineOptions,
  type EngineOptionValues,
  failBacktest,
  numberOption,
  usageErrorsExit78,
} from './backtest-options.js';
import { prepareRun } from './backtest-prepare.js';
import { type CliIO, ExitCode } from './program.js';

interface SweepOptionValues extends EngineOptionValues {
  grid: string[];
  workers?: string;
  nice?: string;
  top: string;
}

/** Draws a one-line progress bar on a terminal; a no-op elsewhere (pipes, CI logs, tests). */
function progressBar(stream: NodeJS.WriteStream): { update(done: number, total: number): void; end(): void } {
  if (!stream.isTTY) return { update() {}, end() {} };
  let last = -1;
  return {
    update(done, total) {
      const pct = Math.floor((done / total) * 100);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const fill = Math.round((done / total) * width);
      stream.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${done}/${total}`);
    },
    end() {
      if (last >= 0) stream.write('\n');
    },
  };
}

/** Runs `sweep` with parsed options (exit codes through `ExitCode`). */
export async function sweepCommand(o: SweepOptionValues, io: CliIO): Promise<void> {
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  let bar: ReturnType<typeof progressBar> | undefined;
  try {
    const workers = numberOption('--workers', o.workers);
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 256)) {
      throw new BacktestInputError(`--workers: expected an integer 1-256, was ${o.workers}`);
    }
    const nice = numberOption('--nice', o.nice);
    if (nice !== undefined && !(Number.isInteger(nice) && nice >= 0 && nice <= 19)) {
      throw new BacktestInputError(`--nice: expected an integer 0-19, was ${o.nice}`);
    }
    const top = numberOption('--top', o.top) ?? 20;
    const grid = parseGrid(o.grid);
    const prep = await prepareRun(o, io.env);
    const combos = gridCombos(
      resolveParamNames(prep.strategy.definition, grid, '--grid'),
      prep.params as Record<string, ParamValue>,
    );
    const { DEFAULT_SWEEP_NICE, defaultWorkers, runSweep } = await import('../backtest/sweep.js');
    // This process is background work as a whole: its main thread and V8's helper threads compete with the
    // bots for the CPU too, not only the workers (which start from this thread's nice and keep it).
    lowerProcessPriority(nice ?? DEFAULT_SWEEP_NICE);
    process.once('SIGINT', onSigint);
    io.err(
      `sweep: ${combos.length} combinations x ${prep.window.end - prep.window.start} bars on ${workers ?? defaultWorkers()} workers (Ctrl-C cancels)`,
    );
    bar = progressBar(process.stderr);
    const started = performance.now();
    const outcome = await runSweep({
      strategy: prep.strategy.definition.name,
      combos,
      candles: prep.dataset.candles,
      timeframeMs: prep.dataset.timeframeMs,
      start: prep.window.start,
      end: prep.window.end,
      config: prep.settings.config,
      ...(workers !== undefined ? { workers } : {}),
      // The workers start from this thread's lowered priority already; no second increment on top.
      niceIncrement: 0,
      signal: abort.signal,
      onProgress: (done, total) => bar?.update(done, total),
    });
    bar.end();
    const seconds = (performance.now() - started) / 1000;
    if (outcome.results.length === 0 && outcome.failed.length === 0) {
      const first = outcome.skipped[0];
      throw new BacktestInputError(
        `no valid combination in the grid (${outcome.skipped.length} skipped)` +
          (first ? `; e.g. ${JSON.stringify(first.params)}: ${first.reason}` : ''),
      );
    }
    const { candles } = prep.dataset;
    const records: BacktestRecord[] = outcome.results.map((r) =>
      backtestRecord(
        {
          strategy: prep.strategy.definition.name,
          params: r.params,
          settings: prep.settings,
          timeframeMs: prep.dataset.timeframeMs,
          firstTs: candles.ts[prep.window.start]!,
          lastTs: candles.ts[prep.window.end - 1]!,
        },
        r.metrics,
      ),
    );
    const note =
      `${combos.length} combinations: ${records.length} run, ${outcome.skipped.length} skipped (invalid params), ` +
      `${outcome.failed.length} failed; ${outcome.workers} workers, ${seconds.toFixed(2)} s`;
    if (o.json) {
      io.out(JSON.stringify(records));
      io.err(note);
    } else {
      const rows: string[][] = [
        ['#', 'params', 'return %', 'hold %', 'max dd %', 'sharpe', 'trades', 'win rate', 'pf'],
      ];
      records.slice(0, top).forEach((r, i) => {
        rows.push([
          String(i + 1),
          JSON.stringify(r.params),
          fmt(r.return_pct),
          fmt(r.buy_hold_pct),
          fmt(r.max_drawdown_pct),
          fmt(r.sharpe),
          String(r.trades),
          fmt(r.win_rate, 1),
          fmt(r.profit_factor),
        ]);
      });
      for (const line of columns(rows, [true, false, true, true, true, true, true, true, true])) io.out(line);
      io.out(note);
    }
    for (const f of outcome.failed.slice(0, 5)) io.err(`failed ${JSON.stringify(f.params)}: ${f.error}`);
  } catch (e) {
    bar?.end();
    if (abort.signal.aborted) {
      io.err('sweep interrupted: pending tasks cancelled, workers stopped');
      throw new ExitCode(EXIT_SIGINT);
    }
    failBacktest(e, io);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Registers `sweep` on the program. */
export function registerSweepCommand(program: Command, io: CliIO): void {
  const cmd = program
    .command('sweep')
    .description('backtest every combination of a param grid on worker threads, best return first');
  addEngineOptions(cmd)
    .option(
      '--grid <name=spec>',
      'param values: a..b:step (inclusive), a..b, v1,v2,... or one value (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .option('--workers <n>', 'worker threads (default: the number of CPUs)')
    .option(
      '--nice <n>',
      "lower this process's priority by n, 0-19 (Linux; default 10: trading bots get the CPU first)",
    )
    .option('--top <n>', 'rows in the table (not with --json)', '20');
  usageErrorsExit78(cmd).action(async (o: SweepOptionValues) => sweepCommand(o, io));
}
