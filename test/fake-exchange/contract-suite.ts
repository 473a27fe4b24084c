/**
 * The exchange port's contract, as one test suite any adapter must pass: the ccxt adapters against the fake
 * exchange now, the paper exchange later. The suite only talks to the port; what it needs from the venue
 * behind it is optional: `setPrice` to move the market, `faults` to corrupt answers and count what the venue
 * accepted (tests that need them are skipped without).
 *
 * Assumptions about the account: it holds enough quote currency for a few orders of about 100 quote each,
 * and the price is such that 100 quote buys several amount steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOrderId } from '../../actors/exchanges/client-order-id.js';
import { type ExchangeErrorCode, isExchangeError } from '../../actors/exchanges/errors.js';
import type { ExchangePort, MarketInfo, OrderRequest } from '../../actors/exchanges/port.js';

/** Endpoints the suite may ask the venue to corrupt (the fake's logical names). */
export type CorruptibleEndpoint = 'fetchOrder' | 'balance' | 'ticker';

export interface ContractFaults {
  /** Makes the next `times` answers of `endpoint` carry impossible figures (negative, NaN). */
  corrupt(endpoint: CorruptibleEndpoint, times: number): void;
  clear(): void;
  /** How many orders the venue accepted with our client order id. */
  acceptedOrders(clientOrderId: string): number;
}

export interface ContractContext {
  readonly port: ExchangePort;
  readonly pair: string;
  readonly setPrice?: (price: number) => void;
  readonly faults?: ContractFaults;
}

/** Resolves with the error `p` rejects with; fails the test if it resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** Asserts that `p` rejects with an ExchangeError of `code` and returns it. */
export async function expectCode(p: Promise<unknown>, code: ExchangeErrorCode): Promise<void> {
  const e = await rejectionOf(p);
  expect(isExchangeError(e), String(e)).toBe(true);
  expect((e as { code: string }).code, String(e)).toBe(code);
}

function floorToStep(x: number, step: number): number {
  return Math.floor(x / step + 1e-9) * step;
}

/**
 * Registers the contract suite for one adapter. `setup` runs once before the suite, `teardown` after.
 */
