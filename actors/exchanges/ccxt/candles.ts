/**
 * Public candles from a live exchange through ccxt `fetchOHLCV` (no credentials needed), validated before
 * the bot sees them. Used by the live market data feed, for paper bots on live data as well as live bots.
 */
import type { Exchange } from 'ccxt';
import { z } from 'zod';
import type { Candle } from '../../../core/candles.js';
import { ExchangeError } from '../errors.js';
import { COINBASE_CCXT_OPTIONS } from './coinbase.js';
import {
  guardRequests,
  type LiveExchangeId,
  type LiveExchangeOptions,
  overrideUrls,
  withExchangeUrlFromEnv,
} from './factory.js';

const finitePositive = z
  .number()
  .refine((x) => Number.isFinite(x) && x > 0, { message: 'must be a finite number above 0' });
const ohlcvRow = z
  .tuple([
    z.number().int().nonnegative(),
    finitePositive,
    finitePositive,
    finitePositive,
    finitePositive,
    z.number().nonnegative().nullable(),
  ])
  .refine(([, o, h, l, c]) => h >= Math.max(o, c) && l <= Math.min(o, c), {
    message: 'high/low inconsistent with open/close',
  });

/** `LTC-USD` -> `LTC/USD` (ccxt's unified symbol). */
export function ccxtSymbol(pair: string): string {
  return pair.replace('-', '/');
}

export type PublicCandleOptions = Pick<
  LiveExchangeOptions,
  'timeoutMs' | 'urlsOverride' | 'allowedHosts' | 'onRequest' | 'rateLimitMs' | 'env'
> & {
  readonly exchange: LiveExchangeId;
  readonly pair: string;
  /** ccxt timeframe string: 1m, 5m, 15m, 1h, 4h, 1d. */
  readonly timeframe: string;
};

/**
 * Creates `fetch(since, limit)` returning validated candles, oldest first, strictly increasing.
 * `DUALBOT_EXCHANGE_URL` (read from `o.env`, default `process.env`) points it at a loopback fake, as in
 * `createLiveExchange`.
 *
 * @throws Error when `DUALBOT_EXCHANGE_URL` is set to anything but a loopback URL.
 */
export async function createPublicCandleSource(input: PublicCandleOptions): Promise<{
  fetch: (since: number | undefined, limit: number) => Promise<Candle[]>;
  /** The exchange's clock (ms), for judging whether a candle has closed. */
  time: () => Promise<number>;
}> {
  const o = withExchangeUrlFromEnv(input, input.env ?? process.env);
  const ccxt = await import('ccxt');
  const config: Record<string, unknown> = { enableRateLimit: true, timeout: o.timeoutMs ?? 10_000 };
  if (o.rateLimitMs !== undefined) config['rateLimit'] = o.rateLimitMs;
  const ex: Exchange = o.exchange === 'coinbase' ? new ccxt.coinbase(config) : new ccxt.kraken(config);
  if (o.exchange === 'coinbase') Object.assign(ex.options, COINBASE_CCXT_OPTIONS);
  if (o.urlsOverride !== undefined) overrideUrls(ex, o.exchange, o.urlsOverride);
  guardRequests(ex, o.exchange, o as unknown as LiveExchangeOptions);
  const symbol = ccxtSymbol(o.pair);
  return {
    fetch: async (since, limit) => {
      let rows: unknown[];
      try {
        rows = await ex.fetchOHLCV(symbol, o.timeframe, since, limit);
      } catch (err) {
        throw new ExchangeError(
          'EXCHANGE_NETWORK',
          `${o.exchange}: fetchOHLCV ${symbol} ${o.timeframe} failed: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      const out: Candle[] = [];
      for (const r of rows) {
        const p = ohlcvRow.safeParse(r);
        if (!p.success) {
          throw new ExchangeError(
            'EXCHANGE_BAD_RESPONSE',
            `${o.exchange}: bad candle ${JSON.stringify(r)}: ${p.error.issues[0]?.message}`,
          );
        }
        const [ts, open, high, low, close, volume] = p.data;
        const prev = out[out.length - 1];
        if (prev && ts <= prev.ts)
          throw new ExchangeError(
            'EXCHANGE_BAD_RESPONSE',
            `${o.exchange}: candle times not increasing at ${ts}`,
          );
        out.push({ ts, open, high, low, close, volume: volume ?? 0 });
      }
      return out;
    },
    time: async () => {
      let t: unknown;
      try {
        t = await ex.fetchTime();
      } catch (err) {
        throw new ExchangeError(
          'EXCHANGE_NETWORK',
          `${o.exchange}: fetchTime failed: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
        throw new ExchangeError(
          'EXCHANGE_BAD_RESPONSE',
          `${o.exchange}: bad server time ${JSON.stringify(t)}`,
        );
      }
      return t;
    },
  };
}
