/**
 * Pure conversions from ccxt's unified structures (order, ticker, balance, position, market) to the port's
 * types, each checked with the port's zod schema. Anything that does not fit (NaN, a negative quantity, a
 * missing price, an unknown status) is `EXCHANGE_BAD_RESPONSE`: the core never sees a number it cannot
 * trust.
 *
 * The input types below are structural and loose on purpose: they describe what ccxt returns without
 * importing ccxt (which must stay lazily loaded), and they let tests feed hand-made structures.
 *
 * Pairs: the port speaks `BASE-QUOTE` (the config's format, e.g. `LTC-USD`), ccxt speaks `BASE/QUOTE`.
 */
import type { z } from 'zod';
import { ExchangeError } from '../errors.js';
import {
  type AccountTrade,
  accountTradeSchema,
  type Balances,
  balancesSchema,
  type MarginPosition,
  type MarketInfo,
  marginPositionSchema,
  marketInfoSchema,
  type OrderState,
  orderStateSchema,
  type Ticker,
  tickerSchema,
} from '../port.js';

/** Converts our `BASE-QUOTE` pair to ccxt's `BASE/QUOTE` symbol (a symbol passes through). */
export function toCcxtSymbol(pair: string): string {
  if (pair.includes('/')) return pair;
  const parts = pair.split('-');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new ExchangeError(
      'EXCHANGE_INVALID_ORDER',
      `pair must look like BASE-QUOTE, got ${JSON.stringify(pair)}`,
    );
  }
  return `${parts[0]}/${parts[1]}`;
}

/** Converts ccxt's `BASE/QUOTE[:SETTLE]` symbol to our `BASE-QUOTE` pair. */
export function fromCcxtSymbol(symbol: string): string {
  const spot = symbol.split(':')[0] ?? symbol;
  return spot.replace('/', '-');
}

/** Throws `EXCHANGE_BAD_RESPONSE` naming the offending fields when `value` does not fit `schema`. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw new ExchangeError('EXCHANGE_BAD_RESPONSE', `${what}: response failed validation: ${issues}`);
}

/** Drops keys whose value is `undefined`, so strict schemas see only what the exchange said. */
function defined<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/**
 * ccxt numbers are `number | undefined`; a string or null from a sloppy parser becomes NaN here so the
 * schema rejects it instead of coercing it.
 */
function num(x: unknown): number | undefined {
  if (x === undefined || x === null) return undefined;
  return typeof x === 'number' ? x : Number.NaN;
}

// ---------------------------------------------------------------- orders

/** The parts of ccxt's unified order that we read. */
export interface CcxtOrderLike {
  readonly id?: string | undefined;
  readonly clientOrderId?: string | undefined;
  readonly symbol?: string | undefined;
  readonly side?: string | undefined;
  readonly type?: string | undefined;
  readonly status?: string | undefined;
  readonly amount?: number | undefined;
  readonly filled?: number | undefined;
  readonly average?: number | undefined;
  readonly price?: number | undefined;
  readonly timestamp?: number | undefined;
  readonly reduceOnly?: boolean | undefined;
  readonly fee?: CcxtFeeLike | undefined;
  readonly fees?: readonly CcxtFeeLike[] | undefined;
  /** Trigger prices of conditional orders (see {@link portOrderType}). */
  readonly stopLossPrice?: number | undefined;
  readonly triggerPrice?: number | undefined;
  readonly takeProfitPrice?: number | undefined;
  readonly info?: unknown;
}

export interface CcxtFeeLike {
  readonly cost?: number | undefined;
  readonly currency?: string | undefined;
}

export interface OrderHints {
  /** Our pair, used when the order does not name its market. */
  readonly pair: string;
  /** Base and quote currency codes of the market, to express fees in quote. */
  readonly base: string;
  readonly quote: string;
  /** When the exchange does not timestamp the order (ms). */
  readonly now: number;
  /** Our client order id, reported instead of the exchange's form of it (Kraken's UUID). */
  readonly clientOrderId?: string | undefined;
  /** Amount to report when the exchange leaves it out (a Coinbase market buy sized in quote). */
  readonly fallbackAmount?: number | undefined;
  /** Venue-specific fields the unified structure lacks (Kraken's leverage). */
  readonly leverage?: number | undefined;
  readonly reduceOnly?: boolean | undefined;
  /**
   * The order's total fee in the quote currency as the venue reports it, used instead of ccxt's fee
   * structures when given (Kraken's `fee` is always in quote, whatever currency ccxt labels it with).
   */
  readonly feeQuote?: number | undefined;
  /**
   * The venue's own final status when it says more than ccxt's unified one (ccxt reports Coinbase's FAILED
   * and EXPIRED as `canceled`); used instead of the unified status when given.
   */
  readonly status?: OrderState['status'] | undefined;
}

