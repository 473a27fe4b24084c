/**
 * Kraken adapter over ccxt's `kraken`: spot and margin, long and short, leverage capped at a configured
 * cap of at most 3.
 *
 * Venue facts this relies on (ccxt 4.5.84, `js/src/kraken.js`):
 * - The unified `clientOrderId` param becomes Kraken's `cl_ord_id` on AddOrder, OpenOrders and
 *   ClosedOrders (`orderRequest`, `fetchOpenOrders`, `fetchClosedOrders`), and ccxt's parsed order reports
 *   `cl_ord_id` (or else `userref`) as `clientOrderId`. Kraken accepts a `cl_ord_id` that is a UUID or free
 *   text of at most 18 characters; ours are longer, so the adapter sends {@link krakenClOrdId} (a UUID
 *   derived from our id). Kraken enforces its uniqueness among open orders only, hence our lookup first.
 *   (`fetchOrder` maps `clientOrderId` to `userref` instead; we do not use that.)
 * - `leverage` and `reduce_only` are AddOrder fields: ccxt passes unknown params through and turns
 *   `reduceOnly: true` into `reduce_only=true`. Kraken offers discrete leverage levels per pair and side
 *   (`leverage_buy`/`leverage_sell` in AssetPairs); a margin order carries the leverage as an integer.
 * - `fetchPositions` reads OpenPositions consolidated by market with `docalcs`, so each position carries
 *   `vol`, `vol_closed`, `cost`, `fee`, `leverage` and usually `net` (unrealised P&L); a row without `net`
 *   is a position whose unrealised P&L is not reported (left undefined, never guessed).
 * - An order's `fee` is in the quote currency (Kraken's API), but ccxt labels it with the base currency when
 *   the order's `oflags` hold `fcib`: the adapter takes the raw figure ({@link krakenOrderExtras}).
 * - Orders report their leverage only in `descr.leverage` ("3:1" or "none").
 * - A stop-loss (stop-market) order: `createOrder(symbol, 'market', side, amount, undefined,
 *   { stopLossPrice })` makes `orderRequest` send `ordertype=stop-loss` with `price` = the trigger
 *   (`priceToPrecision`, rounded to the nearest tick); `leverage` and `reduceOnly` go along as for any order.
 *   But `createOrder` then parses AddOrder's answer from its description sentence, and for a leveraged
 *   stop-loss ("sell 5.00000000 LTCUSD @ stop loss 95.00 with 3:1 leverage") it takes the word "leverage"
 *   for a price and throws (`Cannot convert l to a BigInt`) after the order was placed: the kind of failure
 *   ccxt#11367 reported for stop-loss-limit. So {@link createKrakenStop} builds the request with ccxt's
 *   own `orderRequest`, sends it with `privatePostAddOrder` and reads only `txid`. ccxt reads such an order
 *   back (OpenOrders, QueryOrders) as type `market` with `stopLossPrice` (its `parseOrderType` maps
 *   `stop-loss` to `market`): `parse.ts` `portOrderType` makes it the port's `stop`.
 * - Free margin is TradeBalance's `mf` (equity minus the margin used), read through ccxt's implicit
 *   `privatePostTradeBalance` (ccxt's unified balance has no margin figures).
 * - `fetchMyTrades` reads TradesHistory, which has no pair filter, pages 50 trades at a time from the newest
 *   (`ofs`), takes `start` in seconds and exclusive, and reports times as float seconds (ccxt truncates them
 *   to ms). A liquidation's `ordertype` is "liquidation market" (ccxt's trade `type`).
 */
import type { Exchange, MarketInterface as Market, Order, Position, Trade } from 'ccxt';
import { z } from 'zod';
import { DEFAULT_MARGIN_TERMS, FOUR_HOURS_MS } from '../../../core/margin.js';
import { HARD_MAX_LEVERAGE } from '../../../core/risk.js';
import { krakenClOrdId } from '../client-order-id.js';
import { ExchangeError } from '../errors.js';
import type { ExchangePort, OrderRequest } from '../port.js';
import { CcxtPort, type CcxtPortOptions, type VenueSpec } from './adapter.js';
import { type PositionFields, parsePosition, type VenueOrderHints, validate } from './parse.js';

