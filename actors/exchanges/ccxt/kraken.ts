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
 *   `vol`, `vol_closed`, `cost`, `fee`, `leverage` and `net` (unrealised P&L).
 * - Orders report their leverage only in `descr.leverage` ("3:1" or "none").
 */
import type { Exchange, MarketInterface as Market, Order, Position } from 'ccxt';
import { DEFAULT_MARGIN_TERMS, FOUR_HOURS_MS } from '../../../core/margin.js';
import { HARD_MAX_LEVERAGE } from '../../../core/risk.js';
import { krakenClOrdId } from '../client-order-id.js';
import { ExchangeError } from '../errors.js';
import type { ExchangePort, OrderRequest } from '../port.js';
import { CcxtPort, type CcxtPortOptions, type VenueSpec } from './adapter.js';
import { type PositionFields, parsePosition } from './parse.js';

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
    unrealizedPnl: p.unrealizedPnl ?? Number(info['net']),
    marginCosts: Number(info['fee'] ?? 0),
  };
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
    orderExtras: (order) => {
      const leverage = orderLeverage(order);
      return leverage === undefined ? {} : { leverage };
    },
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
  };
}

/** Wraps a configured ccxt `kraken` instance (see `factory.ts`, which builds it). */
export function createKrakenPort(ex: Exchange, leverageCap: number, opts: CcxtPortOptions): ExchangePort {
  return new CcxtPort(ex, krakenSpec(leverageCap), opts);
}
