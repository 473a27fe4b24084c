/**
 * Builds a live exchange adapter: loads ccxt (lazily: importing it costs about 0.75 s and 80 MB, which paper
 * and replay runs must not pay), reads the credentials from the environment, and configures the ccxt
 * instance: rate limiting on, a timeout on every request, optional URL override and host allow-list.
 *
 * For process-level tests, `DUALBOT_EXCHANGE_URL` (e.g. `http://127.0.0.1:8123`) points every API of the
 * exchange at a local fake: it is honoured only for a loopback host (127.0.0.1, localhost, ::1), then
 * replaces any URL override and limits requests to that host; any other value is an error, never used.
 *
 * Credentials are never logged and never put in an error message: every message the adapters build is
 * scrubbed of them (`errors.ts`), and the ccxt instance holding them is not reachable from the adapter.
 */
import type { Exchange } from 'ccxt';
import { ExchangeError } from '../errors.js';
import type { ExchangePort } from '../port.js';
import { DEFAULT_RETRY, type RetryOptions } from '../retry.js';
import { COINBASE_API_URL_KEYS, COINBASE_CCXT_OPTIONS, createCoinbasePort } from './coinbase.js';
import { createKrakenPort, KRAKEN_API_URL_KEYS } from './kraken.js';

export type LiveExchangeId = 'coinbase' | 'kraken';

export interface LiveExchangeOptions {
  readonly exchange: LiveExchangeId;
  /** Where the credentials come from (`COINBASE_API_KEY`/`COINBASE_API_SECRET`, `KRAKEN_API_KEY`/`KRAKEN_API_SECRET`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Timeout of every HTTP request (ms). */
  readonly timeoutMs?: number;
  /** Leverage cap: 1 for Coinbase (spot); 1 ... 3 for Kraken. */
  readonly maxLeverage?: number;
  /**
   * Replaces ccxt's API base URLs: one URL for every API of the exchange, or one per key of ccxt's
   * `urls.api` (every key must be given, so that nothing is left pointing at the real exchange).
   */
  readonly urlsOverride?: string | Readonly<Record<string, string>>;
  /** Hosts requests may go to; any other host is refused before a byte is sent (tests: `['127.0.0.1']`). */
  readonly allowedHosts?: readonly string[];
  /** Sees the method and URL of every request (never headers or bodies, which carry credentials). */
  readonly onRequest?: (request: { readonly method: string; readonly url: string }) => void;
  /** Backoff of reads; placing an order is never retried. */
  readonly retry?: Partial<RetryOptions>;
  /** Overrides ccxt's rate limit (ms per unit of request cost); ccxt's own per-exchange value otherwise. */
  readonly rateLimitMs?: number;
  /** Clock for exchange answers without a timestamp. */
  readonly now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The environment variable that points a live exchange at a local fake (process-level tests). */
export const EXCHANGE_URL_ENV = 'DUALBOT_EXCHANGE_URL';
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Reads {@link EXCHANGE_URL_ENV}: undefined when unset (or blank); otherwise the URL and its host, which
 * become the exchange's only API URL and only allowed host.
 *
 * @throws Error naming the variable when it is not an http(s) URL whose host is 127.0.0.1, localhost or
 *   ::1: a test setting must never send a live client anywhere else.
 */
export function loopbackExchangeUrl(env: NodeJS.ProcessEnv): { url: string; host: string } | undefined {
  const raw = env[EXCHANGE_URL_ENV]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${EXCHANGE_URL_ENV} must be a URL such as http://127.0.0.1:8123`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${EXCHANGE_URL_ENV} must be an http(s) URL, got the scheme ${url.protocol}`);
  }
  if (!LOOPBACK_HOSTS.has(url.hostname) || url.username !== '' || url.password !== '') {
    throw new Error(
      `${EXCHANGE_URL_ENV} may only point at a loopback host (127.0.0.1, localhost, ::1), got ${url.hostname}`,
    );
  }
  return { url: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), host: url.hostname };
}

/** `opts` with {@link EXCHANGE_URL_ENV} applied: the URL override and the allowed hosts forced to it. */
export function withExchangeUrlFromEnv<T extends Pick<LiveExchangeOptions, 'urlsOverride' | 'allowedHosts'>>(
  opts: T,
  env: NodeJS.ProcessEnv,
): T {
  const local = loopbackExchangeUrl(env);
  return local ? { ...opts, urlsOverride: local.url, allowedHosts: [local.host] } : opts;
}

const ENV_NAMES: Readonly<Record<LiveExchangeId, { key: string; secret: string }>> = {
  coinbase: { key: 'COINBASE_API_KEY', secret: 'COINBASE_API_SECRET' },
  kraken: { key: 'KRAKEN_API_KEY', secret: 'KRAKEN_API_SECRET' },
};