/** The keys of ccxt's `kraken.urls.api`: a URL override must replace every one of them. */
export const KRAKEN_API_URL_KEYS = ['public', 'private', 'zendesk'] as const;

/**
 * Kraken's standard margin costs, for reporting: the opening fee on the notional opened and the rollover
 * fee on the notional every 4 hours the position stays open (the first one 4 hours after opening). Kraken
 * charges 0.01% on some BTC pairs and 0.02% on most; these are the 0.02% rates, the same the paper exchange
 * and backtests charge (`core/margin.ts`).
 */
export const KRAKEN_MARGIN_COSTS = Object.freeze({
  openingFeeRate: DEFAULT_MARGIN_TERMS.openingFeeBps / 10_000,
  rolloverRate: DEFAULT_MARGIN_TERMS.rolloverBps / 10_000,
  rolloverPeriodMs: FOUR_HOURS_MS,
});

/**
 * Returns the margin costs (quote currency) of holding `notional` for `heldMs`: the opening fee plus one
 * rollover per full 4-hour period.
 *
 * @throws RangeError on a negative or non-finite notional or duration.
 */
export function krakenMarginCost(notional: number, heldMs: number): number {
  if (!(notional >= 0) || !Number.isFinite(notional) || !(heldMs >= 0) || !Number.isFinite(heldMs)) {
    throw new RangeError(
      `krakenMarginCost: need finite notional >= 0 and heldMs >= 0, got ${notional}, ${heldMs}`,
    );
  }
  const rollovers = Math.floor(heldMs / KRAKEN_MARGIN_COSTS.rolloverPeriodMs);
  return notional * (KRAKEN_MARGIN_COSTS.openingFeeRate + rollovers * KRAKEN_MARGIN_COSTS.rolloverRate);
}

function leverageLevels(market: Market, side: OrderRequest['side']): number[] {
  const info = (market.info ?? {}) as Record<string, unknown>;
  const raw = info[side === 'buy' ? 'leverage_buy' : 'leverage_sell'];
  return Array.isArray(raw) ? raw.map(Number).filter(Number.isFinite) : [];
}

/** Parses Kraken's `descr.leverage` ("3:1", "3" or "none"). */
function orderLeverage(order: Order): number | undefined {
  const info = (order.info ?? {}) as { descr?: { leverage?: unknown } };
  const raw = info.descr?.leverage;
  if (typeof raw !== 'string' || raw === 'none' || raw === '') return undefined;
  const n = Number(raw.split(':')[0]);
  return Number.isFinite(n) && n > 1 ? n : undefined;
}

/**
 * Kraken's `fee` of an order (a decimal string), which its API reports in the quote currency whatever the
 * order's `oflags` say. ccxt labels it with the base currency when the flags hold `fcib` (fee in base
 * preferred), which would make us convert a quote amount at the price; the raw figure is used instead.
 * Absent when the response carries no fee (AddOrder's); a malformed one is NaN, refused by validation.
 */
function orderFeeQuote(order: Order): number | undefined {
  const info = (order.info ?? {}) as { fee?: unknown };
  if (info.fee === undefined || info.fee === null) return undefined;
  return typeof info.fee === 'string' || typeof info.fee === 'number' ? Number(info.fee) : Number.NaN;
}

/** What Kraken's raw order says that ccxt's unified one lacks or mislabels (see {@link VenueOrderHints}). */
function krakenOrderExtras(order: Order): VenueOrderHints {
  const leverage = orderLeverage(order);
  const feeQuote = orderFeeQuote(order);
  return {
    ...(leverage === undefined ? {} : { leverage }),
    ...(feeQuote === undefined ? {} : { feeQuote }),
  };
}

