/**
 * The live adapters' newer port methods against the fake exchanges on 127.0.0.1: free collateral (spot
 * balance, Kraken's TradeBalance `mf`), protective stops on Kraken (the exact AddOrder body, idempotency,
 * the trigger on the price grid; none on Coinbase), stops among the open orders, the account's trades
 * (the bot's, by hand, liquidations; paged), and the loopback-only `DUALBOT_EXCHANGE_URL` override.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPublicCandleSource } from '../actors/exchanges/ccxt/candles.js';
import {
  createLiveExchange,
  EXCHANGE_URL_ENV,
  loopbackExchangeUrl,
  withExchangeUrlFromEnv,
} from '../actors/exchanges/ccxt/factory.js';
import { clientOrderId, krakenClOrdId } from '../actors/exchanges/client-order-id.js';
import type { ExchangePort, OrderRequest, StopOrderRequest } from '../actors/exchanges/port.js';
import { expectCode, rejectionOf } from './fake-exchange/contract-suite.js';
import { fakeCredentials, livePortOnFake } from './fake-exchange/live.js';
import { type FakeExchange, type FakeExchangeOptions, startFakeExchange } from './fake-exchange/server.js';

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'])
  delete process.env[k];

let seq = 0;
const nextId = (action = 'entry') =>
  clientOrderId({ bot: 'extras', decisionTs: 1_720_000_000_000 + ++seq, action });

const count = (fake: FakeExchange, endpoint: string) =>
  fake.requests.filter((r) => r.endpoint === endpoint).length;

/** The form fields of the AddOrder requests the fake received. */
const addOrderBodies = (fake: FakeExchange) =>
  fake.requests
    .filter((r) => r.endpoint === 'placeOrder')
    .map((r) => Object.fromEntries(new URLSearchParams(r.body)));

/** A fake and a live adapter on it, per test. */
function onFake(options: FakeExchangeOptions, maxLeverage?: number) {
  const ctx = {} as { fake: FakeExchange; port: ExchangePort };
  beforeEach(async () => {
    ctx.fake = await startFakeExchange(options);
    ctx.port = (await livePortOnFake(ctx.fake, maxLeverage === undefined ? {} : { maxLeverage })).port;
  });
  afterEach(async () => {
    await ctx.port.close();
    await ctx.fake.close();
  });
  return ctx;
}

const margin = (pair: string, o: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: nextId(o.side ?? 'buy'),
  pair,
  side: 'buy',
  type: 'market',
  amount: 5,
  leverage: 3,
  ...o,
});

describe('fetchFreeCollateral', () => {
  describe('kraken margin: TradeBalance mf', () => {
    const ctx = onFake({ venue: 'kraken' });

    it('is the free margin, equity minus used margin, as the venue computes it', async () => {
      const { fake, port } = ctx;
      expect(await port.fetchFreeCollateral(fake.pair)).toBe(10_000);
      await port.placeOrder(margin(fake.pair));
      fake.setPrice(110);
      const free = await port.fetchFreeCollateral(fake.pair);
      const usd = fake.book.totals.get('USD')!;
      expect(free).toBeCloseTo(usd + 50 - 500 / 3, 3);
      expect(free).toBeCloseTo(fake.book.marginAccount('USD').free, 3);
      // Read from TradeBalance, in the market's quote asset; the wallet balance says nothing about margin.
      const tb = fake.requests.filter((r) => r.path === '/0/private/TradeBalance');
      expect(tb.length).toBeGreaterThanOrEqual(2);
      expect(new URLSearchParams(tb.at(-1)!.body).get('asset')).toBe('ZUSD');
    });

    it('is a retried read: a 502 is retried, a corrupt mf is EXCHANGE_BAD_RESPONSE', async () => {
      const { fake, port } = ctx;
      fake.inject('balance', { type: 'http', status: 502 }, 2);
      expect(await port.fetchFreeCollateral(fake.pair)).toBe(10_000);
      fake.inject('balance', { type: 'corrupt' }, 100);
      await expectCode(port.fetchFreeCollateral(fake.pair), 'EXCHANGE_BAD_RESPONSE');
      fake.clearFaults();
    });
  });

  describe('kraken margin under water', () => {
    const ctx = onFake({ venue: 'kraken', balances: { USD: 200 } });

    it('refuses a negative free margin as a bad response', async () => {
      const { fake, port } = ctx;
      await port.placeOrder(margin(fake.pair));
      fake.setPrice(90); // equity ~ 149 < used ~ 166.7
      expect(fake.book.marginAccount('USD').free).toBeLessThan(0);
      const e = await rejectionOf(port.fetchFreeCollateral(fake.pair));
      expect(String(e)).toMatch(/EXCHANGE_BAD_RESPONSE|mf: must be a finite number >= 0/);
    });
  });

  describe('kraken spot (leverage cap 1): the free quote balance', () => {
    const ctx = onFake({ venue: 'kraken' }, 1);

    it('is the free USD balance, net of what a resting order holds; TradeBalance is not asked', async () => {
      const { fake, port } = ctx;
      await port.placeOrder({
        clientOrderId: nextId(),
        pair: fake.pair,
        side: 'buy',
        type: 'limit',
        price: 50,
        amount: 10,
      });
      const held = fake.book.holds().get('USD')!;
      expect(held).toBeGreaterThan(500);
      expect(await port.fetchFreeCollateral(fake.pair)).toBeCloseTo(10_000 - held, 6);
      expect(fake.requests.some((r) => r.path === '/0/private/TradeBalance')).toBe(false);
    });
  });

  describe('coinbase: the free quote balance', () => {
    const ctx = onFake({ venue: 'coinbase' });

    it('is the free USD after a buy', async () => {
      const { fake, port } = ctx;
      const bought = await port.placeOrder({
        clientOrderId: nextId(),
        pair: fake.pair,
        side: 'buy',
        type: 'market',
        amount: 0.01,
      });
      expect(await port.fetchFreeCollateral(fake.pair)).toBeCloseTo(fake.book.totals.get('USD')!, 6);
      expect(fake.book.totals.get('USD')).toBeCloseTo(
        10_000 - bought.filled * bought.average! - bought.fee,
        6,
      );
    });
  });
});