const URL_KEYS: Readonly<Record<LiveExchangeId, readonly string[]>> = {
  coinbase: COINBASE_API_URL_KEYS,
  kraken: KRAKEN_API_URL_KEYS,
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Reads and checks the credentials; errors name the variable, never its value. */
function credentials(id: LiveExchangeId, env: NodeJS.ProcessEnv): { apiKey: string; secret: string } {
  const names = ENV_NAMES[id];
  const apiKey = env[names.key]?.trim();
  let secret = env[names.secret]?.trim();
  if (!apiKey) throw new ExchangeError('EXCHANGE_AUTH', `${id}: ${names.key} is not set`);
  if (!secret) throw new ExchangeError('EXCHANGE_AUTH', `${id}: ${names.secret} is not set`);
  // A PEM key pasted into a .env file often arrives with literal "\n" for its line breaks.
  if (id === 'coinbase' && secret.includes('\\n') && !secret.includes('\n'))
    secret = secret.replaceAll('\\n', '\n');
  if (id === 'kraken' && !BASE64.test(secret)) {
    throw new ExchangeError(
      'EXCHANGE_AUTH',
      `kraken: ${names.secret} must be the base64 private key Kraken issued`,
    );
  }
  return { apiKey, secret };
}

export function overrideUrls(
  ex: Exchange,
  id: LiveExchangeId,
  override: string | Readonly<Record<string, string>>,
): void {
  const keys = URL_KEYS[id];
  const api: Record<string, string> = {};
  for (const k of keys) {
    const url = typeof override === 'string' ? override : override[k];
    if (!url)
      throw new RangeError(`${id}: urlsOverride must set every API URL (${keys.join(', ')}); missing ${k}`);
    api[k] = url.replace(/\/+$/, '');
  }
  (ex.urls as Record<string, unknown>)['api'] = api;
}

/** Wraps the instance's HTTP entry point with the host allow-list and the request hook. */
export function guardRequests(ex: Exchange, id: LiveExchangeId, opts: LiveExchangeOptions): void {
  const allowed = opts.allowedHosts ? new Set(opts.allowedHosts) : undefined;
  const onRequest = opts.onRequest;
  if (!allowed && !onRequest) return;
  const original = ex.fetch.bind(ex);
  ex.fetch = async (url: string, method?: string, headers?: unknown, body?: unknown) => {
    const host = new URL(url).hostname;
    if (allowed && !allowed.has(host)) {
      throw new ExchangeError(
        'EXCHANGE_UNSUPPORTED',
        `${id}: refused a request to ${host} (not in allowedHosts)`,
      );
    }
    onRequest?.({ method: method ?? 'GET', url });
    return original(url, method, headers, body);
  };
}

/**
 * Creates the live adapter for `opts.exchange`.
 *
 * @throws ExchangeError `EXCHANGE_AUTH` when the credentials are missing or malformed; RangeError on a bad
 *   option (leverage cap, URL override, timeout); Error when {@link EXCHANGE_URL_ENV} is not loopback.
 */
export async function createLiveExchange(input: LiveExchangeOptions): Promise<ExchangePort> {
  const opts = withExchangeUrlFromEnv(input, input.env ?? process.env);
  const id = opts.exchange;
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeout > 0) || !Number.isFinite(timeout))
    throw new RangeError(`${id}: timeoutMs must be > 0, got ${timeout}`);
  const maxLeverage = opts.maxLeverage ?? 1;
  if (id === 'coinbase' && maxLeverage !== 1) {
    throw new RangeError(`coinbase: spot only, maxLeverage must be 1, got ${maxLeverage}`);
  }
  const { apiKey, secret } = credentials(id, opts.env ?? process.env);

  const ccxt = await import('ccxt');
  const config: Record<string, unknown> = { apiKey, secret, enableRateLimit: true, timeout };
  if (opts.rateLimitMs !== undefined) config['rateLimit'] = opts.rateLimitMs;
  const ex: Exchange = id === 'coinbase' ? new ccxt.coinbase(config) : new ccxt.kraken(config);
  if (id === 'coinbase') Object.assign(ex.options, COINBASE_CCXT_OPTIONS);
  if (opts.urlsOverride !== undefined) overrideUrls(ex, id, opts.urlsOverride);
  guardRequests(ex, id, opts);

  const portOptions = {
    retry: { ...DEFAULT_RETRY, ...opts.retry },
    classes: ccxt,
    secrets: [apiKey, secret],
    now: opts.now ?? Date.now,
  };
  return id === 'coinbase'
    ? createCoinbasePort(ex, portOptions)
    : createKrakenPort(ex, maxLeverage, portOptions);
}
