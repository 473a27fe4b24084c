/**
 * Test helpers: throw-away credentials ccxt can sign with, and a live adapter pointed at a fake exchange
 * with every safety on (URLs overridden, only 127.0.0.1 allowed, every request recorded).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createLiveExchange, type LiveExchangeOptions } from '../../actors/exchanges/ccxt/factory.js';
import type { ExchangePort } from '../../actors/exchanges/port.js';
import type { FakeExchange, Venue } from './server.js';

/**
 * Fresh fake credentials in the variables the factory reads. Kraken signs with HMAC-SHA512 keyed by a
 * base64 secret; Coinbase (CDP keys) signs an ES256 JWT with an EC P-256 private key in PEM.
 */
export function fakeCredentials(venue: Venue): NodeJS.ProcessEnv {
  if (venue === 'kraken') {
    return {
      KRAKEN_API_KEY: `test-key-${randomBytes(8).toString('hex')}`,
      KRAKEN_API_SECRET: randomBytes(64).toString('base64'),
    };
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    COINBASE_API_KEY: `organizations/test-org/apiKeys/${randomBytes(8).toString('hex')}`,
    COINBASE_API_SECRET: privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
  };
}

export interface LivePortOnFake {
  readonly port: ExchangePort;
  readonly env: NodeJS.ProcessEnv;
  /** Every request the ccxt client made (method and URL). */
  readonly sent: { method: string; url: string }[];
}

/**
 * A live adapter for `fake.venue` that can only reach `fake`: tiny backoff, no rate wait, and a 2 s timeout
 * (generous for loopback, so a loaded machine does not turn a healthy call into a timeout; tests that inject
 * hangs pass a shorter one).
 */
export async function livePortOnFake(
  fake: FakeExchange,
  overrides: Partial<Omit<LiveExchangeOptions, 'exchange'>> = {},
): Promise<LivePortOnFake> {
  const env = overrides.env ?? fakeCredentials(fake.venue);
  const sent: { method: string; url: string }[] = [];
  const port = await createLiveExchange({
    exchange: fake.venue,
    env,
    urlsOverride: fake.url,
    allowedHosts: ['127.0.0.1'],
    onRequest: (r) => sent.push({ method: r.method, url: r.url }),
    timeoutMs: 2_000,
    rateLimitMs: 1,
    retry: { retries: 3, baseMs: 1, maxMs: 4 },
    maxLeverage: fake.venue === 'kraken' ? 3 : 1,
    ...overrides,
  });
  return { port, env, sent };
}