/**
 * The hints a venue reads off the raw order (`VenueSpec.orderExtras`): what ccxt's unified order lacks
 * (Kraken's leverage) or says less precisely (Kraken's fee currency, Coinbase's FAILED and EXPIRED).
 */
export type VenueOrderHints = Pick<OrderHints, 'leverage' | 'reduceOnly' | 'feeQuote' | 'status'>;

/**
 * Every status ccxt 4.5.84 can hand us, as it hands them: the unified ones, and the ones its
 * `parseOrderStatus` passes through unmapped.
 * - Kraken maps pending, open, closed, canceled and expired (and its v2 names) to unified statuses.
 * - Coinbase Advanced Trade (`coinbase.js`) maps OPEN, FILLED, CANCELLED, and EXPIRED and FAILED (both to
 *   `canceled`: see {@link OrderHints.status}); it passes PENDING, QUEUED, CANCEL_QUEUED and EDIT_QUEUED
 *   through in upper case. Those orders were accepted and are not final: `open` (a cancel or an edit that is
 *   only queued may still lose to a fill).
 * - Coinbase's UNKNOWN_ORDER_STATUS is left out on purpose: an order whose state the venue itself does not
 *   know is not guessed; it is `EXCHANGE_BAD_RESPONSE`, a read that is retried.
 */
const STATUSES: ReadonlyMap<string, OrderState['status']> = new Map<string, OrderState['status']>([
  ['open', 'open'],
  ['closed', 'closed'],
  ['canceled', 'canceled'],
  ['cancelled', 'canceled'],
  ['rejected', 'rejected'],
  ['expired', 'expired'],
  ['PENDING', 'open'],
  ['QUEUED', 'open'],
  ['CANCEL_QUEUED', 'open'],
  ['EDIT_QUEUED', 'open'],
]);

/**
 * True for the orders the port represents: market, limit and stop-market orders (see
 * {@link portOrderType}); a stop-limit, take-profit or trailing stop placed by hand is not one.
 */
export function isPortOrderType(o: CcxtOrderLike): boolean {
  return portOrderType(o) !== undefined;
}

/**
 * Sums the fees in the quote currency: a fee in base is converted at the average price; a fee in any other
 * currency (Kraken's KFEE credits) is not cash and is left out.
 */
function feeInQuote(o: CcxtOrderLike, hints: OrderHints): number {
  const list = o.fees && o.fees.length > 0 ? o.fees : o.fee ? [o.fee] : [];
  let total = 0;
  for (const f of list) {
    const cost = num(f.cost);
    if (cost === undefined) continue;
    if (f.currency === undefined || f.currency === hints.quote) total += cost;
    else if (f.currency === hints.base) total += cost * (num(o.average) ?? num(o.price) ?? Number.NaN);
  }
  return total;
}

/** Converts a ccxt order to our {@link OrderState}, validated. */
export function parseOrder(o: CcxtOrderLike, hints: OrderHints): OrderState {
  const what = `order ${o.id ?? '(no id)'}`;
  const status = o.status === undefined ? undefined : (hints.status ?? STATUSES.get(o.status));
  if (status === undefined) {
    throw new ExchangeError('EXCHANGE_BAD_RESPONSE', `${what}: unknown status ${JSON.stringify(o.status)}`);
  }
  const filled = num(o.filled) ?? 0;
  let amount = num(o.amount);
  if (amount === undefined || amount === 0) {
    // No base amount (a market buy sized in quote): a finished order's amount is what it filled; an open
    // one's is what we asked for, when we know it.
    if (status !== 'open' && filled > 0) amount = filled;
    else if (hints.fallbackAmount !== undefined) amount = Math.max(hints.fallbackAmount, filled);
    else if (filled > 0) amount = filled;
  }
  const average = num(o.average);
  const kind = portOrderType(o);
  const candidate = defined({
    id: o.id,
    clientOrderId: hints.clientOrderId ?? o.clientOrderId,
    pair: o.symbol ? fromCcxtSymbol(o.symbol) : hints.pair,
    side: o.side,
    // An order the port cannot represent fails validation under its own name rather than pass as another.
    type: kind?.type ?? `unsupported ${o.type}`,
    stopPrice: kind?.stopPrice,
    status,
    amount,
    filled,
    // ccxt reports 0 for "nothing filled yet" on some venues; the port wants it absent then.
    average: average === 0 && filled === 0 ? undefined : average,
    fee: hints.feeQuote ?? feeInQuote(o, hints),
    timestamp: num(o.timestamp) ?? hints.now,
    leverage: hints.leverage,
    reduceOnly: hints.reduceOnly ?? o.reduceOnly,
  });
  const state = validate(orderStateSchema, candidate, what);
  if (state.filled > state.amount * (1 + 1e-9)) {
    throw new ExchangeError(
      'EXCHANGE_BAD_RESPONSE',
      `${what}: filled ${state.filled} exceeds amount ${state.amount}`,
    );
  }
  return state;
}

