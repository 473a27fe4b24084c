/**
 * The live adapters under injected faults, against the fake exchanges on 127.0.0.1: reads are retried
 * through timeouts, 5xx and 429; a placement whose answer is lost is an unknown outcome that a lookup by
 * client order id resolves; authentication errors and rejections are never retried; and, as a property,
 * whatever faults surround one decision's placement, the exchange accepts at most one order for it.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLiveExchange } from '../actors/exchanges/ccxt/factory.js';
import { clientOrderId, krakenClOrdId } from '../actors/exchanges/client-order-id.js';
import { isExchangeError } from '../actors/exchanges/errors.js';
import type { ExchangePort, OrderRequest, OrderState } from '../actors/exchanges/port.js';
import { expectCode, rejectionOf } from './fake-exchange/contract-suite.js';
import { fakeCredentials, type LivePortOnFake, livePortOnFake } from './fake-exchange/live.js';
import {
  type Endpoint,
  type FakeExchange,
  type Fault,
  startFakeExchange,
  type Venue,
} from './fake-exchange/server.js';

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'])
  delete process.env[k];

const VENUES: readonly Venue[] = ['kraken', 'coinbase'];
const onVenue = (venue: Venue, id: string) => (venue === 'kraken' ? krakenClOrdId(id) : id);
let seq = 0;
const nextId = (action = 'entry') =>
  clientOrderId({ bot: 'faults', decisionTs: 1_710_000_000_000 + ++seq, action });

/** A market buy worth about 100 quote at the fake's default price. */
function buy(fake: FakeExchange, id = nextId()): OrderRequest {
  const amount = fake.venue === 'kraken' ? 1 : 0.002;
  return { clientOrderId: id, pair: fake.pair, side: 'buy', type: 'market', amount };
}

const count = (fake: FakeExchange, endpoint: Endpoint) =>
  fake.requests.filter((r) => r.endpoint === endpoint).length;