describe('placeStopOrder', () => {
  describe('kraken', () => {
    const ctx = onFake({ venue: 'kraken' });
    const stop = (pair: string, o: Partial<StopOrderRequest> = {}): StopOrderRequest => ({
      clientOrderId: nextId('stop'),
      pair,
      side: 'sell',
      amount: 5,
      stopPrice: 95.123,
      leverage: 3,
      ...o,
    });

    it('sends ordertype stop-loss, the trigger on the price grid as price, leverage and reduce_only, our cl_ord_id', async () => {
      const { fake, port } = ctx;
      await port.placeOrder(margin(fake.pair));
      const req = stop(fake.pair);
      const placed = await port.placeStopOrder!(req);
      const body = addOrderBodies(fake).at(-1)!;
      expect(body).toMatchObject({
        pair: 'XLTCZUSD',
        type: 'sell',
        ordertype: 'stop-loss',
        price: '95.12',
        volume: '5',
        leverage: '3',
        reduce_only: 'true',
        cl_ord_id: krakenClOrdId(req.clientOrderId),
      });
      expect(body).not.toHaveProperty('price2');
      expect(body).not.toHaveProperty('stopLossPrice');
      expect(placed).toMatchObject({
        clientOrderId: req.clientOrderId,
        pair: fake.pair,
        side: 'sell',
        type: 'stop',
        stopPrice: 95.12,
        status: 'open',
        amount: 5,
        filled: 0,
        leverage: 3,
        reduceOnly: true,
      });
      expect((await port.fetchOpenOrders(fake.pair)).map((o) => [o.id, o.type, o.stopPrice])).toEqual([
        [placed.id, 'stop', 95.12],
      ]);
    });

    it('rounds the trigger to the nearest tick (95.126 -> 95.13), neither always down nor always up', async () => {
      const { fake, port } = ctx;
      await port.placeOrder(margin(fake.pair));
      const placed = await port.placeStopOrder!(stop(fake.pair, { stopPrice: 95.126 }));
      expect(addOrderBodies(fake).at(-1)?.['price']).toBe('95.13');
      expect(placed.stopPrice).toBe(95.13);
    });

    it('is idempotent on the client order id: the second call returns the resting stop, one AddOrder', async () => {
      const { fake, port } = ctx;
      await port.placeOrder(margin(fake.pair));
      const req = stop(fake.pair);
      const first = await port.placeStopOrder!(req);
      const again = await port.placeStopOrder!(req);
      expect(again.id).toBe(first.id);
      expect(addOrderBodies(fake).filter((b) => b['ordertype'] === 'stop-loss')).toHaveLength(1);
    });

    it('reads the triggered stop back as a filled stop, and the position as closed', async () => {
      const { fake, port } = ctx;
      await port.placeOrder(margin(fake.pair));
      const placed = await port.placeStopOrder!(stop(fake.pair, { stopPrice: 95 }));
      fake.setPrice(94);
      const done = await port.fetchOrder(fake.pair, placed.id);
      expect(done).toMatchObject({ type: 'stop', stopPrice: 95, status: 'closed', filled: 5, average: 95 });
      expect(done.fee).toBeCloseTo(5 * 95 * 0.0026, 5);
      expect(await port.fetchPositions(fake.pair)).toEqual([]);
      expect(await port.fetchOpenOrders(fake.pair)).toEqual([]);
    });

    it('places a spot stop (no leverage) without leverage or reduce_only, within the free base balance', async () => {
      const { fake, port } = ctx;
      await port.placeOrder({
        clientOrderId: nextId(),
        pair: fake.pair,
        side: 'buy',
        type: 'market',
        amount: 2,
      });
      const placed = await port.placeStopOrder!(stop(fake.pair, { amount: 2, leverage: undefined }));
      const body = addOrderBodies(fake).at(-1)!;
      expect(body).toMatchObject({ ordertype: 'stop-loss', price: '95.12', volume: '2' });
      expect(body).not.toHaveProperty('leverage');
      expect(body).not.toHaveProperty('reduce_only');
      expect(placed).toMatchObject({ type: 'stop', status: 'open' });
      // More than is held is refused, never trimmed.
      await expectCode(
        port.placeStopOrder!(stop(fake.pair, { amount: 3, leverage: undefined })),
        'EXCHANGE_INSUFFICIENT_FUNDS',
      );
    });

    it('refuses a bad stop before sending it (leverage above the cap, below the minimum, malformed)', async () => {
      const { fake, port } = ctx;
      const sent = count(fake, 'placeOrder');
      await expectCode(port.placeStopOrder!(stop(fake.pair, { leverage: 4 })), 'EXCHANGE_INVALID_ORDER');
      await expectCode(port.placeStopOrder!(stop(fake.pair, { amount: 0.01 })), 'EXCHANGE_INVALID_ORDER');
      await expectCode(
        port.placeStopOrder!(stop(fake.pair, { stopPrice: Number.NaN })),
        'EXCHANGE_INVALID_ORDER',
      );
      expect(count(fake, 'placeOrder')).toBe(sent);
    });

    it('treats a lost answer to a stop as an unknown outcome, never re-sent, found by client order id', async () => {
      const { fake, port } = ctx;
      await port.placeOrder(margin(fake.pair));
      const req = stop(fake.pair);
      fake.inject('placeOrder', { type: 'lost-response' });
      await expectCode(port.placeStopOrder!(req), 'EXCHANGE_UNKNOWN_OUTCOME');
      const found = await port.fetchOrderByClientId(fake.pair, req.clientOrderId);
      expect(found).toMatchObject({ type: 'stop', status: 'open' });
      expect((await port.placeStopOrder!(req)).id).toBe(found?.id);
      expect(fake.ordersWithClientId(krakenClOrdId(req.clientOrderId))).toHaveLength(1);
    });

    it('lists a stop placed by hand among the open orders (the port represents stops)', async () => {
      const { fake, port } = ctx;
      await port.placeOrder(margin(fake.pair));
      const byHand = fake.placeByHand({
        side: 'sell',
        type: 'stop',
        stopPrice: 90,
        amount: 5,
        leverage: 3,
        reduceOnly: true,
      });
      const open = await port.fetchOpenOrders(fake.pair);
      expect(open).toMatchObject([{ id: byHand.id, type: 'stop', stopPrice: 90 }]);
      expect(open[0]?.clientOrderId).toBeUndefined();
    });
  });

  describe('coinbase', () => {
    const ctx = onFake({ venue: 'coinbase' });

    it('has no placeStopOrder at all', () => {
      expect(ctx.port.placeStopOrder).toBeUndefined();
      expect('placeStopOrder' in ctx.port).toBe(false);
    });

    it('leaves a stop-limit placed by hand out of the open orders (the port cannot represent it)', async () => {
      const { fake, port } = ctx;
      fake.book.totals.set('BTC', 0.01);
      fake.placeByHand({ side: 'sell', type: 'stop', stopPrice: 45_000, amount: 0.01 });
      const limit = fake.placeByHand({ side: 'buy', type: 'limit', limitPrice: 40_000, amount: 0.001 });
      expect((await port.fetchOpenOrders(fake.pair)).map((o) => o.id)).toEqual([limit.id]);
    });
  });
});

