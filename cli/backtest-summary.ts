/**
 * `dualbot backtest --summary`: the production strategies over the last 1 month, 6 months and 1 year of each
 * bot's replay data, in both modes; prints the JSON and writes HOME/backtest/results/summary.json for
 * Mission Control sync.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadDataset } from '../backtest/dataset.js';
import { BacktestInputError } from '../backtest/errors.js';
import { validateParams } from '../backtest/params.js';
import { buildSummary, type SummaryDataset, type SummaryStrategy } from '../backtest/summary.js';
import { loadHome, loadProductionStrategiesFile } from '../config/index.js';
import { productionStrategy } from '../strategies/registry.js';
import type { CliIO } from './program.js';

/** Where the summary is written, under the home folder. */
export function summaryFile(home: string): string {
  return path.join(home, 'backtest', 'results', 'summary.json');
}

/** Runs the summary, writes the file and prints the JSON (compact with `json`). */
export async function summaryCommand(o: { home: string; json: boolean }, io: CliIO): Promise<void> {
  const home = path.resolve(o.home);
  const loaded = await loadHome(home, { env: io.env });
  const datasets: SummaryDataset[] = [];
  for (const bot of loaded.bots) {
    if (!bot.replayFile) {
      io.err(`summary: ${bot.id} has no replay file (market_data.source: live); skipped`);
      continue;
    }
    const ds = await loadDataset(bot.replayFile, { timeframe: bot.config.timeframe });
    datasets.push({
      bot: bot.id,
      pair: bot.config.trading.pair,
      candles: ds.candles,
      timeframeMs: ds.timeframeMs,
    });
  }
  if (datasets.length === 0)
    throw new BacktestInputError(`no bot under ${home} has replay data to summarise`);
  const production = loadProductionStrategiesFile();
  const strategies: SummaryStrategy[] = Object.entries(production.strategies).flatMap(([name, entry]) => {
    const def = productionStrategy(name);
    return def ? [{ definition: def, params: validateParams(def, entry.params) }] : [];
  });
  const summary = buildSummary(datasets, strategies);
  const file = summaryFile(home);
  await mkdir(path.dirname(file), { recursive: true });
  // Written through a rename so that sync never reads half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(summary, null, 2)}\n`);
  await rename(tmp, file);
  // JSON either way (the contract): compact with --json, indented for a person otherwise.
  io.out(o.json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2));
  io.err(`summary written: ${file}`);
}