// ---------------------------------------------------------------- ticker

export interface CcxtTickerLike {
  readonly bid?: number | undefined;
  readonly ask?: number | undefined;
  readonly last?: number | undefined;
  readonly close?: number | undefined;
  readonly timestamp?: number | undefined;
}

/** Converts a ccxt ticker; `now` stands in for a venue that does not timestamp tickers (Kraken). */
export function parseTicker(t: CcxtTickerLike, pair: string, now: number): Ticker {
  const ticker = validate(
    tickerSchema,
    defined({
      pair,
      bid: num(t.bid),
      ask: num(t.ask),
      last: num(t.last) ?? num(t.close),
      timestamp: num(t.timestamp) ?? now,
    }),
    `ticker ${pair}`,
  );
  if (ticker.bid > ticker.ask) {
    throw new ExchangeError(
      'EXCHANGE_BAD_RESPONSE',
      `ticker ${pair}: bid ${ticker.bid} above ask ${ticker.ask}`,
    );
  }
  return ticker;
}

// ---------------------------------------------------------------- balances

const BALANCE_META = new Set(['info', 'timestamp', 'datetime', 'free', 'used', 'total', 'debt']);

/** Converts ccxt's balance structure: one entry per currency code; a currency with no figures is skipped. */
export function parseBalances(b: Readonly<Record<string, unknown>>): Balances {
  const out: Record<string, { free: number | undefined; total: number | undefined }> = {};
  for (const [code, v] of Object.entries(b)) {
    if (BALANCE_META.has(code) || v === null || typeof v !== 'object') continue;
    const acc = v as { free?: unknown; total?: unknown; used?: unknown };
    let free = num(acc.free);
    let total = num(acc.total);
    if (free === undefined && total === undefined) continue;
    // One of the two missing: the other is the best figure there is (no holds known).
    free ??= total;
    total ??= free;
    out[code] = { free, total };
  }
  const balances = validate(balancesSchema, out, 'balances');
  for (const [code, { free, total }] of Object.entries(balances)) {
    if (free > total * (1 + 1e-9) + 1e-12) {
      throw new ExchangeError('EXCHANGE_BAD_RESPONSE', `balances: ${code} free ${free} above total ${total}`);
    }
  }
  return balances;
}

// ---------------------------------------------------------------- positions

/** A margin position as the adapter has gathered it from ccxt's unified position and the venue's raw data. */
export interface PositionFields {
  readonly symbol?: string | undefined;
  readonly side?: string | undefined;
  readonly amount?: number | undefined;
  readonly entryPrice?: number | undefined;
  readonly leverage?: number | undefined;
  readonly unrealizedPnl?: number | undefined;
  readonly marginCosts?: number | undefined;
}

/** Converts one margin position, validated. */
export function parsePosition(p: PositionFields, pair: string): MarginPosition {
  return validate(
    marginPositionSchema,
    defined({
      pair: p.symbol ? fromCcxtSymbol(p.symbol) : pair,
      side: p.side,
      amount: num(p.amount),
      entryPrice: num(p.entryPrice),
      leverage: num(p.leverage),
      unrealizedPnl: num(p.unrealizedPnl),
      marginCosts: num(p.marginCosts),
    }),
    `position ${pair}`,
  );
}

// ---------------------------------------------------------------- markets

/** The parts of ccxt's unified market that we read (precision in TICK_SIZE mode: a step, not decimals). */
export interface CcxtMarketLike {
  readonly symbol?: string | undefined;
  readonly base?: string | undefined;
  readonly quote?: string | undefined;
  readonly precision?:
    | { readonly amount?: number | undefined; readonly price?: number | undefined }
    | undefined;
  readonly limits?:
    | {
        readonly amount?: { readonly min?: number | undefined } | undefined;
        readonly cost?: { readonly min?: number | undefined } | undefined;
        readonly leverage?: { readonly max?: number | undefined } | undefined;
      }
    | undefined;
}

