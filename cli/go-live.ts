/**
 * `dualbot go-live --bot NAME [--dry-run]`: the one way a bot's paper books give way to live ones.
 *
 * It checks, against the exchange, what a live start would trip over: the keys (a balance read), the pair,
 * the venue's minimum sizes against the configured entry, open orders and (margin) positions on the pair
 * that the bot does not know. Then it moves the paper books (state.json, journal.jsonl, paper.json) into
 * `paper-archive/<time>/`, so the next start opens an empty live book of `live.available_capital`. With
 * `--dry-run` it checks and says what it would do, and changes nothing.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { journalModes } from '../actors/bot/session.js';
import type { ExchangePort } from '../actors/exchanges/port.js';
import { homeLockOwner } from '../actors/persistence/home-lock.js';
import { readJournal } from '../actors/persistence/journal.js';
import { readStateFile } from '../actors/persistence/state-file.js';
import type { LoadedBot } from '../config/index.js';

export class GoLiveRefused extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface GoLiveOptions {
  readonly home: string;
  readonly bot: LoadedBot;
  readonly exchange: ExchangePort;
  readonly dryRun: boolean;
  /** Folder name of the archive (a timestamp). */
  readonly stamp: string;
}

/** The files that make a bot's books. */
const BOOK_FILES = ['state.json', 'journal.jsonl', 'paper.json'] as const;

/**
 * The bot's live settings; refuses (exit 78) a bot whose config is not set up for live trading. Checked
 * before any exchange client is made (a paper config has no keys to make one with).
 */
export function assertLiveConfigured(bot: LoadedBot): NonNullable<LoadedBot['config']['live']> {
  const live = bot.config.live;
  if (bot.config.dry_run || live === undefined) {
    throw new GoLiveRefused(
      `${bot.id}: config.yaml still says paper trading; set dry_run: false, market_data.source: live and live.available_capital first (check-config shows what is missing)`,
      78,
    );
  }
  return live;
}

/**
 * Runs the checks and, unless `dryRun`, archives the paper books. Returns the lines to print.
 *
 * @throws GoLiveRefused: exit 78 when the config is not set up for live trading, 1 when the exchange or a
 *   running runtime stands in the way. Nothing is changed then.
 */
export async function goLive(o: GoLiveOptions): Promise<string[]> {
  const live = assertLiveConfigured(o.bot);
  const c = o.bot.config;
  const id = o.bot.id;
  const owner = homeLockOwner(o.home);
  if (owner !== null) {
    throw new GoLiveRefused(`a runtime (pid ${owner}) is running on ${o.home}; stop it before going live`, 1);
  }
  const dir = path.dirname(o.bot.file);
  const pair = c.trading.pair;
  const lines: string[] = [];
  const problems: string[] = [];
  const ex = o.exchange;

  const balances = await ex.fetchBalances();
  lines.push(`ok: the ${c.exchange} keys read the account (${Object.keys(balances).length} currencies)`);
  const market = await ex.market(pair);
  lines.push(
    `ok: ${pair} is traded (step ${market.amountStep}, minimum ${market.minAmount}${market.minCost !== undefined ? `, minimum cost ${market.minCost}` : ''})`,
  );
  const ticker = await ex.fetchTicker(pair);
  const collateral = Math.min(
    c.trading.trade_amount_usd,
    c.trading.max_position_pct * live.available_capital,
  );
  const entryQty = (collateral * c.trading.leverage) / ticker.ask;
  if (
    entryQty < market.minAmount ||
    (market.minCost !== undefined && entryQty * ticker.ask < market.minCost)
  ) {
    problems.push(
      `an entry of ${collateral} ${market.quote} x${c.trading.leverage} (${entryQty} ${market.base} at ${ticker.ask}) is below the venue's minimum; raise trade_amount_usd or available_capital`,
    );
  } else {
    lines.push(
      `ok: an entry of ${collateral} ${market.quote} x${c.trading.leverage} is above the venue's minimum`,
    );
  }
  const free = await ex.fetchFreeCollateral(pair);
  if (free < live.available_capital) {
    lines.push(
      `note: the exchange has ${free} ${market.quote} free, less than available_capital ${live.available_capital}; entries are sized on what is free`,
    );
  }
  const open = await ex.fetchOpenOrders(pair);
  if (open.length > 0) {
    problems.push(
      `the exchange shows ${open.length} open order(s) on ${pair} the bot does not know (${open.map((x) => x.id).join(', ')}); cancel them or trade another pair`,
    );
  }
  if (c.mode === 'margin') {
    const positions = await ex.fetchPositions(pair);
    if (positions.length > 0) {
      problems.push(
        `the exchange shows a ${positions.map((p) => `${p.side} ${p.amount}`).join(', ')} ${market.base} margin position on ${pair} the bot does not know; close it first`,
      );
    } else lines.push(`ok: no margin position on ${pair}`);
  } else {
    const held = balances[market.base]?.total ?? 0;
    if (held > 0) {
      lines.push(
        `note: the wallet holds ${held} ${market.base}; the bot only ever sells what it bought itself`,
      );
    }
  }
  if (problems.length > 0) {
    throw new GoLiveRefused(`${id}: not going live:\n  ${problems.join('\n  ')}\nnothing was changed`, 1);
  }

  const state = readStateFile(path.join(dir, 'state.json'));
  const books = BOOK_FILES.filter((f) => existsSync(path.join(dir, f)));
  const journal = journalModes(readJournal(path.join(dir, 'journal.jsonl')).entries);
  if (state ? !state.dry_run : journal.live) {
    // Live books are never archived as paper: a live journal is the bot's record of real fills.
    lines.push(`${id} already has a live book; nothing to archive`);
    return lines;
  }
  if (state?.dry_run !== true && !journal.paper && books.length > 0) {
    lines.push(`${id}: ${books.join(', ')} hold no paper books; nothing to archive`);
    return lines;
  }
  const archive = path.join(dir, 'paper-archive', o.stamp);
  const start = `the next start opens an empty live book of ${live.available_capital} ${market.quote}`;
  if (o.dryRun) {
    lines.push(
      books.length > 0
        ? `would move ${books.join(', ')} to ${archive}; ${start}`
        : `no paper books to archive; ${start}`,
    );
    lines.push('dry run: nothing was changed');
    return lines;
  }
  if (books.length > 0) {
    mkdirSync(archive, { recursive: true });
    for (const f of books) renameSync(path.join(dir, f), path.join(archive, f));
    lines.push(`moved ${books.join(', ')} to ${archive}`);
  }
  lines.push(`${id} is ready for live trading: ${start}`);
  return lines;
}