/** The port's fields of one consolidated OpenPositions entry (numbers left unchecked: parsing checks). */
function positionFields(p: Position): PositionFields {
  const info = (p.info ?? {}) as Record<string, unknown>;
  const vol = Number(info['vol']);
  const cost = Number(info['cost']);
  return {
    symbol: p.symbol,
    side: p.side,
    amount: vol - Number(info['vol_closed'] ?? 0),
    entryPrice: cost / vol,
    leverage: p.leverage ?? Number(info['leverage']),
    // Unknown, not 0, when Kraken leaves `net` out (it is computed only with `docalcs`).
    unrealizedPnl: p.unrealizedPnl ?? (info['net'] == null ? undefined : Number(info['net'])),
    marginCosts: Number(info['fee'] ?? 0),
  };
}

/** TradesHistory's page size. */
const TRADES_PAGE = 50;
/** Pages read before giving up: a bot asks for the trades since its last session, a handful a day. */
const MAX_TRADE_PAGES = 20;

/** TradeBalance's free margin `mf` (a decimal string): a finite number >= 0. */
const tradeBalanceSchema = z.object({
  result: z.object({
    mf: z
      .union([z.string(), z.number()])
      .transform(Number)
      .refine((x) => Number.isFinite(x) && x >= 0, { message: 'must be a finite number >= 0' }),
  }),
});

/** ccxt's implicit TradeBalance call (not in its typings). */
type WithTradeBalance = { privatePostTradeBalance(params: Record<string, unknown>): Promise<unknown> };

/**
 * The account's trades from about `since` on (the caller keeps those at or after it): every page of
 * TradesHistory (all pairs: a pair filter after the fact would hide whether a page was full). `start` is
 * exclusive and in whole seconds, so it is asked 1 s early.
 */
async function krakenTrades(ex: Exchange, since: number): Promise<Trade[]> {
  const out: Trade[] = [];
  for (let page = 0; page < MAX_TRADE_PAGES; page++) {
    const batch = await ex.fetchMyTrades(undefined, Math.max(0, since - 1_000), undefined, {
      ofs: page * TRADES_PAGE,
    });
    out.push(...batch);
    if (batch.length < TRADES_PAGE) return out;
  }
  throw new ExchangeError(
    'EXCHANGE_UNSUPPORTED',
    `kraken fetchMyTrades: more than ${MAX_TRADE_PAGES * TRADES_PAGE} trades since ${since}; ask from a later time`,
  );
}

/** The parts of ccxt's `kraken` that `createOrder` is made of (`orderRequest` is not in `Exchange`'s type). */
interface KrakenInternals {
  orderRequest(
    method: string,
    symbol: string,
    type: string,
    request: Record<string, unknown>,
    amount: number,
    price: number | undefined,
    params: Record<string, unknown>,
  ): [Record<string, unknown>, Record<string, unknown>];
  privatePostAddOrder(params: Record<string, unknown>): Promise<unknown>;
}

/**
 * ccxt's `createOrder` for a stop-loss, without its parsing of the answer (see the module header): the
 * request is the one `createOrder` would send (`orderRequest` with `stopLossPrice`), the answer is read for
 * `result.txid[0]` only.
 */
async function createKrakenStop(
  ex: Exchange,
  symbol: string,
  side: OrderRequest['side'],
  amount: number,
  trigger: string,
  params: Record<string, unknown>,
): Promise<{ id: string | undefined }> {
  const k = ex as unknown as KrakenInternals;
  const request = {
    pair: ex.market(symbol).id,
    type: side,
    ordertype: 'market',
    volume: ex.amountToPrecision(symbol, amount),
  };
  const [req, rest] = k.orderRequest('createOrder', symbol, 'market', request, amount, undefined, {
    ...params,
    stopLossPrice: trigger,
  });
  const answer = (await k.privatePostAddOrder({ ...req, ...rest })) as { result?: { txid?: unknown } };
  const txid = answer?.result?.txid;
  return { id: Array.isArray(txid) && typeof txid[0] === 'string' ? txid[0] : undefined };
}

