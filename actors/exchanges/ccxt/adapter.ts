/**
 * The part of the live adapters that Coinbase and Kraken share: an {@link ExchangePort} over one ccxt
 * exchange instance, with the venue's differences supplied as a {@link VenueSpec}.
 *
 * What it guarantees:
 * - Reads are retried (`withRetry`, retryable errors only); placing an order never is.
 * - Placing is idempotent on the client order id: the order is looked up first and returned when it exists.
 *   A request that may have reached the exchange without an answer is `EXCHANGE_UNKNOWN_OUTCOME`.
 * - Amounts are rounded down to the market's step (ccxt's `amountToPrecision`, which truncates), capped at
 *   what the free balance pays for (cash-funded orders), and refused below the market's minimum amount or
 *   cost before anything is sent.
 * - Every response goes through `parse.ts` (zod) before it is returned.
 * - ccxt's market cache is reloaded after a failed load: ccxt keeps the rejected promise of a failed
 *   `loadMarkets()` and would hand it back forever.
 *
 * The ccxt instance, which holds the credentials, lives in a private field: it is not enumerable, so
 * logging the adapter cannot print a key.
 */
import type { Exchange, MarketInterface as Market, Order } from 'ccxt';
import { floorToStep } from '../../../core/risk.js';
import { ExchangeError, isExchangeError } from '../errors.js';
import {
  type Balances,
  type ExchangePort,
  type MarginPosition,
  type MarketInfo,
  type OrderRequest,
  type OrderState,
  orderRequestSchema,
  type Ticker,
} from '../port.js';
import { type RetryOptions, withRetry } from '../retry.js';
import { type CallKind, type CcxtErrorClasses, fromCcxtError } from './errors.js';
import {
  type CcxtOrderLike,
  isPortOrderType,
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

  constructor(ex: Exchange, spec: VenueSpec, opts: CcxtPortOptions) {
    this.#ex = ex;
    this.#spec = spec;
    this.#opts = opts;
    this.id = spec.id;
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
      // Orders the port cannot represent (a stop order placed by hand) are not the bot's: skip them.
      return orders.filter((o) => isPortOrderType(o.type)).map((o) => this.#toState(o, pair, market));
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

  async placeOrder(input: OrderRequest): Promise<OrderState> {
    const parsed = orderRequestSchema.safeParse(input);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ExchangeError('EXCHANGE_INVALID_ORDER', `${this.id} placeOrder: invalid request: ${why}`);
    }
    const req = parsed.data;
    const { symbol, market } = await this.#market(req.pair);
    const exchangeId = this.#spec.exchangeClientId(req.clientOrderId);
    this.#remember(exchangeId, { ours: req.clientOrderId });

    // Idempotency: an order with this client id exists already (a retry, a restart): return it.
    const existing = await this.fetchOrderByClientId(req.pair, req.clientOrderId);
    if (existing) return existing;

    const plan = await this.#plan(req, symbol, market);
    this.#remember(exchangeId, { ours: req.clientOrderId, amount: plan.amount });
    const what = `placeOrder ${req.clientOrderId}`;
    const created = await this.#call(what, 'place', () =>
      this.#ex.createOrder(symbol, req.type, req.side, plan.amount, plan.price, {
        ...plan.params,
        ...this.#spec.clientIdParams(exchangeId),
      }),
    );
    const id = created.id;
    if (!id) {
      throw new ExchangeError('EXCHANGE_UNKNOWN_OUTCOME', `${this.id} ${what}: accepted without an order id`);
    }
    // The create answer is thin on both venues (ids and a description); read the order it made.
    try {
      return await this.fetchOrder(req.pair, id);
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
   *   `EXCHANGE_INSUFFICIENT_FUNDS` (the free balance does not pay for the minimum).
   */
  async #plan(
    req: OrderRequest,
    symbol: string,
    market: Market,
  ): Promise<{ amount: number; price: number | undefined; params: Record<string, unknown> }> {
    const refuse = (why: string): never => {
      throw new ExchangeError('EXCHANGE_INVALID_ORDER', `${this.id} placeOrder ${req.clientOrderId}: ${why}`);
    };
    if (req.type === 'limit' && req.price === undefined) refuse('a limit order needs a price');
    if (req.type === 'market' && req.price !== undefined) refuse('a market order takes no price');
    const venue = this.#spec.orderParams(req, market);
    const info = parseMarket(market, this.#spec.leverageCap);

    let price: number;
    if (req.type === 'limit') price = req.price!;
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
      const affordable =
        req.side === 'buy'
          ? (balances[info.quote]?.free ?? 0) / (price * (1 + fee))
          : (balances[info.base]?.free ?? 0);
      if (amount > affordable) {
        amount = this.#floorAmount(symbol, affordable, info.amountStep);
        const why = belowMinimum(amount);
        if (why) {
          throw new ExchangeError(
            'EXCHANGE_INSUFFICIENT_FUNDS',
            `${this.id} placeOrder ${req.clientOrderId}: free balance pays for ${affordable}, ${why}`,
          );
        }
      }
    }
    const params =
      req.type === 'market' && req.side === 'buy'
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
