/**
 * Turns the options of `backtest`/`sweep` into a ready run: the strategy, its raw params, the candles and
 * the traded window, and the engine settings (ad hoc, or a bot's own with --bot).
 */
import { type Dataset, loadDataset } from '../backtest/dataset.js';
import { BacktestInputError } from '../backtest/errors.js';
import { resolveParamNames } from '../backtest/params.js';
import { type ResolvedSettings, resolveBotSettings, resolveSettings } from '../backtest/settings.js';
import { type BacktestStrategy, backtestStrategy } from '../backtest/strategies.js';
import { type BarWindow, windowFor } from '../backtest/window.js';
import { type LoadedBot, loadBotConfig, loadProductionStrategiesFile } from '../config/index.js';
import {
  dateBounds,
  type EngineOptionValues,
  numberOption,
  paramOptions,
  refuseWithBot,
  settingsFromOptions,
} from './backtest-options.js';

/** Everything a backtest or sweep needs, resolved from the options. */
export interface PreparedRun {
  readonly strategy: BacktestStrategy;
  /** Raw params (bot params and `--param`s), validated later against the schema with `strategy.defaults`. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly dataset: Dataset;
  readonly window: BarWindow;
  readonly settings: ResolvedSettings;
  readonly bot?: LoadedBot;
}

function iso(ms: number | undefined): string {
  return ms === undefined ? '?' : new Date(ms).toISOString();
}

/**
 * Resolves the options.
 *
 * @throws BacktestInputError, ConfigError (--bot), CandleDataError (--data): the CLI maps them to exit codes.
 */
export async function prepareRun(o: EngineOptionValues, env: NodeJS.ProcessEnv): Promise<PreparedRun> {
  const cliParams = paramOptions(o);
  const bounds = dateBounds(o);
  let bot: LoadedBot | undefined;
  let strategy: BacktestStrategy;
  let params: Record<string, unknown>;
  let settings: ResolvedSettings;
  let dataFile = o.data;
  let timeframe = o.timeframe;
  if (o.bot !== undefined) {
    refuseWithBot(o);
    bot = await loadBotConfig(o.bot, { env, production: loadProductionStrategiesFile() });
    strategy = { stage: bot.strategy.stage, definition: bot.strategy.definition, defaults: {} };
    params = {
      ...(bot.strategy.params as Record<string, unknown>),
      ...resolveParamNames(bot.strategy.definition, cliParams, '--param'),
    };
    const startingCash = numberOption('--cash', o.cash);
    settings = resolveBotSettings(bot, {
      sizing: o.sizing === 'bot' ? 'bot' : 'equity',
      ...defined({
        feeBps: numberOption('--fee-bps', o.feeBps),
        slippageBps: numberOption('--slippage-bps', o.slippageBps),
        stopLoss: numberOption('--stop-loss', o.stopLoss),
        takeProfit: numberOption('--take-profit', o.takeProfit),
        maxDrawdown: numberOption('--max-drawdown', o.maxDrawdown),
        startingCash,
      }),
    });
    dataFile ??= bot.replayFile;
    timeframe ??= bot.config.timeframe;
  } else {
    if (o.sizing !== undefined) throw new BacktestInputError('--sizing applies to --bot backtests only');
    if (o.strategy === undefined) throw new BacktestInputError('--strategy (or --bot) is required');
    strategy = await backtestStrategy(o.strategy);
    params = resolveParamNames(strategy.definition, cliParams, '--param');
    settings = resolveSettings(settingsFromOptions(o));
  }
  if (dataFile === undefined) throw new BacktestInputError('--data is required (a candle CSV file)');
  const dataset = await loadDataset(dataFile, timeframe !== undefined ? { timeframe } : {});
  const window = windowFor(dataset.candles.ts, bounds.fromMs, bounds.toMs);
  if (window.end - window.start < 1) {
    const ts = dataset.candles.ts;
    throw new BacktestInputError(
      `no candles in the requested range; ${dataFile} covers ${iso(ts[0])} to ${iso(ts[ts.length - 1])}`,
    );
  }
  return { strategy, params, dataset, window, settings, ...(bot ? { bot } : {}) };
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