describe('fetchMyTrades', () => {
  describe('kraken', () => {
    let now = 1_720_000_000_000;
    const ctx = onFake({ venue: 'kraken', now: () => now });

    it("lists the bot's, the hand-placed and the venue's liquidation fills, oldest first, fees in quote", async () => {
      const { fake, port } = ctx;
      now += 1_000;
      const open = await port.placeOrder(margin(fake.pair));
      now += 1_000;
      const byHand = fake.placeByHand({ side: 'buy', type: 'market', amount: 1 });
      now += 1_000;
      const liq = fake.book.liquidate(fake.pair, 80)!;
      const trades = await port.fetchMyTrades(fake.pair, 0);
      expect(trades.map((t) => [t.orderId, t.side, t.amount, t.price, t.liquidation])).toEqual([
        [open.id, 'buy', 5, 100, undefined],
        [byHand.id, 'buy', 1, 100, undefined],
        [liq.id, 'sell', 5, 80, true],
      ]);
      expect(trades[2]?.fee).toBeCloseTo(5 * 80 * 0.0026, 5);
      expect(trades.map((t) => t.timestamp)).toEqual([now - 2_000, now - 1_000, now]);
      expect(new Set(trades.map((t) => t.id)).size).toBe(3);
      // `since` is inclusive, to the millisecond.
      expect((await port.fetchMyTrades(fake.pair, now - 1_000)).map((t) => t.orderId)).toEqual([
        byHand.id,
        liq.id,
      ]);
      expect(await port.fetchMyTrades(fake.pair, now + 1)).toEqual([]);
    });

    it('reads every page of a long history (50 a page) and only the pair asked for', async () => {
      const { fake, port } = ctx;
      const since = now + 1;
      for (let i = 0; i < 120; i++) {
        now += 500;
        fake.placeByHand({ side: i % 2 ? 'sell' : 'buy', type: 'market', amount: 0.1 });
      }
      const before = count(fake, 'trades');
      const trades = await port.fetchMyTrades(fake.pair, since);
      expect(trades).toHaveLength(120);
      expect(count(fake, 'trades') - before).toBe(3);
      const times = trades.map((t) => t.timestamp);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(await port.fetchMyTrades('XRP-USD', since).catch((e: unknown) => e)).toBeInstanceOf(Error);
    });

    it('refuses impossible figures (a negative volume) as a bad response', async () => {
      const { fake, port } = ctx;
      fake.placeByHand({ side: 'buy', type: 'market', amount: 1 });
      fake.inject('trades', { type: 'corrupt' }, 100);
      await expectCode(port.fetchMyTrades(fake.pair, 0), 'EXCHANGE_BAD_RESPONSE');
      fake.clearFaults();
    });
  });

  describe('coinbase', () => {
    let now = 1_720_000_000_000;
    const ctx = onFake({ venue: 'coinbase', now: () => now });

    it("lists the bot's (sized in quote) and hand-placed fills, in base, oldest first", async () => {
      const { fake, port } = ctx;
      now += 1_000;
      const mine = await port.placeOrder({
        clientOrderId: nextId(),
        pair: fake.pair,
        side: 'buy',
        type: 'market',
        amount: 0.01,
      });
      now += 1_000;
      const byHand = fake.placeByHand({ side: 'sell', type: 'market', amount: 0.004 });
      const trades = await port.fetchMyTrades(fake.pair, 0);
      expect(trades).toHaveLength(2);
      expect(trades[0]).toMatchObject({ orderId: mine.id, side: 'buy', timestamp: now - 1_000 });
      expect(trades[0]?.amount).toBeCloseTo(mine.filled, 10);
      expect(trades[0]?.price).toBeCloseTo(mine.average!, 6);
      expect(trades[0]?.fee).toBeCloseTo(mine.fee, 8);
      expect(trades[1]).toMatchObject({ orderId: byHand.id, side: 'sell', amount: 0.004, price: 50_000 });
      expect(trades.every((t) => t.liquidation === undefined)).toBe(true);
      expect((await port.fetchMyTrades(fake.pair, now)).map((t) => t.orderId)).toEqual([byHand.id]);
    });

    it('follows the cursor over every page (250 a page)', async () => {
      const { fake, port } = ctx;
      const since = now + 1;
      fake.book.totals.set('BTC', 10);
      for (let i = 0; i < 260; i++) {
        now += 100;
        fake.placeByHand({ side: 'sell', type: 'market', amount: 0.0001 });
      }
      const before = count(fake, 'trades');
      const trades = await port.fetchMyTrades(fake.pair, since);
      expect(trades).toHaveLength(260);
      expect(count(fake, 'trades') - before).toBe(2);
    });
  });
});

