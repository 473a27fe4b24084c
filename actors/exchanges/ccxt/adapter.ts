/**
 * The part of the live adapters that Coinbase and Kraken share: an {@link ExchangePort} over one ccxt
 * exchange instance, with the venue's differences supplied as a {@link VenueSpec}.
 *
 * What it guarantees:
 * - Reads are retried (`withRetry`, retryable errors only); placing an order never is.
 * - Placing (orders and protective stops) is idempotent on the client order id: the order is looked up first
 *   and returned when it exists. A request that may have reached the exchange without an answer is
 *   `EXCHANGE_UNKNOWN_OUTCOME`.
 * - Amounts are rounded down to the market's step (ccxt's `amountToPrecision`, which truncates) and refused
 *   below the market's minimum amount or cost before anything is sent. A cash-funded order is never trimmed
 *   to fit the free balance: one larger than the free balance pays for, beyond a tolerance of one amount
 *   step (or 1e-6 of the amount, whichever is larger), is refused with `EXCHANGE_INSUFFICIENT_FUNDS`; only a
 *   shortfall within the tolerance (float noise, a fee rounding) is floored to what is free.
 * - `placeStopOrder` exists only on a venue whose spec says how to place a stop-market order (Kraken);
 *   on the others the port has no such method.
 * - Every response goes through `parse.ts` (zod) before it is returned.
 * - ccxt's market cache is reloaded after a failed load: ccxt keeps the rejected promise of a failed
 *   `loadMarkets()` and would hand it back forever.
 *
 * The ccxt instance, which holds the credentials, lives in a private field: it is not enumerable, so
 * logging the adapter cannot print a key.
 */

import type { Exchange, MarketInterface as Market, Order, Trade } from 'ccxt';
import type { z } from 'zod';
import { floorToStep } from '../../../core/risk.js';
import { ExchangeError, isExchangeError } from '../errors.js';
import {
  type AccountTrade,
  type Balances,
  type ExchangePort,
  type MarginPosition,
  type MarketInfo,
  type OrderRequest,
  type OrderState,
  orderRequestSchema,
  type StopOrderRequest,
  stopOrderRequestSchema,
  type Ticker,
} from '../port.js';
import { type RetryOptions, withRetry } from '../retry.js';
import { type CallKind, type CcxtErrorClasses, fromCcxtError } from './errors.js';
import {
  type CcxtOrderLike,
  isPortOrderType,
  parseAccountTrade,
  parseBalances,
  parseMarket,
  parseOrder,
  parseTicker,
  toCcxtSymbol,
} from './parse.js';

