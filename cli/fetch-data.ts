/**
 * `dualbot fetch-data`: downloads an exchange's closed candles with ccxt `fetchOHLCV` (public data, no
 * credentials) into a local CSV cache that `backtest`, `sweep` and replay bots read. An existing file is
 * extended from its last candle, never rewritten from scratch, and every write is atomic. ccxt is imported
 * only here, when the command runs.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ExchangeError } from '../actors/exchanges/errors.js';
import { writeFileAtomic } from '../actors/persistence/atomic-file.js';
import {
  candlesToCsv,
  closedEnd,
  fetchCandleRange,
  isTimeframe,
  loadCandlesFile,
  parseTimeframe,
} from '../backtest/data/index.js';
import { BacktestInputError } from '../backtest/errors.js';
import { parseFromBound, parseToBound } from '../backtest/window.js';
import { type Candle, candleAt } from '../core/candles.js';
import { failBacktest, usageErrorsExit78 } from './backtest-options.js';
import { type CliIO, ExitCode } from './program.js';

/** sysexits EX_UNAVAILABLE: the exchange could not be reached or answered badly. */
export const EXIT_UNAVAILABLE = 69;

const YEAR_MS = 365 * 86_400_000;
const PAGE = 300;

interface FetchDataOptions {
  exchange: 'coinbase' | 'kraken';
  pair: string;
  timeframe: string;
  from?: string;
  to?: string;
  out?: string;
  apiUrl?: string;
  home: string;
}

/** The default cache file of a series, under the home's `data/cache/`. */
export function cacheFile(home: string, exchange: string, pair: string, timeframe: string): string {
  return path.join(home, 'data', 'cache', `${exchange}_${pair}_${timeframe}.csv`);
}

async function fetchData(o: FetchDataOptions, io: CliIO, now: number): Promise<void> {
  if (!/^[A-Z0-9]+-[A-Z0-9]+$/.test(o.pair)) {
    throw new BacktestInputError(
      `--pair ${JSON.stringify(o.pair)}: expected BASE-QUOTE in capitals, e.g. LTC-USD`,
    );
  }
  if (!isTimeframe(o.timeframe))
    throw new BacktestInputError(`--timeframe ${JSON.stringify(o.timeframe)}: unknown`);
  const tf = parseTimeframe(o.timeframe);
  const file = path.resolve(o.out ?? cacheFile(o.home, o.exchange, o.pair, o.timeframe));
  if (!file.endsWith('.csv'))
    throw new BacktestInputError(`--out ${o.out}: must be a .csv file (written uncompressed)`);
  if (o.apiUrl !== undefined && !URL.canParse(o.apiUrl)) {
    throw new BacktestInputError(`--api-url ${JSON.stringify(o.apiUrl)}: not a URL`);
  }
  const toMs = o.to === undefined ? now : parseToBound(o.to);

  // An existing file is extended after its last candle (it is validated first: a corrupt cache stops here).
  let kept: Candle[] = [];
  let fromMs = o.from === undefined ? now - YEAR_MS : parseFromBound(o.from);
  const existing = existsSync(file);
  if (existing) {
    const loaded = await loadCandlesFile(file, { timeframeMs: tf });
    const n = loaded.candles.ts.length;
    kept = Array.from({ length: n }, (_, i) => candleAt(loaded.candles, i));
    fromMs = kept[n - 1]!.ts + tf;
  }
  if (!(fromMs < closedEnd(toMs, now, tf))) {
    io.out(`${file}: up to date, no closed candle to add (${kept.length} candles)`);
    return;
  }

  const { createPublicCandleSource } = await import('../actors/exchanges/ccxt/candles.js');
  const source = await createPublicCandleSource({
    exchange: o.exchange,
    pair: o.pair,
    timeframe: o.timeframe,
    ...(o.apiUrl === undefined ? {} : { urlsOverride: o.apiUrl, allowedHosts: [new URL(o.apiUrl).hostname] }),
  });
  const fetched = await fetchCandleRange((since, limit) => source.fetch(since, limit), {
    fromMs,
    toMs,
    timeframeMs: tf,
    nowMs: now,
    pageLimit: PAGE,
    maxPages: Math.min(100_000, Math.ceil((toMs - fromMs) / tf / PAGE) + 10),
  });
  if (fetched.length === 0) {
    io.out(`${o.exchange} ${o.pair} ${o.timeframe}: no closed candles in the range; ${file} unchanged`);
    return;
  }
  const all = kept.concat(fetched);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, candlesToCsv(all));
  // Read back through the loader: what was written is exactly what backtests will read.
  const check = await loadCandlesFile(file, { timeframeMs: tf });
  const iso = (ms: number) => new Date(ms).toISOString();
  io.out(
    `${o.exchange} ${o.pair} ${o.timeframe}: ${fetched.length} new closed candles ` +
      `(${iso(fetched[0]!.ts)} to ${iso(fetched[fetched.length - 1]!.ts)}); ` +
      `${existing ? 'extended' : 'wrote'} ${file}: ${all.length} candles, ` +
      `${check.gaps.length === 0 ? 'no gaps' : `${check.gaps.length} gaps (${check.missing} candles missing; not filled)`}`,
  );
}

export function registerFetchDataCommand(program: Command, io: CliIO, home: string, now = Date.now): void {
  const cmd = program
    .command('fetch-data')
    .description(
      "download an exchange's closed candles (public data, ccxt fetchOHLCV) into a CSV cache; " +
        'an existing file is extended from its last candle',
    )
    .requiredOption('--exchange <name>', 'coinbase or kraken')
    .requiredOption('--pair <BASE-QUOTE>', 'e.g. LTC-USD')
    .requiredOption('--timeframe <tf>', '1m, 5m, 15m, 1h, 4h or 1d')
    .option(
      '--from <date>',
      'first candle (ISO 8601, UTC); default a year ago; ignored when extending a file',
    )
    .option('--to <date>', 'last candle, inclusive (ISO 8601, UTC); default now (only closed candles)')
    .option('--out <file>', 'CSV to write or extend; default <home>/data/cache/<exchange>_<pair>_<tf>.csv')
    .option(
      '--api-url <url>',
      "another base URL for the exchange's API (a mirror or a test server); no other host is contacted",
    )
    .option('--home <dir>', 'home for the default cache folder', home)
    .action(async (o: FetchDataOptions) => {
      try {
        if (o.exchange !== 'coinbase' && o.exchange !== 'kraken') {
          throw new BacktestInputError(
            `--exchange ${JSON.stringify(o.exchange)}: expected coinbase or kraken`,
          );
        }
        await fetchData(o, io, now());
      } catch (e) {
        if (e instanceof ExchangeError) {
          io.err(`exchange error: ${e.message}`);
          throw new ExitCode(EXIT_UNAVAILABLE);
        }
        failBacktest(e, io);
      }
    });
  usageErrorsExit78(cmd);
}