describe.each(VENUES)('%s adapter under faults', (venue) => {
  let fake: FakeExchange;
  let live: LivePortOnFake;
  let port: ExchangePort;

  beforeEach(async () => {
    fake = await startFakeExchange({ venue });
    live = await livePortOnFake(fake, { timeoutMs: 250 }); // short: some tests wait for hung requests
    port = live.port;
    await port.market(fake.pair); // markets loaded: the requests below are the ones under test
  });
  afterEach(async () => {
    await port.close();
    await fake.close();
  });

  it.each<[string, Fault]>([
    ['a timeout', { type: 'hang' }],
    ['a 502', { type: 'http', status: 502 }],
    ['a 503', { type: 'http', status: 503 }],
    ['a 429', { type: 'http', status: 429 }],
    ['a dropped connection', { type: 'drop' }],
  ])('retries a read through %s and succeeds', async (_label, fault) => {
    fake.inject('ticker', fault, 2);
    fake.inject('balance', fault, 1);
    const before = count(fake, 'ticker');
    const t = await port.fetchTicker(fake.pair);
    expect(t.last).toBeGreaterThan(0);
    expect(count(fake, 'ticker') - before).toBe(3);
    expect((await port.fetchBalances())['USD']?.free).toBe(10_000);
    expect(fake.pendingFaults()).toBe(0);
  });

  it('gives up after the configured retries with a retryable error', async () => {
    fake.inject('ticker', { type: 'http', status: 503 }, 10);
    const e = await rejectionOf(port.fetchTicker(fake.pair));
    expect(isExchangeError(e) && e.kind).toBe('retryable');
    expect(isExchangeError(e) && e.code).toBe('EXCHANGE_DOWN');
    expect(count(fake, 'ticker')).toBe(4); // 1 + 3 retries
  });

  it('maps a timeout on a read to EXCHANGE_TIMEOUT', async () => {
    fake.inject('balance', { type: 'hang' }, 10);
    await expectCode(port.fetchBalances(), 'EXCHANGE_TIMEOUT');
  });

  it('does not retry an authentication error', async () => {
    fake.inject('balance', { type: 'auth' }, 10);
    await expectCode(port.fetchBalances(), 'EXCHANGE_AUTH');
    expect(count(fake, 'balance')).toBe(1);
  });

  it('rejects a placement the exchange refuses for authentication, sending it once', async () => {
    fake.inject('placeOrder', { type: 'auth' }, 10);
    const r = buy(fake);
    await expectCode(port.placeOrder(r), 'EXCHANGE_AUTH');
    expect(count(fake, 'placeOrder')).toBe(1);
    expect(fake.ordersWithClientId(onVenue(venue, r.clientOrderId))).toHaveLength(0);
  });

  it('reports a lost answer after an accepted order as an unknown outcome, resolved by one lookup', async () => {
    fake.inject('placeOrder', { type: 'lost-response' });
    const r = buy(fake);
    const e = await rejectionOf(port.placeOrder(r));
    expect(isExchangeError(e) && e.code).toBe('EXCHANGE_UNKNOWN_OUTCOME');
    expect(isExchangeError(e) && e.kind).toBe('unknown-outcome');
    expect(count(fake, 'placeOrder')).toBe(1); // never retried
    const found = await port.fetchOrderByClientId(fake.pair, r.clientOrderId);
    expect(found).not.toBeNull();
    expect(found?.clientOrderId).toBe(r.clientOrderId);
    const booked = fake.ordersWithClientId(onVenue(venue, r.clientOrderId));
    expect(booked).toHaveLength(1);
    expect(found?.id).toBe(booked[0]?.id);
    expect(found?.filled).toBeCloseTo(booked[0]!.filled, 12);
    // Placing the decision again returns that order instead of a second one.
    expect((await port.placeOrder(r)).id).toBe(found?.id);
    expect(fake.ordersWithClientId(onVenue(venue, r.clientOrderId))).toHaveLength(1);
  });

  it('reports a timeout after an accepted order as an unknown outcome', async () => {
    fake.inject('placeOrder', { type: 'hang-after' });
    const r = buy(fake);
    await expectCode(port.placeOrder(r), 'EXCHANGE_UNKNOWN_OUTCOME');
    expect(await port.fetchOrderByClientId(fake.pair, r.clientOrderId)).not.toBeNull();
  });

  it('treats a 5xx on placement as an unknown outcome (the server may have booked it)', async () => {
    fake.inject('placeOrder', { type: 'http', status: 502 });
    const r = buy(fake);
    await expectCode(port.placeOrder(r), 'EXCHANGE_UNKNOWN_OUTCOME');
    expect(await port.fetchOrderByClientId(fake.pair, r.clientOrderId)).toBeNull();
    const placed = await port.placeOrder(r);
    expect(placed.status).toBe('closed');
    expect(fake.ordersWithClientId(onVenue(venue, r.clientOrderId))).toHaveLength(1);
  });

  it('treats a 429 on placement as retryable: the exchange refused it', async () => {
    fake.inject('placeOrder', { type: 'http', status: 429 });
    const r = buy(fake);
    await expectCode(port.placeOrder(r), 'EXCHANGE_RATE_LIMIT');
    expect(count(fake, 'placeOrder')).toBe(1);
    expect(fake.ordersWithClientId(onVenue(venue, r.clientOrderId))).toHaveLength(0);
  });

  it('an unreadable state after placing is an unknown outcome, not a second order', async () => {
    fake.inject('fetchOrder', { type: 'http', status: 503 }, 10);
    const r = buy(fake);
    await expectCode(port.placeOrder(r), 'EXCHANGE_UNKNOWN_OUTCOME');
    fake.clearFaults();
    expect((await port.placeOrder(r)).clientOrderId).toBe(r.clientOrderId);
    expect(fake.ordersWithClientId(onVenue(venue, r.clientOrderId))).toHaveLength(1);
  });

  it('reports a partial fill as the exchange recorded it', async () => {
    fake.setFillRatio(0.5);
    const r = buy(fake);
    const placed = await port.placeOrder(r);
    const booked = fake.ordersWithClientId(onVenue(venue, r.clientOrderId))[0]!;
    expect(placed.filled).toBeCloseTo(booked.filled, 12);
    expect(placed.filled).toBeGreaterThan(0);
    expect(placed.filled).toBeLessThan(r.amount * 0.51);
    expect(placed.status).toBe(venue === 'kraken' ? 'open' : 'canceled');
  });

  it('with stale balances, the exchange still refuses what the account cannot pay: insufficient funds', async () => {
    fake.freezeBalances(); // the adapter keeps seeing 10 000 USD
    await port.placeOrder({ ...buy(fake), amount: venue === 'kraken' ? 90 : 0.18 });
    const r = { ...buy(fake), amount: venue === 'kraken' ? 20 : 0.04 };
    await expectCode(port.placeOrder(r), 'EXCHANGE_INSUFFICIENT_FUNDS');
    expect(fake.ordersWithClientId(onVenue(venue, r.clientOrderId))).toHaveLength(0);
  });

  it('never trims a sell to the free base balance: refuses it, naming what was asked and what is free', async () => {
    const base = venue === 'kraken' ? 'LTC' : 'BTC';
    const bought = await port.placeOrder(buy(fake));
    const sell = (amount: number): OrderRequest => ({ ...buy(fake, nextId('exit')), side: 'sell', amount });
    const sent = count(fake, 'placeOrder');
    const e = await rejectionOf(port.placeOrder(sell(bought.filled * 10)));
    expect(isExchangeError(e) && e.code, String(e)).toBe('EXCHANGE_INSUFFICIENT_FUNDS');
    expect((e as Error).message).toMatch(/asked for [\d.e-]+ (LTC|BTC) .* free pays for [\d.e-]+/);
    // Beyond the tolerance by a little (1e-5 of the amount) is refused too.
    await expectCode(port.placeOrder(sell(bought.filled * (1 + 1e-5))), 'EXCHANGE_INSUFFICIENT_FUNDS');
    expect(count(fake, 'placeOrder')).toBe(sent);
    // One amount step above what is held is float noise, not a trim: floored to the balance and sent.
    const step = (await port.market(fake.pair)).amountStep;
    const placed = await port.placeOrder(sell(bought.filled + step));
    expect(placed.amount).toBeCloseTo(bought.filled, 10);
    expect(placed.status).toBe('closed');
    expect(fake.book.totals.get(base)).toBeCloseTo(0, 10);
  });

  it('never trims a buy to what the free balance pays for: refuses it, and floors only float noise', async () => {
    const sent = count(fake, 'placeOrder');
    const e = await rejectionOf(port.placeOrder({ ...buy(fake), amount: venue === 'kraken' ? 1_000 : 1 }));
    expect(isExchangeError(e) && e.code, String(e)).toBe('EXCHANGE_INSUFFICIENT_FUNDS');
    expect((e as Error).message).toMatch(/asked for (1000 LTC|1 BTC) .*10000 USD free pays for/);
    expect(count(fake, 'placeOrder')).toBe(sent);
    expect(fake.book.totals.get('USD')).toBe(10_000);
    // What the adapter's cash check says 10 000 USD pay for, plus float noise, is floored to it and sent.
    const free = /pays for ([\d.e-]+)/.exec((e as Error).message)?.[1];
    const affordable = Number(free);
    expect(affordable).toBeGreaterThan(0);
    const placed = await port.placeOrder({ ...buy(fake), amount: affordable * (1 + 1e-7) });
    expect(placed.filled).toBeLessThanOrEqual(affordable * (1 + 1e-9));
    expect(placed.filled).toBeGreaterThan(affordable * 0.999);
    await expectCode(port.placeOrder(buy(fake)), 'EXCHANGE_INSUFFICIENT_FUNDS');
  });

  it('reloads the markets after a failed first load (ccxt caches the failure)', async () => {
    const fresh = await livePortOnFake(fake, { retry: { retries: 0, baseMs: 1, maxMs: 1 } });
    try {
      fake.inject('markets', { type: 'http', status: 503 });
      await expectCode(fresh.port.market(fake.pair), 'EXCHANGE_DOWN');
      expect((await fresh.port.market(fake.pair)).pair).toBe(fake.pair);
    } finally {
      await fresh.port.close();
    }
  });
});

