/**
 * The exchange port contract against both live (ccxt) adapters, each pointed at a fake exchange on
 * 127.0.0.1. Nothing here touches the internet: the adapters only accept 127.0.0.1 and the last test checks
 * that the fake saw every request the clients made.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { krakenClOrdId } from '../actors/exchanges/client-order-id.js';
import { type ContractContext, exchangeContractSuite } from './fake-exchange/contract-suite.js';
import { type LivePortOnFake, livePortOnFake } from './fake-exchange/live.js';
import { type FakeExchange, startFakeExchange, type Venue } from './fake-exchange/server.js';

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'])
  delete process.env[k];

const started: { fake: FakeExchange; live: LivePortOnFake }[] = [];

/** How the venue stores our client order id. */
const onVenue = (venue: Venue, id: string) => (venue === 'kraken' ? krakenClOrdId(id) : id);

function contextFor(venue: Venue): () => Promise<ContractContext> {
  return async () => {
    const fake = await startFakeExchange({ venue });
    const live = await livePortOnFake(fake);
    started.push({ fake, live });
    return {
      port: live.port,
      pair: fake.pair,
      setPrice: (p) => fake.setPrice(p),
      faults: {
        corrupt: (endpoint, times) => fake.inject(endpoint, { type: 'corrupt' }, times),
        clear: () => fake.clearFaults(),
        acceptedOrders: (id) => fake.ordersWithClientId(onVenue(venue, id)).length,
      },
    };
  };
}

const teardown = async (ctx: ContractContext) => {
  await ctx.port.close();
};

exchangeContractSuite('ccxt kraken on the fake Kraken', contextFor('kraken'), teardown);
exchangeContractSuite('ccxt coinbase on the fake Coinbase', contextFor('coinbase'), teardown);

describe('no request leaves loopback', () => {
  afterAll(async () => {
    await Promise.all(started.map(({ fake }) => fake.close()));
  });

  it('every request of both clients went to 127.0.0.1 and reached the fake', () => {
    expect(started).toHaveLength(2);
    for (const { fake, live } of started) {
      expect(live.sent.length).toBeGreaterThan(10);
      for (const r of live.sent) expect(new URL(r.url).hostname).toBe('127.0.0.1');
      expect(fake.requests.length).toBe(live.sent.length);
      expect(fake.requests.filter((r) => r.endpoint === null)).toEqual([]);
    }
  });
});
