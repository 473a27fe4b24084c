/**
 * Loads what the promotion gates and the parity report read: the bot's config, its backtest settings and
 * candles, and its paper record (journal and state.json). The only I/O of the promotion apart from
 * {@link ./apply.ts}.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type JournalEntry, JournalError, readJournal } from '../../actors/persistence/journal.js';
import { readStateFile, type StateFile, StateFileError } from '../../actors/persistence/state-file.js';
import { type LoadedBot, loadBotConfig, type ProductionStrategiesFile } from '../../config/index.js';
import { type Dataset, loadDataset } from '../dataset.js';
import { type ResolvedSettings, resolveBotSettings } from '../settings.js';

/** Bad input to `promote` or `parity` (exit 78): an unknown bot or strategy, no data, a file in the way. */
export class PromotionInputError extends Error {
  readonly code = 'PROMOTION_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'PromotionInputError';
  }
}

/** A bot with its backtest settings and candles. */
export interface BotContext {
  readonly bot: LoadedBot;
  /** The bot's mode, leverage, fees, margin terms and risk, with equity sizing (see parity.ts). */
  readonly settings: ResolvedSettings;
  readonly dataset: Dataset;
}

/** Returns `HOME/bots/<bot>/`. */
export function botDir(home: string, bot: string): string {
  return path.join(home, 'bots', bot);
}

/**
 * Loads the bot's config and its candles (`data`, or the bot's replay file), resampled to its timeframe.
 *
 * @throws PromotionInputError, ConfigError, CandleDataError, BacktestInputError on bad input.
 */
export async function loadBotContext(o: {
  readonly home: string;
  readonly bot: string;
  readonly data?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly production: ProductionStrategiesFile;
}): Promise<BotContext> {
  const file = path.join(botDir(o.home, o.bot), 'config.yaml');
  if (!existsSync(file)) throw new PromotionInputError(`no bot named ${o.bot}: ${file} does not exist`);
  const bot = await loadBotConfig(file, { env: o.env, production: o.production });
  const settings = resolveBotSettings(bot);
  const dataFile = o.data ?? bot.replayFile;
  if (dataFile === undefined) {
    throw new PromotionInputError(`${o.bot} trades live data: give its pair's candles with --data FILE`);
  }
  const dataset = await loadDataset(dataFile, { timeframe: bot.config.timeframe });
  return { bot, settings, dataset };
}

/** A bot's paper record as read from disk; a file that cannot be trusted is a problem, not a crash. */
export interface PaperFiles {
  readonly entries: JournalEntry[];
  readonly state: StateFile | null;
  /** Why the journal or state could not be read (the paper gate then fails with it). */
  readonly problem: string | null;
}

/** Reads `journal.jsonl` (entries from `sinceMs` on) and `state.json` of a bot. */
export function readPaperFiles(home: string, bot: string, sinceMs?: number): PaperFiles {
  const dir = botDir(home, bot);
  try {
    const journal = readJournal(path.join(dir, 'journal.jsonl'));
    const state = readStateFile(path.join(dir, 'state.json'));
    const entries = sinceMs === undefined ? journal.entries : journal.entries.filter((e) => e.ts >= sinceMs);
    return { entries, state, problem: null };
  } catch (err) {
    if (err instanceof JournalError || err instanceof StateFileError) {
      return { entries: [], state: null, problem: err.message };
    }
    throw err;
  }
}
