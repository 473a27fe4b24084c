/**
 * Options shared by `backtest`, `sweep` and `analyze`: their definitions, parsing into backtest settings,
 * and the mapping of errors to exit codes (78 bad input, 65 bad data, 130 interrupted).
 */
import { type Command, Option } from 'commander';
import { isCandleDataError } from '../backtest/data/index.js';
import { BacktestInputError, EXIT_DATAERR } from '../backtest/errors.js';
import { parseParams } from '../backtest/params.js';
import { BACKTEST_MODES, type BacktestMode, type BacktestSettings } from '../backtest/settings.js';
import { parseFromBound, parseToBound } from '../backtest/window.js';
import { ConfigError, EXIT_CONFIG } from '../config/index.js';
import { type ExchangeName, isCoreError } from '../core/index.js';
import { StrategyError } from '../core/signal/index.js';
import { type CliIO, ExitCode, printConfigProblems } from './program.js';

/** Raw option values of the backtest-like commands, as commander hands them over. */
export interface EngineOptionValues {
  strategy?: string;
  param: string[];
  data?: string;
  mode?: string;
  leverage?: string;
  exchange?: string;
  feeBps?: string;
  slippageBps?: string;
  stopLoss?: string;
  takeProfit?: string;
  maxDrawdown?: string;
  cash?: string;
  from?: string;
  to?: string;
  timeframe?: string;
  bot?: string;
  sizing?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Adds the options every backtest-like command accepts. */
export function addEngineOptions(cmd: Command): Command {
  return cmd
    .option('--strategy <name>', 'strategy to run (production or development)')
    .option(
      '--param <name=value>',
      'strategy param (repeatable); checked with the strategy schema',
      collect,
      [],
    )
    .option('--data <file>', 'candle CSV (or .csv.gz); default with --bot: the bot replay file')
    .addOption(
      new Option('--mode <mode>', 'long_only (spot 1x) or leveraged (margin, shorts)').choices(
        BACKTEST_MODES,
      ),
    )
    .option('--leverage <n>', 'leverage in leveraged mode (1-3, default 3)')
    .addOption(
      new Option(
        '--exchange <name>',
        'fee profile (default: coinbase for long_only, kraken for leveraged)',
      ).choices(['coinbase', 'kraken']),
    )
    .option('--fee-bps <n>', 'fee per fill in bps, instead of the exchange profile')
    .option('--slippage-bps <n>', 'adverse slippage per fill in bps, instead of the exchange profile')
    .option('--stop-loss <fraction>', 'exit when price moves this fraction against the entry (0.05 = 5%)')
    .option('--take-profit <fraction>', 'exit when price moves this fraction in favour of the entry')
    .option('--max-drawdown <fraction>', 'halt new entries this fraction below the equity peak')
    .option('--cash <n>', 'starting cash in quote currency (default 10000; with --bot its paper balance)')
    .option('--from <date>', 'first bar traded (ISO 8601, UTC); earlier bars only warm indicators up')
    .option('--to <date>', 'last bar traded, inclusive (a date means through that day, UTC)')
    .option('--timeframe <tf>', 'resample the data to this timeframe first (1m 5m 15m 1h 4h 1d)')
    .option('--bot <config.yaml>', "run a bot's own strategy, mode, leverage, fees and risk settings")
    .addOption(
      new Option(
        '--sizing <kind>',
        'with --bot: equity (all equity x leverage, default) or bot (its fixed_usd)',
      ).choices(['equity', 'bot']),
    )
    .option('--json', 'print JSON on stdout instead of a table');
}

/**
 * Parses a decimal option value.
 *
 * @throws BacktestInputError naming the flag when the text is not a finite number.
 */
export function numberOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(v))
    throw new BacktestInputError(`${flag}: expected a number, was ${JSON.stringify(text)}`);
  return v;
}

/** Parsed date bounds of `--from`/`--to`, as `[fromMs, toExclusiveMs]`. */
export function dateBounds(o: EngineOptionValues): { fromMs?: number; toMs?: number } {
  const fromMs = o.from === undefined ? undefined : parseFromBound(o.from);
  const toMs = o.to === undefined ? undefined : parseToBound(o.to);
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) {
    throw new BacktestInputError(`--to ${o.to} is not after --from ${o.from}`);
  }
  return { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) };
}

/** The `--param` assignments as an object. */
export function paramOptions(o: EngineOptionValues): Record<string, unknown> {
  return parseParams(o.param);
}

/** Ad hoc (not --bot) settings from the options. */
export function settingsFromOptions(o: EngineOptionValues): BacktestSettings {
  const opt = <K extends keyof BacktestSettings>(key: K, value: BacktestSettings[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  return {
    mode: (o.mode ?? 'long_only') as BacktestMode,
    ...opt('leverage', numberOption('--leverage', o.leverage)),
    ...opt('exchange', o.exchange as ExchangeName | undefined),
    ...opt('feeBps', numberOption('--fee-bps', o.feeBps)),
    ...opt('slippageBps', numberOption('--slippage-bps', o.slippageBps)),
    ...opt('stopLoss', numberOption('--stop-loss', o.stopLoss)),
    ...opt('takeProfit', numberOption('--take-profit', o.takeProfit)),
    ...opt('maxDrawdown', numberOption('--max-drawdown', o.maxDrawdown)),
    ...opt('startingCash', numberOption('--cash', o.cash)),
  };
}

/** Options that --bot takes from the bot's config; giving them too is refused rather than guessed. */
export function refuseWithBot(o: EngineOptionValues): void {
  const clash = (
    [
      ['--strategy', o.strategy],
      ['--mode', o.mode],
      ['--leverage', o.leverage],
      ['--exchange', o.exchange],
    ] as const
  )
    .filter(([, v]) => v !== undefined)
    .map(([f]) => f);
  if (clash.length) {
    throw new BacktestInputError(`${clash.join(', ')}: with --bot these come from the bot's config`);
  }
}

/** Prints an error the backtest commands expect and ends with its exit code; rethrows anything else. */
export function failBacktest(e: unknown, io: CliIO): never {
  if (e instanceof ExitCode) throw e;
  if (e instanceof BacktestInputError) {
    io.err(`error: ${e.message}`);
    throw new ExitCode(EXIT_CONFIG);
  }
  if (e instanceof ConfigError) {
    printConfigProblems(e.message.split('\n'), io);
    throw new ExitCode(EXIT_CONFIG);
  }
  if (isCandleDataError(e)) {
    io.err(`data error: ${e.message}`);
    throw new ExitCode(EXIT_DATAERR);
  }
  if (e instanceof StrategyError) {
    io.err(`strategy error: ${e.message}`);
    throw new ExitCode(1);
  }
  if (isCoreError(e) || e instanceof RangeError) {
    io.err(`error: ${e.message}`);
    throw new ExitCode(EXIT_CONFIG);
  }
  throw e;
}

/**
 * Makes commander's own usage errors (unknown option, missing value, bad choice) exit 78 like every other
 * bad input of these commands; help and version keep exit 0.
 */
export function usageErrorsExit78(cmd: Command): Command {
  return cmd.exitOverride((err) => {
    if (err.exitCode === 0) throw err;
    throw new ExitCode(EXIT_CONFIG);
  });
}
