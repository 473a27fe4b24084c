/**
 * `dualbot backtest`: one strategy over a candle file through the trading core, printed as a table or JSON,
 * optionally with an HTML/PNG report; `--summary` runs the production strategies over every bot's data.
 */
import type { Command } from 'commander';
import { runBacktest } from '../backtest/engine.js';
import { BacktestInputError } from '../backtest/errors.js';
import { computeMetrics } from '../backtest/metrics.js';
import { validateParams } from '../backtest/params.js';
import { backtestRecord } from '../backtest/record.js';
import { backtestTable } from './backtest-format.js';
import {
  addEngineOptions,
  type EngineOptionValues,
  failBacktest,
  usageErrorsExit78,
} from './backtest-options.js';
import { prepareRun } from './backtest-prepare.js';
import type { CliIO } from './program.js';

interface BacktestOptionValues extends EngineOptionValues {
  report?: string;
  summary?: boolean;
  home: string;
}

/** Runs `backtest` with parsed options (exit codes through `ExitCode`). */
export async function backtestCommand(o: BacktestOptionValues, io: CliIO): Promise<void> {
  try {
    if (o.summary) {
      const { summaryCommand } = await import('./backtest-summary.js');
      await summaryCommand({ home: o.home, json: o.json ?? false }, io);
      return;
    }
    const prep = await prepareRun(o, io.env);
    const def = prep.strategy.definition;
    const params = validateParams(def, prep.params, prep.strategy.defaults);
    const { candles, timeframeMs } = prep.dataset;
    const run = runBacktest({
      strategy: def,
      params,
      candles,
      timeframeMs,
      start: prep.window.start,
      end: prep.window.end,
      config: prep.settings.config,
    });
    const metrics = computeMetrics(run, timeframeMs);
    const record = backtestRecord(
      {
        strategy: def.name,
        params,
        settings: prep.settings,
        timeframeMs,
        firstTs: run.window.ts[0]!,
        lastTs: run.window.ts[run.window.ts.length - 1]!,
      },
      metrics,
    );
    if (o.json) io.out(JSON.stringify(record));
    else for (const line of backtestTable(record, prep.dataset.file)) io.out(line);
    if (o.report !== undefined) {
      const { writeBacktestReport } = await import('./backtest-report.js');
      const written = await writeBacktestReport(
        { record, run, dataset: prep.dataset, dir: o.report },
        io.err,
      );
      // stdout stays one JSON object with --json; where the files went is a note for the human.
      for (const f of [written.json, written.html, written.png]) io.err(`report: ${f}`);
    }
  } catch (e) {
    failBacktest(e, io);
  }
}

/** Registers `backtest` on the program. */
export function registerBacktestCommand(program: Command, io: CliIO, homeDefault: string): void {
  const cmd = program
    .command('backtest')
    .description(
      'backtest a strategy on a candle file (decisions on the close, fills at the next open); --summary runs the production strategies over every bot',
    );
  addEngineOptions(cmd)
    .option('--report <dir>', 'also write an HTML/PNG/JSON report into this folder')
    .option('--summary', 'production strategies over the last 1mo/6mo/1yr of each bot replay data')
    .option('--home <dir>', 'with --summary: folder holding bots/<name>/config.yaml', homeDefault);
  usageErrorsExit78(cmd).action(async (o: BacktestOptionValues) => {
    if (o.summary && (o.strategy || o.bot || o.data)) {
      failBacktest(
        new BacktestInputError(
          '--summary runs every production strategy on each bot replay data; drop --strategy/--bot/--data',
        ),
        io,
      );
    }
    await backtestCommand(o, io);
  });
}