describe('kraken margin', () => {
  let fake: FakeExchange;
  let port: ExchangePort;
  const margin = (o: Partial<OrderRequest>): OrderRequest => ({
    clientOrderId: nextId(o.side ?? 'x'),
    pair: fake.pair,
    side: 'buy',
    type: 'market',
    amount: 5,
    leverage: 3,
    ...o,
  });

  beforeAll(async () => {
    fake = await startFakeExchange({ venue: 'kraken' });
    port = (await livePortOnFake(fake)).port;
  });
  afterAll(async () => {
    await port.close();
    await fake.close();
  });

  it('opens a 3x long, reads it as a margin position, and closes it reduce-only', async () => {
    const open = await port.placeOrder(margin({ side: 'buy' }));
    expect(open).toMatchObject({ status: 'closed', leverage: 3, filled: 5 });
    const [pos, ...rest] = await port.fetchPositions(fake.pair);
    expect(rest).toEqual([]);
    expect(pos).toMatchObject({ pair: 'LTC-USD', side: 'long', amount: 5, leverage: 3 });
    expect(pos?.entryPrice).toBeCloseTo(100, 6);
    expect(pos?.marginCosts).toBeGreaterThan(0);
    fake.setPrice(110);
    expect((await port.fetchPositions(fake.pair))[0]?.unrealizedPnl).toBeCloseTo(50, 6);
    const close = await port.placeOrder(margin({ side: 'sell', reduceOnly: true }));
    expect(close).toMatchObject({ status: 'closed', filled: 5 });
    expect(await port.fetchPositions(fake.pair)).toEqual([]);
    fake.setPrice(100);
    const addOrders = fake.requests.filter((r) => r.endpoint === 'placeOrder');
    expect(addOrders).toHaveLength(2);
  });

  it('opens and closes a 2x short', async () => {
    await port.placeOrder(margin({ side: 'sell', leverage: 2, amount: 2 }));
    expect((await port.fetchPositions(fake.pair))[0]).toMatchObject({
      side: 'short',
      amount: 2,
      leverage: 2,
    });
    await port.placeOrder(margin({ side: 'buy', leverage: 2, amount: 2, reduceOnly: true }));
    expect(await port.fetchPositions(fake.pair)).toEqual([]);
  });

  it('refuses leverage above the cap, off the venue levels, or reduce-only without leverage, before sending', async () => {
    const sent = count(fake, 'placeOrder');
    await expectCode(port.placeOrder(margin({ leverage: 4 })), 'EXCHANGE_INVALID_ORDER');
    await expectCode(port.placeOrder(margin({ leverage: 2.5 })), 'EXCHANGE_INVALID_ORDER');
    await expectCode(port.placeOrder(margin({ leverage: 1, reduceOnly: true })), 'EXCHANGE_INVALID_ORDER');
    expect(count(fake, 'placeOrder')).toBe(sent);
  });

  it('passes a refusal of the exchange on as a rejection (reduce-only with no position)', async () => {
    await expectCode(port.placeOrder(margin({ side: 'sell', reduceOnly: true })), 'EXCHANGE_INVALID_ORDER');
  });

  it('rejects a factory cap above 3', async () => {
    await expect(
      createLiveExchange({ exchange: 'kraken', env: fakeCredentials('kraken'), maxLeverage: 5 }),
    ).rejects.toThrow(RangeError);
  });
});

