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
}

const STATUSES: Readonly<Record<string, OrderState['status']>> = {
  open: 'open',
  closed: 'closed',
  canceled: 'canceled',
  cancelled: 'canceled',
  rejected: 'rejected',
  expired: 'expired',
};

/** True for the order types the port represents (a manual stop order on the account is not one). */
export function isPortOrderType(type: string | undefined): boolean {
  return type === 'market' || type === 'limit';
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
  const status = o.status === undefined ? undefined : STATUSES[o.status];
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
  const candidate = defined({
    id: o.id,
    clientOrderId: hints.clientOrderId ?? o.clientOrderId,
    pair: o.symbol ? fromCcxtSymbol(o.symbol) : hints.pair,
    side: o.side,
    type: o.type,
    status,
    amount,
    filled,
    // ccxt reports 0 for "nothing filled yet" on some venues; the port wants it absent then.
    average: average === 0 && filled === 0 ? undefined : average,
    fee: feeInQuote(o, hints),
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