/**
 * Converts a market; `leverageCap` is the most leverage we allow on it (1 for spot), reported as
 * `maxLeverage` when the exchange allows more.
 */
export function parseMarket(m: CcxtMarketLike, leverageCap: number): MarketInfo {
  const symbol = m.symbol ?? '(unknown)';
  const exchangeMax = num(m.limits?.leverage?.max) ?? 1;
  return validate(
    marketInfoSchema,
    defined({
      pair: fromCcxtSymbol(symbol),
      base: m.base,
      quote: m.quote,
      amountStep: num(m.precision?.amount),
      priceStep: num(m.precision?.price),
      minAmount: num(m.limits?.amount?.min) ?? 0,
      minCost: num(m.limits?.cost?.min),
      maxLeverage: Math.min(Math.max(exchangeMax, 1), leverageCap),
    }),
    `market ${symbol}`,
  );
}

// ---------------------------------------------------------------- order types and trades

/**
 * The port's type of a ccxt order, with the trigger of a stop; undefined for what the port does not
 * represent. ccxt 4.5.84 reports Kraken's `stop-loss` as type `market` with `stopLossPrice` (and
 * `triggerPrice`, from the order's description) set to the trigger (`kraken.js` `parseOrderType`,
 * `parseOrder`), so a market order with a stop-loss or trigger price is a stop-market order. A `limit` with a
 * trigger is a stop-limit (Kraken `stop-loss-limit`, Coinbase `STOP_LIMIT`), and a take-profit is not a
 * protective stop: neither is the port's.
 */
export function portOrderType(
  o: CcxtOrderLike,
): { type: OrderState['type']; stopPrice?: number | undefined } | undefined {
  if (num(o.takeProfitPrice) !== undefined) return undefined;
  const trigger = num(o.stopLossPrice) ?? num(o.triggerPrice);
  if (trigger === undefined) return o.type === 'market' || o.type === 'limit' ? { type: o.type } : undefined;
  return o.type === 'market' || o.type === 'stop' || o.type === 'stop-loss'
    ? { type: 'stop', stopPrice: trigger }
    : undefined;
}

/** The parts of ccxt's unified trade that we read. */
export interface CcxtTradeLike {
  readonly id?: string | undefined;
  readonly order?: string | undefined;
  readonly symbol?: string | undefined;
  readonly side?: string | undefined;
  readonly amount?: number | undefined;
  readonly price?: number | undefined;
  readonly timestamp?: number | undefined;
  readonly fee?: CcxtFeeLike | undefined;
  readonly fees?: readonly CcxtFeeLike[] | undefined;
}

/** What the venue says about a trade beyond ccxt's unified structure. */
export interface TradeHints {
  /** Our pair, used when the trade does not name its market. */
  readonly pair: string;
  readonly base: string;
  readonly quote: string;
  /** The venue marks the trade as a liquidation (Kraken: `ordertype` "liquidation market"). */
  readonly liquidation: boolean;
}

/**
 * Converts a ccxt trade to our {@link AccountTrade}, validated. The fee is in quote: a fee in base is
 * converted at the trade's price; a fee in any other currency (Kraken's KFEE credits) is not cash and is
 * left out.
 */
export function parseAccountTrade(t: CcxtTradeLike, hints: TradeHints): AccountTrade {
  const what = `trade ${t.id ?? '(no id)'}`;
  const price = num(t.price);
  const list = t.fees && t.fees.length > 0 ? t.fees : t.fee ? [t.fee] : [];
  let fee = 0;
  for (const f of list) {
    const cost = num(f.cost);
    if (cost === undefined) continue;
    if (f.currency === undefined || f.currency === hints.quote) fee += cost;
    else if (f.currency === hints.base) fee += cost * (price ?? Number.NaN);
  }
  return validate(
    accountTradeSchema,
    defined({
      id: t.id,
      orderId: t.order,
      pair: t.symbol ? fromCcxtSymbol(t.symbol) : hints.pair,
      side: t.side,
      amount: num(t.amount),
      price,
      fee,
      timestamp: num(t.timestamp),
      liquidation: hints.liquidation ? true : undefined,
    }),
    what,
  );
}