describe('coinbase is spot only', () => {
  let fake: FakeExchange;
  let port: ExchangePort;
  beforeAll(async () => {
    fake = await startFakeExchange({ venue: 'coinbase' });
    port = (await livePortOnFake(fake)).port;
  });
  afterAll(async () => {
    await port.close();
    await fake.close();
  });

  it('refuses leverage and reduce-only, has no margin positions, and caps market leverage at 1', async () => {
    const base = {
      clientOrderId: nextId(),
      pair: fake.pair,
      side: 'buy',
      type: 'market',
      amount: 0.001,
    } as const;
    await expectCode(port.placeOrder({ ...base, leverage: 2 }), 'EXCHANGE_INVALID_ORDER');
    await expectCode(port.placeOrder({ ...base, reduceOnly: true }), 'EXCHANGE_INVALID_ORDER');
    expect(await port.fetchPositions(fake.pair)).toEqual([]);
    expect((await port.market(fake.pair)).maxLeverage).toBe(1);
    expect(count(fake, 'placeOrder')).toBe(0);
  });

  it('sends our client order id as client_order_id (ccxt would otherwise send its own)', async () => {
    const r: OrderRequest = {
      clientOrderId: nextId(),
      pair: fake.pair,
      side: 'buy',
      type: 'market',
      amount: 0.001,
    };
    await port.placeOrder(r);
    expect(fake.ordersWithClientId(r.clientOrderId)).toHaveLength(1);
  });
});