describe('DUALBOT_EXCHANGE_URL: a loopback-only override', () => {
  it.each([
    ['http://127.0.0.1:8123', 'http://127.0.0.1:8123', '127.0.0.1'],
    ['http://localhost:9/', 'http://localhost:9', 'localhost'],
    ['http://[::1]:4000', 'http://[::1]:4000', '[::1]'],
  ])('accepts %s', (value, url, host) => {
    expect(loopbackExchangeUrl({ [EXCHANGE_URL_ENV]: value })).toEqual({ url, host });
  });

  it('is off when unset or blank', () => {
    expect(loopbackExchangeUrl({})).toBeUndefined();
    expect(loopbackExchangeUrl({ [EXCHANGE_URL_ENV]: '  ' })).toBeUndefined();
  });

  it.each([
    'https://api.kraken.com',
    'http://203.0.113.1:9',
    'http://127.0.0.1.example.com:80',
    'http://10.0.0.1',
    'http://user:pw@127.0.0.1:80',
    'ftp://127.0.0.1/',
    'not a url',
  ])('refuses %s, naming the variable', (value) => {
    expect(() => loopbackExchangeUrl({ [EXCHANGE_URL_ENV]: value })).toThrow(/DUALBOT_EXCHANGE_URL/);
  });

  it('forces the URL override and the allowed hosts', () => {
    const forced = withExchangeUrlFromEnv(
      { urlsOverride: 'http://203.0.113.1', allowedHosts: ['203.0.113.1'] },
      { [EXCHANGE_URL_ENV]: 'http://localhost:7' },
    );
    expect(forced).toEqual({ urlsOverride: 'http://localhost:7', allowedHosts: ['localhost'] });
  });

  describe('against a fake', () => {
    let fake: FakeExchange;
    beforeAll(async () => {
      fake = await startFakeExchange({ venue: 'kraken' });
    });
    afterAll(async () => fake.close());

    it('points a live exchange built without overrides at the fake', async () => {
      const port = await createLiveExchange({
        exchange: 'kraken',
        env: { ...fakeCredentials('kraken'), [EXCHANGE_URL_ENV]: fake.url },
        retry: { retries: 0, baseMs: 1, maxMs: 1 },
        timeoutMs: 2_000,
      });
      try {
        const before = fake.requests.length;
        expect((await port.fetchTicker(fake.pair)).last).toBe(100);
        expect(fake.requests.length).toBeGreaterThan(before);
      } finally {
        await port.close();
      }
    });

    it('refuses a non-loopback value before anything is sent', async () => {
      const sent: string[] = [];
      const e = await rejectionOf(
        createLiveExchange({
          exchange: 'kraken',
          env: { ...fakeCredentials('kraken'), [EXCHANGE_URL_ENV]: 'http://203.0.113.1:9' },
          onRequest: (r) => sent.push(r.url),
        }),
      );
      expect(String(e)).toMatch(/DUALBOT_EXCHANGE_URL may only point at a loopback host/);
      expect(sent).toEqual([]);
    });

    it('points public candles at the fake too, and refuses a non-loopback value', async () => {
      const before = fake.requests.filter((r) => r.endpoint === 'ohlc').length;
      const src = await createPublicCandleSource({
        exchange: 'kraken',
        pair: fake.pair,
        timeframe: '1m',
        env: { [EXCHANGE_URL_ENV]: fake.url },
      });
      expect((await src.fetch(undefined, 5)).length).toBeGreaterThan(0);
      expect(fake.requests.filter((r) => r.endpoint === 'ohlc').length).toBe(before + 1);
      await expect(
        createPublicCandleSource({
          exchange: 'kraken',
          pair: fake.pair,
          timeframe: '1m',
          env: { [EXCHANGE_URL_ENV]: 'https://api.kraken.com' },
        }),
      ).rejects.toThrow(/DUALBOT_EXCHANGE_URL/);
    });
  });
});
