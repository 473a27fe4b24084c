import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ExchangePort } from '../actors/exchanges/port.js';
import { readJournal } from '../actors/persistence/journal.js';
import { loadCandlesFile } from '../backtest/data/index.js';
import {
  botConfigFromObject,
  createLogging,
  createRuntime,
  krakenExample,
  ReplayFeed,
  type Runtime,
} from '../index.js';
import { fakeCredentials, livePortOnFake } from './fake-exchange/live.js';
import { type FakeExchange, startFakeExchange } from './fake-exchange/server.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { waitFor } from './helpers/runtime.js';

describe('a live-configured Kraken margin bot, end to end through ccxt against the fake exchange', () => {
  let fake: FakeExchange;
  let home: string;
  let rt: Runtime | undefined;
  beforeAll(async () => {
    fake = await startFakeExchange({ venue: 'kraken', balances: { USD: 10_000 } });
    home = tempDir();
  });
  afterAll(async () => {
    await rt?.stop();
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('places real (fake) orders with leverage and reduce-only closes; positions match the exchange', async () => {
    const env = fakeCredentials('kraken');
    const input = parseYaml(krakenExample(path.join(ROOT, 'data', 'kraken_LTC-USD_1d.csv')));
    input.dry_run = false;
    input.market_data = { source: 'live' };
    input.live = { available_capital: 1000 };
    const bot = await botConfigFromObject(input, {
      id: 'kraken_live',
      baseDir: path.join(home, 'bots'),
      env,
    });
    const { candles } = await loadCandlesFile(path.join(ROOT, 'data', 'kraken_LTC-USD_1d.csv'));
    const feed = new ReplayFeed({
      candles,
      timeframeMs: 86_400_000,
      speed: 2_000_000,
      warmupBars: 200,
      loop: false,
    });
    const { port } = await livePortOnFake(fake, { env });
    // The fake's price follows the replay, so fills happen where the market is.
    const following: ExchangePort = new Proxy(port, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          const p = feed.nextOpen();
          if (p !== undefined) fake.setPrice(p);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    rt = createRuntime({
      home,
      logging: createLogging({ stdout: false, logDir: path.join(home, 'logs') }),
      http: false,
    });
    await rt.start([]);
    await rt.spawnBot(bot, { feed, exchange: () => following });
    const r = rt;
    const journal = path.join(home, 'bots', 'kraken_live', 'journal.jsonl');
    await waitFor(
      () => (readJournal(journal).entries.filter((e) => e.type === 'fill').length >= 3 ? true : undefined),
      60_000,
      'three live fills',
    );
    await r.stopBot('kraken_live');
    const fills = readJournal(journal).entries.filter((e) => e.type === 'fill');
    for (const f of fills) {
      expect(f.paper).toBe(false);
      expect(fake.ordersWithClientId(f.client_order_id).length).toBeLessThanOrEqual(1);
    }
    const positions = await port.fetchPositions(fake.pair);
    const exch = positions.reduce((q, p) => q + (p.side === 'long' ? p.amount : -p.amount), 0);
    const ours = fills.reduce((q, f) => q + (f.side === 'buy' ? f.qty : -f.qty), 0);
    expect(Math.abs(exch - ours)).toBeLessThan(1e-6);
    await port.close();
  }, 90_000);
});