/** Venue-specific behaviour plugged into {@link CcxtPort}. */
export interface VenueSpec {
  readonly id: 'coinbase' | 'kraken';
  /** Most leverage we allow on this venue (1: spot only). */
  readonly leverageCap: number;
  /** The form of our client order id the exchange stores (Kraken: a UUID). */
  exchangeClientId(ours: string): string;
  /** ccxt `createOrder` params that carry the exchange-side client order id. */
  clientIdParams(exchangeId: string): Record<string, unknown>;
  /** Orders (open and recent closed) that may carry `exchangeId`; one attempt, the caller retries. */
  findCandidates(ex: Exchange, symbol: string, exchangeId: string): Promise<Order[]>;
  /** Fields the unified order lacks (Kraken's leverage). */
  orderExtras(order: Order): { leverage?: number; reduceOnly?: boolean };
  /**
   * Checks what only the venue knows (leverage, reduce-only) and returns the ccxt params for them, and
   * whether the order is paid from the free balance (spot) rather than margin.
   *
   * @throws ExchangeError `EXCHANGE_INVALID_ORDER`.
   */
  orderParams(req: OrderRequest, market: Market): { params: Record<string, unknown>; cashFunded: boolean };
  /** Extra params of a market buy of `amount` at about `price` (Coinbase sizes market buys in quote). */
  marketBuyParams(amount: number, price: number): Record<string, unknown>;
  /** The venue's margin positions on `symbol`; one attempt, the caller retries. */
  fetchPositions(ex: Exchange, symbol: string, pair: string): Promise<MarginPosition[]>;
  /**
   * The free margin (quote) of a margin account (Kraken: TradeBalance `mf`), validated; null for a spot
   * account, whose collateral is its free quote balance. One attempt, the caller retries.
   *
   * @throws ExchangeError `EXCHANGE_BAD_RESPONSE` when the figure is not a finite number >= 0.
   */
  fetchFreeMargin(ex: Exchange, market: Market): Promise<number | null>;
  /**
   * Sends a stop-market order of `amount` triggered at `trigger` (a price already on the market's grid),
   * with `params` (`orderParams`' and the client id's), and returns the venue's order id (undefined when the
   * answer names none). Sent once, never retried. Absent where the port places no stops: the port then has
   * no `placeStopOrder`.
   */
  createStopOrder?(
    ex: Exchange,
    symbol: string,
    side: OrderRequest['side'],
    amount: number,
    trigger: string,
    params: Record<string, unknown>,
  ): Promise<{ id: string | undefined }>;
  /**
   * The account's trades that may be on `symbol` and at or after `since` (ms), every page (the caller keeps
   * those on the symbol, at or after `since`); one attempt, the caller retries.
   */
  fetchMyTrades(ex: Exchange, symbol: string, since: number): Promise<Trade[]>;
  /** True when the venue marks the trade as a liquidation. */
  isLiquidation(trade: Trade): boolean;
}

export interface CcxtPortOptions {
  readonly retry: RetryOptions;
  readonly classes: CcxtErrorClasses;
  /** Credentials, scrubbed from every error message. */
  readonly secrets: readonly string[];
  readonly now: () => number;
}

/** What we remember about orders this process placed, by exchange-side client order id. */
interface Remembered {
  readonly ours: string;
  readonly amount?: number;
}

/** Bounded: a bot places a handful of orders a day; the memory only maps ids back for reporting. */
const MEMORY_LIMIT = 1_000;
/** Taker fee assumed for the cash check when the market does not say (Coinbase's highest tier). */
const DEFAULT_TAKER_FEE = 0.012;
/** The cash check's tolerance relative to the amount (beside one amount step): float noise, not a trim. */
const FUNDS_TOLERANCE_RELATIVE = 1e-6;

/** How `#plan` sizes an order: its name in messages, and the price a stop is checked at. */
interface PlanOptions {
  readonly what: string;
  /** A stop's trigger: the price its cost and minimums are checked at (instead of the ticker). */
  readonly stopPrice?: number;
}

export class CcxtPort implements ExchangePort {
  readonly live = true;
  readonly id: string;
  readonly #ex: Exchange;
  readonly #spec: VenueSpec;
  readonly #opts: CcxtPortOptions;
  readonly #memory = new Map<string, Remembered>();
  #marketsReady = false;
  #reloadMarkets = false;
  #closed = false;
  /** Defined per instance, only when the venue spec can place stops (`declare`: no own property otherwise). */
  declare readonly placeStopOrder?: (req: StopOrderRequest) => Promise<OrderState>;

  constructor(ex: Exchange, spec: VenueSpec, opts: CcxtPortOptions) {
    this.#ex = ex;
    this.#spec = spec;
    this.#opts = opts;
    this.id = spec.id;
    const createStop = spec.createStopOrder?.bind(spec);
    if (createStop) this.placeStopOrder = (req) => this.#placeStop(req, createStop);
  }

  // ------------------------------------------------------------ plumbing