export function exchangeContractSuite(
  name: string,
  setup: () => Promise<ContractContext>,
  teardown: (ctx: ContractContext) => Promise<void>,
): void {
  describe(`exchange port contract: ${name}`, () => {
    let ctx: ContractContext;
    let market: MarketInfo;
    let seq = 0;
    const id = (action: string) =>
      clientOrderId({ bot: 'contract', decisionTs: 1_700_000_000_000 + ++seq, action });
    /** An amount worth about `quote` in quote currency, on the step. */
    const amountWorth = async (quote: number) => {
      const t = await ctx.port.fetchTicker(ctx.pair);
      return floorToStep(quote / t.ask, market.amountStep);
    };
    const req = (o: Partial<OrderRequest> & Pick<OrderRequest, 'amount' | 'side'>): OrderRequest => ({
      clientOrderId: id(o.side),
      pair: ctx.pair,
      type: 'market',
      ...o,
    });

    beforeAll(async () => {
      ctx = await setup();
      market = await ctx.port.market(ctx.pair);
    });
    afterAll(async () => {
      if (ctx) await teardown(ctx);
    });

    it('describes the market with positive steps and a leverage of at least 1', () => {
      expect(market.pair).toBe(ctx.pair);
      expect(market.amountStep).toBeGreaterThan(0);
      expect(market.priceStep).toBeGreaterThan(0);
      expect(market.maxLeverage).toBeGreaterThanOrEqual(1);
      expect(market.maxLeverage).toBeLessThanOrEqual(3);
    });

    it('reads a ticker with 0 < bid <= ask and a balance in the quote currency', async () => {
      const t = await ctx.port.fetchTicker(ctx.pair);
      expect(t.pair).toBe(ctx.pair);
      expect(t.bid).toBeGreaterThan(0);
      expect(t.bid).toBeLessThanOrEqual(t.ask);
      const b = await ctx.port.fetchBalances();
      expect(b[market.quote]?.free).toBeGreaterThan(0);
    });

    it('places a market buy, then finds it by id and by client order id', async () => {
      const r = req({ side: 'buy', amount: await amountWorth(100) });
      const placed = await ctx.port.placeOrder(r);
      expect(placed).toMatchObject({
        clientOrderId: r.clientOrderId,
        pair: ctx.pair,
        side: 'buy',
        type: 'market',
      });
      expect(placed.status).toBe('closed');
      // A venue may size market buys in quote (Coinbase): the fill is then the quote amount at the fill price.
      expect(placed.filled).toBeLessThanOrEqual(r.amount * 1.001);
      expect(placed.filled).toBeGreaterThanOrEqual(r.amount * 0.999);
      expect(placed.average).toBeGreaterThan(0);
      expect(placed.fee).toBeGreaterThanOrEqual(0);
      const byId = await ctx.port.fetchOrder(ctx.pair, placed.id);
      expect(byId).toMatchObject({ id: placed.id, status: 'closed', filled: placed.filled });
      const byClient = await ctx.port.fetchOrderByClientId(ctx.pair, r.clientOrderId);
      expect(byClient?.id).toBe(placed.id);
      expect(byClient?.clientOrderId).toBe(r.clientOrderId);
    });

    it('returns null for a client order id it never saw', async () => {
      expect(await ctx.port.fetchOrderByClientId(ctx.pair, id('never'))).toBeNull();
    });

    it('places a resting limit order, lists it as open, and cancels it', async ({ skip }) => {
      const t = await ctx.port.fetchTicker(ctx.pair);
      const price = floorToStep(t.bid * 0.5, market.priceStep);
      const r = req({ side: 'buy', type: 'limit', price, amount: await amountWorth(50) });
      const attempt = await ctx.port.placeOrder(r).catch((e: unknown) => e);
      // A venue may fill market orders only (the paper exchange): it says so, and this test does not apply.
      if (isExchangeError(attempt) && attempt.code === 'EXCHANGE_UNSUPPORTED') skip();
      if (attempt instanceof Error) throw attempt;
      const placed = attempt as Awaited<ReturnType<ExchangePort['placeOrder']>>;
      expect(placed).toMatchObject({ status: 'open', type: 'limit', filled: 0 });
      const open = await ctx.port.fetchOpenOrders(ctx.pair);
      expect(open.map((o) => o.id)).toContain(placed.id);
      const canceled = await ctx.port.cancelOrder(ctx.pair, placed.id);
      expect(canceled).toMatchObject({ id: placed.id, status: 'canceled' });
      expect((await ctx.port.fetchOpenOrders(ctx.pair)).map((o) => o.id)).not.toContain(placed.id);
      // Cancelling what is no longer open answers with its state, not an error.
      expect((await ctx.port.cancelOrder(ctx.pair, placed.id)).status).toBe('canceled');
    });

    it('is idempotent: placing the same client order id again returns the same order', async () => {
      const r = req({ side: 'buy', amount: await amountWorth(60) });
      const first = await ctx.port.placeOrder(r);
      const again = await ctx.port.placeOrder(r);
      expect(again.id).toBe(first.id);
      expect(again.filled).toBe(first.filled);
      if (ctx.faults) expect(ctx.faults.acceptedOrders(r.clientOrderId)).toBe(1);
    });

    it('rounds the amount down to the market step', async () => {
      // A market sell: sized in base on every venue (a market buy may be sized in quote).
      const base = await amountWorth(20);
      const r = req({ side: 'sell', amount: base + market.amountStep * 0.73 });
      const placed = await ctx.port.placeOrder(r);
      expect(placed.amount).toBeCloseTo(base, 10);
      expect(placed.amount).toBeLessThanOrEqual(r.amount);
    });

    it('keeps an amount a few ulps below a step (a float sum of fills) at that step, not one step less', async () => {
      const base = await amountWorth(20);
      const r = req({ side: 'sell', amount: base * (1 - Number.EPSILON) });
      expect(r.amount).toBeLessThan(base);
      const placed = await ctx.port.placeOrder(r);
      expect(placed.amount).toBeCloseTo(base, 12);
    });

    it('refuses an order below the minimum size before sending it', async () => {
      const t = await ctx.port.fetchTicker(ctx.pair);
      const byCost = market.minCost !== undefined ? (market.minCost * 0.5) / t.ask : Number.POSITIVE_INFINITY;
      const byAmount = market.minAmount > 0 ? market.minAmount * 0.5 : Number.POSITIVE_INFINITY;
      const tiny = Math.min(byCost, byAmount, market.amountStep * 0.5);
      const r = req({ side: 'buy', amount: tiny });
      await expectCode(ctx.port.placeOrder(r), 'EXCHANGE_INVALID_ORDER');
      expect(await ctx.port.fetchOrderByClientId(ctx.pair, r.clientOrderId)).toBeNull();
      if (ctx.faults) expect(ctx.faults.acceptedOrders(r.clientOrderId)).toBe(0);
    });

    it('refuses a malformed request (NaN, negative amount) before sending it', async () => {
      await expectCode(
        ctx.port.placeOrder(req({ side: 'buy', amount: Number.NaN })),
        'EXCHANGE_INVALID_ORDER',
      );
      await expectCode(ctx.port.placeOrder(req({ side: 'buy', amount: -1 })), 'EXCHANGE_INVALID_ORDER');
    });

    it('never sells more than the free balance of the base currency: caps the sell or refuses it', async () => {
      const held = (await ctx.port.fetchBalances())[market.base]?.free ?? 0;
      expect(held).toBeGreaterThan(0); // bought above
      const r = req({ side: 'sell', amount: held * 10 });
      const outcome = await ctx.port.placeOrder(r).catch((e: unknown) => e);
      if (isExchangeError(outcome)) {
        expect(outcome.code).toBe('EXCHANGE_INSUFFICIENT_FUNDS');
        expect(await ctx.port.fetchOrderByClientId(ctx.pair, r.clientOrderId)).toBeNull();
        return;
      }
      if (outcome instanceof Error) throw outcome;
      const placed = outcome as Awaited<ReturnType<ExchangePort['placeOrder']>>;
      expect(placed.amount).toBeLessThanOrEqual(held + 1e-12);
      expect(placed.amount).toBeCloseTo(floorToStep(held, market.amountStep), 8);
      expect(placed.status).toBe('closed');
      expect((await ctx.port.fetchBalances())[market.base]?.free ?? 0).toBeLessThan(market.amountStep);
    });

    it('follows the price when the venue moves it', async ({ skip }) => {
      if (!ctx.setPrice) skip();
      const before = await ctx.port.fetchTicker(ctx.pair);
      ctx.setPrice!(before.last * 1.1);
      const after = await ctx.port.fetchTicker(ctx.pair);
      expect(after.last).toBeCloseTo(before.last * 1.1, 1);
      ctx.setPrice!(before.last);
    });

    it('rejects impossible figures in an answer (negative filled, NaN balance, negative bid)', async ({
      skip,
    }) => {
      if (!ctx.faults) skip();
      const faults = ctx.faults!;
      const placed = await ctx.port.placeOrder(req({ side: 'buy', amount: await amountWorth(30) }));
      try {
        faults.corrupt('fetchOrder', 100);
        await expectCode(ctx.port.fetchOrder(ctx.pair, placed.id), 'EXCHANGE_BAD_RESPONSE');
        faults.clear();
        faults.corrupt('balance', 100);
        await expectCode(ctx.port.fetchBalances(), 'EXCHANGE_BAD_RESPONSE');
        faults.clear();
        faults.corrupt('ticker', 100);
        await expectCode(ctx.port.fetchTicker(ctx.pair), 'EXCHANGE_BAD_RESPONSE');
      } finally {
        faults.clear();
      }
      // One corrupt answer is retried away (bad responses are retryable).
      faults.corrupt('fetchOrder', 1);
      expect((await ctx.port.fetchOrder(ctx.pair, placed.id)).filled).toBe(placed.filled);
    });
  });
}
