/**
 * Coinbase Advanced Trade spot adapter over ccxt's `coinbase`: long only, 1x.
 *
 * Venue facts this relies on (ccxt 4.5.84, `js/src/coinbase.js`):
 * - ccxt ignores the unified `clientOrderId` param for Coinbase: `createOrder` always generates
 *   `client_order_id: 'ccxt-' + uuid` and drops `clientOrderId`. Its request is merged with the raw params
 *   last, so we pass the raw `client_order_id` field, which then reaches Coinbase as our id.
 * - There is no lookup by client order id; `fetchOrders` (`GET /api/v3/brokerage/orders/historical/batch`,
 *   every status, the most recent 100 of the pair) is filtered on it instead.
 * - A market buy is sized in quote (`market_market_ioc.quote_size`): ccxt wants either a price
 *   (`createMarketBuyOrderRequiresPrice`) or a `cost` param; we pass `cost` = amount x ask, so the cash check
 *   and the minimum cost are ours. Coinbase then reports no base amount for the order; the adapter reports
 *   what it filled (or, while open, what was asked).
 * - `fetchBalance` is pointed at `GET /api/v3/brokerage/accounts` (option `fetchBalance`), whose entries
 *   split `available_balance` and `hold`; ccxt's default v2 endpoint reports free = total.
 * - `reduceOnly` makes ccxt close a futures position instead of placing a spot order: refused here.
 * - `parseOrderStatus` maps OPEN, FILLED and CANCELLED, folds EXPIRED and FAILED into `canceled` (the raw
 *   status, in `info.status`, tells them apart: {@link coinbaseOrderExtras}), and passes PENDING, QUEUED,
 *   CANCEL_QUEUED, EDIT_QUEUED and UNKNOWN_ORDER_STATUS through as they are (`parse.ts` STATUSES).
 * - `fetchMyTrades` reads `GET /api/v3/brokerage/orders/historical/fills` (`product_id`,
 *   `start_sequence_timestamp`, `limit`, `cursor`); ccxt hands the next page's `cursor` over in the `info`
 *   of the first raw fill. Spot fills are never liquidations.
 * - The port places no stops here (`placeStopOrder` is absent): Coinbase spot has stop-limit orders only,
 *   which do not guarantee an exit.
 */
import type { Exchange, Order, Trade } from 'ccxt';
import { ExchangeError } from '../errors.js';
import type { ExchangePort, OrderState } from '../port.js';
import { CcxtPort, type CcxtPortOptions, type VenueSpec } from './adapter.js';
import type { VenueOrderHints } from './parse.js';

/** The keys of ccxt's `coinbase.urls.api`: a URL override must replace every one of them. */
export const COINBASE_API_URL_KEYS = ['rest'] as const;

/** ccxt options for the adapter: balances with holds (v3 accounts). */
export const COINBASE_CCXT_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({
  fetchBalance: 'v3PrivateGetBrokerageAccounts',
  // Advanced Trade's own clock (ccxt's default is the older v2 API).
  fetchTime: 'v3PublicGetBrokerageTime',
});

/** Coinbase keeps its most recent orders first; a bot places a few a day, so 100 reach back far enough. */
const LOOKUP_LIMIT = 100;
/** Fills per page, and pages read before giving up (a bot asks for the fills since its last session). */
const FILLS_PAGE = 250;
const MAX_FILL_PAGES = 20;

/** The fills of `symbol` at or after `since`, every page. */
async function coinbaseFills(ex: Exchange, symbol: string, since: number): Promise<Trade[]> {
  const out: Trade[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_FILL_PAGES; page++) {
    const batch = await ex.fetchMyTrades(symbol, since, FILLS_PAGE, cursor === undefined ? {} : { cursor });
    out.push(...batch);
    const next = batch
      .map((t) => ((t.info ?? {}) as { cursor?: unknown }).cursor)
      .find((c): c is string => typeof c === 'string' && c !== '');
    if (next === undefined || batch.length === 0) return out;
    cursor = next;
  }
  throw new ExchangeError(
    'EXCHANGE_UNSUPPORTED',
    `coinbase fetchMyTrades: more than ${MAX_FILL_PAGES} pages of fills since ${since}; ask from a later time`,
  );
}

/**
 * Coinbase's final statuses that ccxt folds into `canceled` (`parseOrderStatus`): an order that FAILED was
 * refused by the venue, one that EXPIRED ran out its time in force.
 */
const REFINED_STATUSES: ReadonlyMap<unknown, OrderState['status']> = new Map<unknown, OrderState['status']>([
  ['FAILED', 'rejected'],
  ['EXPIRED', 'expired'],
]);

/** What Coinbase's raw order says more precisely than ccxt's unified one (see {@link VenueOrderHints}). */
function coinbaseOrderExtras(order: Order): VenueOrderHints {
  const status = REFINED_STATUSES.get(((order.info ?? {}) as { status?: unknown }).status);
  return status === undefined ? {} : { status };
}

export const coinbaseSpec: VenueSpec = {
  id: 'coinbase',
  leverageCap: 1,
  exchangeClientId: (ours) => ours,
  clientIdParams: (exchangeId) => ({ client_order_id: exchangeId }),
  findCandidates: (ex, symbol) => ex.fetchOrders(symbol, undefined, LOOKUP_LIMIT),
  orderExtras: (order) => coinbaseOrderExtras(order),
  orderParams(req) {
    if (req.leverage !== undefined && req.leverage !== 1) {
      throw new ExchangeError(
        'EXCHANGE_INVALID_ORDER',
        `coinbase: spot trades at 1x, got leverage ${req.leverage}`,
      );
    }
    if (req.reduceOnly) {
      throw new ExchangeError(
        'EXCHANGE_INVALID_ORDER',
        'coinbase: reduce-only orders are for margin positions',
      );
    }
    return { params: {}, cashFunded: true };
  },
  marketBuyParams: (amount, price) => ({ cost: amount * price }),
  fetchPositions: async () => [],
  fetchFreeMargin: async () => null, // spot: the free quote balance
  fetchMyTrades: coinbaseFills,
  isLiquidation: () => false,
};

/** Wraps a configured ccxt `coinbase` instance (see `factory.ts`, which builds it). */
export function createCoinbasePort(ex: Exchange, opts: CcxtPortOptions): ExchangePort {
  return new CcxtPort(ex, coinbaseSpec, opts);
}