  /** Runs one ccxt call, mapping whatever it throws. */
  async #call<T>(what: string, kind: CallKind, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new ExchangeError('EXCHANGE_UNSUPPORTED', `${this.id}: adapter is closed`);
    try {
      return await fn();
    } catch (e) {
      throw fromCcxtError(e, {
        call: kind,
        exchange: this.id,
        what,
        classes: this.#opts.classes,
        secrets: this.#opts.secrets,
      });
    }
  }

  /** A read: one ccxt call (plus parsing) retried on retryable errors. */
  #read<T>(what: string, kind: CallKind, fn: () => Promise<T>): Promise<T> {
    return withRetry(() => this.#call(what, kind, fn), this.#opts.retry);
  }

  async #ensureMarkets(): Promise<void> {
    if (this.#marketsReady) return;
    await this.#read('loadMarkets', 'read', async () => {
      try {
        await this.#ex.loadMarkets(this.#reloadMarkets);
      } catch (e) {
        this.#reloadMarkets = true;
        throw e;
      }
    });
    this.#marketsReady = true;
    this.#reloadMarkets = false;
  }

  async #market(pair: string): Promise<{ symbol: string; market: Market }> {
    await this.#ensureMarkets();
    const symbol = toCcxtSymbol(pair);
    const market = await this.#call(`market ${pair}`, 'read', async () => this.#ex.market(symbol));
    return { symbol, market };
  }

  #remember(exchangeId: string, entry: Remembered): void {
    if (this.#memory.size >= MEMORY_LIMIT) {
      const oldest = this.#memory.keys().next().value;
      if (oldest !== undefined) this.#memory.delete(oldest);
    }
    this.#memory.set(exchangeId, entry);
  }

  #toState(o: Order, pair: string, market: Market, ours?: string): OrderState {
    const mem = o.clientOrderId ? this.#memory.get(o.clientOrderId) : undefined;
    return parseOrder(o as CcxtOrderLike, {
      pair,
      base: market.base,
      quote: market.quote,
      now: this.#opts.now(),
      clientOrderId: ours ?? mem?.ours,
      fallbackAmount: mem?.amount,
      ...this.#spec.orderExtras(o),
    });
  }

  /**
   * ccxt's truncation to the market's amount step, as a number; 0 when nothing is left. An amount a few ulps
   * below a step (a float sum of partial fills: 0.7 + 0.1 is 0.7999999999999999) is that step first, or the
   * truncation would leave one step of the position open on the venue.
   */
  #floorAmount(symbol: string, amount: number, step: number): number {
    if (!(amount > 0)) return 0;
    try {
      return Number(this.#ex.amountToPrecision(symbol, floorToStep(amount, step)));
    } catch {
      // ccxt throws InvalidOrder when the amount truncates to zero.
      return 0;
    }
  }

  // ------------------------------------------------------------ reads

  async market(pair: string): Promise<MarketInfo> {
    const { market } = await this.#market(pair);
    return parseMarket(market, this.#spec.leverageCap);
  }

  async fetchTicker(pair: string): Promise<Ticker> {
    const { symbol } = await this.#market(pair);
    return this.#read(`fetchTicker ${pair}`, 'read', async () =>
      parseTicker(await this.#ex.fetchTicker(symbol), pair, this.#opts.now()),
    );
  }

  async fetchBalances(): Promise<Balances> {
    await this.#ensureMarkets();
    return this.#read('fetchBalances', 'read', async () =>
      parseBalances((await this.#ex.fetchBalance()) as unknown as Record<string, unknown>),
    );
  }

  async fetchPositions(pair: string): Promise<MarginPosition[]> {
    const { symbol } = await this.#market(pair);
    return this.#read(`fetchPositions ${pair}`, 'read', () =>
      this.#spec.fetchPositions(this.#ex, symbol, pair),
    );
  }

  async fetchOrder(pair: string, id: string): Promise<OrderState> {
    const { symbol, market } = await this.#market(pair);
    return this.#read(`fetchOrder ${id}`, 'order', async () =>
      this.#toState(await this.#ex.fetchOrder(id, symbol), pair, market),
    );
  }

  async fetchOrderByClientId(pair: string, clientOrderId: string): Promise<OrderState | null> {
    const { symbol, market } = await this.#market(pair);
    const exchangeId = this.#spec.exchangeClientId(clientOrderId);
    return this.#read(`fetchOrderByClientId ${clientOrderId}`, 'read', async () => {
      const candidates = await this.#spec.findCandidates(this.#ex, symbol, exchangeId);
      const matches = candidates.filter((o) => o.clientOrderId === exchangeId);
      if (matches.length === 0) return null;
      // Two orders with one client id should not exist; if they do, the first placed is the one we meant.
      matches.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
      return this.#toState(matches[0]!, pair, market, clientOrderId);
    });
  }

  async fetchOpenOrders(pair: string): Promise<OrderState[]> {
    const { symbol, market } = await this.#market(pair);
    return this.#read(`fetchOpenOrders ${pair}`, 'read', async () => {
      const orders = await this.#ex.fetchOpenOrders(symbol);
      // Orders the port cannot represent (a stop-limit or take-profit placed by hand) are not the bot's.
      return orders
        .filter((o) => isPortOrderType(o as CcxtOrderLike))
        .map((o) => this.#toState(o, pair, market));
    });
  }

  async fetchFreeCollateral(pair: string): Promise<number> {
    const { market } = await this.#market(pair);
    const margin = await this.#read(`fetchFreeCollateral ${pair}`, 'read', () =>
      this.#spec.fetchFreeMargin(this.#ex, market),
    );
    if (margin !== null) return margin;
    return (await this.fetchBalances())[market.quote]?.free ?? 0;
  }

  async fetchMyTrades(pair: string, since: number): Promise<AccountTrade[]> {
    if (!(Number.isFinite(since) && since >= 0)) {
      throw new RangeError(`${this.id} fetchMyTrades: since must be a time in ms >= 0, got ${since}`);
    }
    const { symbol, market } = await this.#market(pair);
    return this.#read(`fetchMyTrades ${pair}`, 'read', async () => {
      const trades = await this.#spec.fetchMyTrades(this.#ex, symbol, since);
      const byId = new Map<string, AccountTrade>();
      for (const t of trades) {
        if (t.symbol !== symbol) continue;
        const parsed = parseAccountTrade(t, {
          pair,
          base: market.base,
          quote: market.quote,
          liquidation: this.#spec.isLiquidation(t),
        });
        // Pages of a list that grew while it was read may overlap: one entry per trade id.
        if (parsed.timestamp >= since) byId.set(parsed.id, parsed);
      }
      return [...byId.values()].sort((a, b) => a.timestamp - b.timestamp);
    });
  }

  /**
   * Cancels an open order and returns its state afterwards. Cancelling is retried like a read (cancelling
   * twice is harmless); an order that is no longer open is returned as it is rather than as an error.
   */
  async cancelOrder(pair: string, id: string): Promise<OrderState> {
    const { symbol } = await this.#market(pair);
    try {
      await this.#read(`cancelOrder ${id}`, 'order', () => this.#ex.cancelOrder(id, symbol));
    } catch (e) {
      const gone =
        isExchangeError(e) && (e.code === 'EXCHANGE_ORDER_NOT_FOUND' || e.code === 'EXCHANGE_INVALID_ORDER');
      if (!gone) throw e;
      const state = await this.fetchOrder(pair, id);
      if (state.status !== 'open') return state;
      throw e;
    }
    return this.fetchOrder(pair, id);
  }

  // ------------------------------------------------------------ placing

  /** Validates a request to place; a bad one is `EXCHANGE_INVALID_ORDER` naming every field at fault. */
  #request<T>(schema: z.ZodType<T>, input: unknown, call: string): T {
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data;
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ExchangeError('EXCHANGE_INVALID_ORDER', `${this.id} ${call}: invalid request: ${why}`);
  }

  async placeOrder(input: OrderRequest): Promise<OrderState> {
    const req = this.#request(orderRequestSchema, input, 'placeOrder');
    const what = `placeOrder ${req.clientOrderId}`;
    const { symbol, market } = await this.#market(req.pair);
    return this.#placeOnce(req.pair, req.clientOrderId, what, async () => {
      const plan = await this.#plan(req, symbol, market, { what });
      return {
        amount: plan.amount,
        create: (clientIdParams) =>
          this.#ex.createOrder(symbol, req.type, req.side, plan.amount, plan.price, {
            ...plan.params,
            ...clientIdParams,
          }),
      };
    });
  }

  /**
   * Places a protective stop-market order: the trigger goes to the market's price grid (ccxt's
   * `priceToPrecision`, which rounds to the nearest step), the amount is sized and checked like an order's,
   * and a margin stop is a reduce-only order at the position's leverage (Kraken closes a margin position
   * only with a leveraged order). Never retried; idempotent on the client order id.
   */
  async #placeStop(
    input: StopOrderRequest,
    createStop: NonNullable<VenueSpec['createStopOrder']>,
  ): Promise<OrderState> {
    const req = this.#request(stopOrderRequestSchema, input, 'placeStopOrder');
    const what = `placeStopOrder ${req.clientOrderId}`;
    const { symbol, market } = await this.#market(req.pair);
    // Nearest, neither up nor down: the trigger is a level the risk rules computed (and the paper exchange
    // and backtests check exactly), so the venue's should be the closest one it accepts, within half a
    // tick. Rounding toward the market would tighten the stop (a sell stop rounded up fires earlier, on
    // noise a tick away from the level); rounding away would loosen it and let the loss run a tick past
    // the limit. ccxt rounds the same way again when it builds the request, so this is what the venue gets.
    let trigger: string | undefined;
    try {
      trigger = this.#ex.priceToPrecision(symbol, req.stopPrice);
    } catch {
      // ccxt throws InvalidOrder when the price rounds to zero.
    }
    if (!trigger || !(Number(trigger) > 0)) {
      throw new ExchangeError(
        'EXCHANGE_INVALID_ORDER',
        `${this.id} ${what}: trigger ${req.stopPrice} rounds to nothing at the market's price step`,
      );
    }
    const triggerAt = trigger;
    const leverage = req.leverage ?? 1;
    const order: OrderRequest = {
      clientOrderId: req.clientOrderId,
      pair: req.pair,
      side: req.side,
      type: 'market',
      amount: req.amount,
      ...(leverage > 1 ? { leverage, reduceOnly: true } : {}),
    };
    return this.#placeOnce(req.pair, req.clientOrderId, what, async () => {
      const plan = await this.#plan(order, symbol, market, { what, stopPrice: Number(triggerAt) });
      return {
        amount: plan.amount,
        create: (clientIdParams) =>
          createStop(this.#ex, symbol, req.side, plan.amount, triggerAt, {
            ...plan.params,
            ...clientIdParams,
          }),
      };
    });
  }

  /**
   * The placing protocol shared by orders and stops: look the client order id up first (a retry, a
   * restart: return what exists), size the order (`prepare`), send it once, then read the order it made.
   */
  async #placeOnce(
    pair: string,
    ours: string,
    what: string,
    prepare: () => Promise<{
      amount: number;
      /** Sends the order once; what it answers with is only read for the order id. */
      create: (clientIdParams: Record<string, unknown>) => Promise<{ id?: string | undefined }>;
    }>,
  ): Promise<OrderState> {
    const exchangeId = this.#spec.exchangeClientId(ours);
    this.#remember(exchangeId, { ours });

    // Idempotency: an order with this client id exists already (a retry, a restart): return it.
    const existing = await this.fetchOrderByClientId(pair, ours);
    if (existing) return existing;

    const plan = await prepare();
    this.#remember(exchangeId, { ours, amount: plan.amount });
    const created = await this.#call(what, 'place', () => plan.create(this.#spec.clientIdParams(exchangeId)));
    const id = created.id;
    if (!id) {
      throw new ExchangeError('EXCHANGE_UNKNOWN_OUTCOME', `${this.id} ${what}: accepted without an order id`);
    }
    // The create answer is thin on both venues (ids and a description); read the order it made.
    try {
      return await this.fetchOrder(pair, id);
    } catch (e) {
      throw new ExchangeError(
        'EXCHANGE_UNKNOWN_OUTCOME',
        `${this.id} ${what}: placed as ${id} but its state could not be read; look it up by client order id`,
        { cause: e },
      );
    }
  }

  /**
   * Rounds, checks and sizes an order before it is sent.
   *
   * @throws ExchangeError `EXCHANGE_INVALID_ORDER` (below minimum, bad leverage, limit without price) or
   *   `EXCHANGE_INSUFFICIENT_FUNDS` (a cash-funded order the free balance does not pay for, beyond the
   *   tolerance; or, floored within it, no longer the minimum).
   */
  async #plan(
    req: OrderRequest,
    symbol: string,
    market: Market,
    opts: PlanOptions,
  ): Promise<{ amount: number; price: number | undefined; params: Record<string, unknown> }> {
    const refuse = (why: string): never => {
      throw new ExchangeError('EXCHANGE_INVALID_ORDER', `${this.id} ${opts.what}: ${why}`);
    };
    const short = (why: string): never => {
      throw new ExchangeError('EXCHANGE_INSUFFICIENT_FUNDS', `${this.id} ${opts.what}: ${why}`);
    };
    if (req.type === 'limit' && req.price === undefined) refuse('a limit order needs a price');
    if (req.type === 'market' && req.price !== undefined) refuse('a market order takes no price');
    const venue = this.#spec.orderParams(req, market);
    const info = parseMarket(market, this.#spec.leverageCap);

    let price: number;
    if (opts.stopPrice !== undefined) price = opts.stopPrice;
    else if (req.type === 'limit') price = req.price!;
    else {
      const t = await this.fetchTicker(req.pair);
      price = req.side === 'buy' ? t.ask : t.bid;
    }
    const belowMinimum = (amount: number): string | null => {
      if (amount <= 0) return `amount rounds to 0 at step ${info.amountStep}`;
      if (amount < info.minAmount) return `amount ${amount} below the minimum ${info.minAmount}`;
      if (info.minCost !== undefined && amount * price < info.minCost) {
        return `cost ${amount * price} below the minimum ${info.minCost}`;
      }
      return null;
    };

    let amount = this.#floorAmount(symbol, req.amount, info.amountStep);
    const tooSmall = belowMinimum(amount);
    if (tooSmall) refuse(`${tooSmall} (requested ${req.amount})`);

    if (venue.cashFunded) {
      const balances = await this.fetchBalances();
      const fee = typeof market.taker === 'number' ? market.taker : DEFAULT_TAKER_FEE;
      const currency = req.side === 'buy' ? info.quote : info.base;
      const free = balances[currency]?.free ?? 0;
      const affordable = req.side === 'buy' ? free / (price * (1 + fee)) : free;
      if (amount > affordable) {
        // Never trimmed to fit: an order the bot sized is sent as sized or refused. Only a shortfall within
        // the tolerance (float noise, a fee rounding) is floored to what is free.
        const tolerance = Math.max(info.amountStep, amount * FUNDS_TOLERANCE_RELATIVE);
        const asked = `asked for ${amount} ${info.base} (requested ${req.amount})`;
        const pays = `${free} ${currency} free pays for ${affordable} ${info.base}`;
        if (amount - affordable > tolerance) short(`${asked}, but ${pays}`);
        amount = this.#floorAmount(symbol, affordable, info.amountStep);
        const why = belowMinimum(amount);
        if (why) short(`${asked}, ${pays}: ${why}`);
      }
    }
    const params =
      req.type === 'market' && req.side === 'buy' && opts.stopPrice === undefined
        ? { ...venue.params, ...this.#spec.marketBuyParams(amount, price) }
        : venue.params;
    return { amount, price: req.type === 'limit' ? price : undefined, params };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ex.close();
    // ccxt keeps an undici Agent with keep-alive sockets; close() leaves it open.
    const dispatcher = (this.#ex as unknown as { fetchDispatcher?: { destroy?: () => Promise<void> } })
      .fetchDispatcher;
    await dispatcher?.destroy?.().catch(() => undefined);
  }
}