/** Kraken names a liquidation's execution "liquidation market" (`ordertype`; ccxt's trade `type`). */
function isKrakenLiquidation(t: Trade): boolean {
  const info = (t.info ?? {}) as { ordertype?: unknown; misc?: unknown };
  return [t.type, info.ordertype, info.misc].some((x) => typeof x === 'string' && /liquidat/i.test(x));
}

/** The Kraken venue spec with leverage capped at `leverageCap` (1 ... 3). */
export function krakenSpec(leverageCap: number): VenueSpec {
  if (!(leverageCap >= 1 && leverageCap <= HARD_MAX_LEVERAGE)) {
    throw new RangeError(`kraken: leverage cap must be in [1, ${HARD_MAX_LEVERAGE}], got ${leverageCap}`);
  }
  return {
    id: 'kraken',
    leverageCap,
    exchangeClientId: krakenClOrdId,
    clientIdParams: (exchangeId) => ({ clientOrderId: exchangeId }),
    async findCandidates(ex, symbol, exchangeId) {
      // Sequential: Kraken's private rate limit counts each call.
      const open = await ex.fetchOpenOrders(symbol, undefined, undefined, { clientOrderId: exchangeId });
      const closed = await ex.fetchClosedOrders(symbol, undefined, undefined, { clientOrderId: exchangeId });
      return [...open, ...closed];
    },
    orderExtras: (order) => krakenOrderExtras(order),
    orderParams(req, market) {
      const refuse = (why: string): never => {
        throw new ExchangeError('EXCHANGE_INVALID_ORDER', `kraken placeOrder ${req.clientOrderId}: ${why}`);
      };
      const leverage = req.leverage ?? 1;
      if (leverage > leverageCap) refuse(`leverage ${leverage} above the configured cap ${leverageCap}`);
      if (leverage === 1) {
        if (req.reduceOnly) refuse('reduce-only applies to margin orders (leverage > 1)');
        return { params: {}, cashFunded: true };
      }
      const levels = leverageLevels(market, req.side);
      if (!Number.isInteger(leverage) || !levels.includes(leverage)) {
        refuse(
          `leverage ${leverage} not offered for ${req.side} on ${market.symbol} (levels: ${levels.join(', ')})`,
        );
      }
      const params: Record<string, unknown> = { leverage: String(leverage) };
      if (req.reduceOnly) params['reduceOnly'] = true;
      return { params, cashFunded: false };
    },
    marketBuyParams: () => ({}),
    async fetchPositions(ex, symbol, pair) {
      const positions = await ex.fetchPositions([symbol]);
      return (
        positions
          .filter((p) => p.symbol === symbol)
          .map(positionFields)
          // A fully closed entry is no position; anything else (NaN included) goes to validation.
          .filter((f) => f.amount !== 0)
          .map((f) => parsePosition(f, pair))
      );
    },
    async fetchFreeMargin(ex, market) {
      if (leverageCap === 1) return null; // a spot account
      // Kraken's own id of the quote asset (AssetPairs `quote`, e.g. ZUSD; ccxt's `quoteId` is the altname).
      const asset = ((market.info ?? {}) as { quote?: unknown }).quote;
      const raw = await (ex as unknown as WithTradeBalance).privatePostTradeBalance({
        asset: typeof asset === 'string' ? asset : market.quoteId,
      });
      return validate(tradeBalanceSchema, raw, 'kraken TradeBalance').result.mf;
    },
    createStopOrder: createKrakenStop,
    fetchMyTrades: (ex, _symbol, since) => krakenTrades(ex, since),
    isLiquidation: isKrakenLiquidation,
  };
}

/** Wraps a configured ccxt `kraken` instance (see `factory.ts`, which builds it). */
export function createKrakenPort(ex: Exchange, leverageCap: number, opts: CcxtPortOptions): ExchangePort {
  return new CcxtPort(ex, krakenSpec(leverageCap), opts);
}