describe('loopback only', () => {
  it('refuses a request to any host but the allowed ones before sending it', async () => {
    const sent: string[] = [];
    const port = await createLiveExchange({
      exchange: 'kraken',
      env: fakeCredentials('kraken'),
      urlsOverride: 'http://203.0.113.1:9', // TEST-NET-3: never routed; and the guard refuses it anyway
      allowedHosts: ['127.0.0.1'],
      onRequest: (r) => sent.push(r.url),
      retry: { retries: 0, baseMs: 1, maxMs: 1 },
      timeoutMs: 200,
    });
    await expectCode(port.fetchTicker('LTC-USD'), 'EXCHANGE_UNSUPPORTED');
    expect(sent).toEqual([]);
    await port.close();
  });

  it('requires every API URL of the exchange to be overridden', async () => {
    await expect(
      createLiveExchange({
        exchange: 'kraken',
        env: fakeCredentials('kraken'),
        urlsOverride: { public: 'http://127.0.0.1:1', private: 'http://127.0.0.1:1' },
      }),
    ).rejects.toThrow(/zendesk/);
  });

  it('refuses to start without credentials and never echoes a secret', async () => {
    await expectCode(createLiveExchange({ exchange: 'kraken', env: {} }), 'EXCHANGE_AUTH');
    const secret = 'not base64 at all!! super-secret-value';
    const e = await rejectionOf(
      createLiveExchange({
        exchange: 'kraken',
        env: { KRAKEN_API_KEY: 'k-123456', KRAKEN_API_SECRET: secret },
      }),
    );
    expect(isExchangeError(e) && e.code).toBe('EXCHANGE_AUTH');
    expect(String((e as Error).message)).not.toContain(secret);
  });
});

/** One step of the bot's placement protocol for a decision: place; on an unknown outcome look it up first. */
async function resolvePlacement(
  port: ExchangePort,
  r: OrderRequest,
  attempts: number,
): Promise<OrderState | null> {
  for (let i = 0; i < attempts; i++) {
    try {
      return await port.placeOrder(r);
    } catch (e) {
      if (!isExchangeError(e) || e.kind === 'rejected') return null;
      if (e.kind === 'unknown-outcome') {
        try {
          const found = await port.fetchOrderByClientId(r.pair, r.clientOrderId);
          if (found) return found;
        } catch {
          // The lookup failed too: the next attempt starts with a lookup of its own (placeOrder's).
        }
      }
    }
  }
  return null;
}

const FAULTS: readonly Fault[] = [
  { type: 'hang' },
  { type: 'hang-after' },
  { type: 'drop' },
  { type: 'lost-response' },
  { type: 'http', status: 500 },
  { type: 'http', status: 502 },
  { type: 'http', status: 429 },
  { type: 'corrupt' },
];
const FAULTED: readonly Endpoint[] = ['placeOrder', 'listOrders', 'fetchOrder', 'ticker', 'balance'];

describe.each(VENUES)('%s: at most one order per decision, whatever the faults (property)', (venue) => {
  let fake: FakeExchange;
  let port: ExchangePort;
  /** A second client with a generous timeout, to check the outcome without faults of its own. */
  let observer: ExchangePort;
  beforeAll(async () => {
    // No de-duplication by the venue: the adapter alone must avoid the second order.
    fake = await startFakeExchange({ venue, dedupeClientOrderIds: false, balances: { USD: 1e9 } });
    port = (await livePortOnFake(fake, { timeoutMs: 150, retry: { retries: 2, baseMs: 0, maxMs: 1 } })).port;
    observer = (await livePortOnFake(fake)).port;
    await port.market(fake.pair);
    await observer.market(fake.pair);
  });
  afterAll(async () => {
    await port.close();
    await observer.close();
    await fake.close();
  });

  it('accepts at most one order per client order id and reports the fills it recorded', async () => {
    const faultSeq = fc.array(fc.tuple(fc.constantFrom(...FAULTED), fc.constantFrom(...FAULTS)), {
      maxLength: 6,
    });
    await fc.assert(
      fc.asyncProperty(faultSeq, fc.double({ min: 0.2, max: 1, noNaN: true }), async (faults, fillRatio) => {
        fake.clearFaults();
        fake.setFillRatio(fillRatio);
        for (const [endpoint, fault] of faults) fake.inject(endpoint, fault);
        const r = buy(fake);
        const result = await resolvePlacement(port, r, 4);
        fake.clearFaults();
        const booked = fake.ordersWithClientId(onVenue(venue, r.clientOrderId));
        expect(booked.length).toBeLessThanOrEqual(1);
        if (result) {
          expect(booked).toHaveLength(1);
          expect(result.id).toBe(booked[0]?.id);
          expect(result.filled).toBeCloseTo(booked[0]!.filled, 12);
        }
        // Once the faults are gone, the exchange's record and ours agree.
        const seen = await observer.fetchOrderByClientId(fake.pair, r.clientOrderId);
        expect(seen?.id).toBe(booked[0]?.id);
        if (seen) expect(seen.filled).toBeCloseTo(booked[0]!.filled, 12);
      }),
      { numRuns: 30, seed: 20_240_501 },
    );
  });
});
