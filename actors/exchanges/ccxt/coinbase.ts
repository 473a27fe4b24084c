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
 */
import type { Exchange } from 'ccxt';
import { ExchangeError } from '../errors.js';
import type { ExchangePort } from '../port.js';
import { CcxtPort, type CcxtPortOptions, type VenueSpec } from './adapter.js';

/** The keys of ccxt's `coinbase.urls.api`: a URL override must replace every one of them. */
export const COINBASE_API_URL_KEYS = ['rest'] as const;

/** ccxt options for the adapter: balances with holds (v3 accounts). */
export const COINBASE_CCXT_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({
  fetchBalance: 'v3PrivateGetBrokerageAccounts',
});

/** Coinbase keeps its most recent orders first; a bot places a few a day, so 100 reach back far enough. */
const LOOKUP_LIMIT = 100;

export const coinbaseSpec: VenueSpec = {
  id: 'coinbase',
  leverageCap: 1,
  exchangeClientId: (ours) => ours,
  clientIdParams: (exchangeId) => ({ client_order_id: exchangeId }),
  findCandidates: (ex, symbol) => ex.fetchOrders(symbol, undefined, LOOKUP_LIMIT),
  orderExtras: () => ({}),
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
};

/** Wraps a configured ccxt `coinbase` instance (see `factory.ts`, which builds it). */
export function createCoinbasePort(ex: Exchange, opts: CcxtPortOptions): ExchangePort {
  return new CcxtPort(ex, coinbaseSpec, opts);
}
