/**
 * Coinbase Advanced Trade's REST API (`/api/v3/brokerage/*`, plus the `/v2` currency endpoints ccxt reads
 * while loading markets) over the fake {@link Book}.
 *
 * Shapes follow what ccxt 4.5.84 documents and parses (`node_modules/ccxt/js/src/coinbase.js`: the examples
 * in `fetchMarketsV3`, `fetchCurrencies`, `fetchTickerV3`, `fetchBalance`, `createOrder`, `parseOrder`,
 * `fetchOrder`, `fetchOrders`, `cancelOrders`, `fetchMyTrades`, `parseTrade` and `handleErrors`). Like the
 * real API:
 * - a rejected order is HTTP 200 with `success: false` and an `error_response`;
 * - an order whose `client_order_id` was used before is not created again: the earlier order is returned
 *   (Coinbase documents this de-duplication; `dedupeClientOrderIds: false` turns it off, to test that the
 *   adapter itself never sends a second order);
 * - an unknown order id is 404 with "order with this orderID was not found".
 */
import { randomUUID } from 'node:crypto';
import type { Book, FakeMarket, FakeOrder, FakeTrade, Rejection } from './book.js';
import type { Endpoint, VenueFront, VenueResponse } from './server.js';

const FIAT = new Set(['USD', 'EUR', 'GBP']);

const REJECTIONS: Readonly<Record<Rejection['reject'], { error: string; preview: string; message: string }>> =
  {
    'unknown-pair': {
      error: 'INVALID_ARGUMENT',
      preview: 'PREVIEW_INVALID_PRODUCT_ID',
      message: 'invalid product_id',
    },
    invalid: { error: 'INVALID_ARGUMENT', preview: 'PREVIEW_INVALID_ORDER_CONFIG', message: 'invalid order' },
    'below-minimum': {
      error: 'UNKNOWN_FAILURE_REASON',
      preview: 'PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL',
      message: 'order size too small',
    },
    'insufficient-funds': {
      error: 'INSUFFICIENT_FUND',
      preview: 'PREVIEW_INSUFFICIENT_FUND',
      message: 'Insufficient balance in source account',
    },
    'insufficient-margin': {
      error: 'INSUFFICIENT_FUND',
      preview: 'PREVIEW_INSUFFICIENT_FUND',
      message: 'Insufficient balance in source account',
    },
    'bad-leverage': {
      error: 'INVALID_ARGUMENT',
      preview: 'PREVIEW_INVALID_LEVERAGE',
      message: 'invalid leverage',
    },
    'no-position': {
      error: 'INVALID_ARGUMENT',
      preview: 'PREVIEW_INVALID_ORDER_CONFIG',
      message: 'no position',
    },
  };

const ok = (body: unknown): VenueResponse => ({ status: 200, body });

function decimalsOf(step: number): string {
  return step.toFixed(Math.max(0, Math.round(-Math.log10(step))));
}

export interface CoinbaseFrontOptions {
  readonly dedupeClientOrderIds: boolean;
}

export class CoinbaseFront implements VenueFront {
  readonly #book: Book;
  readonly #opts: CoinbaseFrontOptions;

  constructor(book: Book, opts: CoinbaseFrontOptions) {
    this.#book = book;
    this.#opts = opts;
  }

  #product(m: FakeMarket): Record<string, unknown> {
    const p = this.#book.price(m.pair);
    return {
      product_id: m.pair,
      price: p.toFixed(m.priceDecimals),
      price_percentage_change_24h: '0.5',
      volume_24h: '1000',
      volume_percentage_change_24h: '1',
      base_increment: decimalsOf(10 ** -m.amountDecimals),
      quote_increment: decimalsOf(10 ** -m.priceDecimals),
      quote_min_size: String(m.minCost),
      quote_max_size: '150000000',
      base_min_size: String(m.minAmount),
      base_max_size: '3400',
      base_name: m.base,
      quote_name: m.quote,
      watched: false,
      is_disabled: false,
      new: false,
      status: 'online',
      cancel_only: false,
      limit_only: false,
      post_only: false,
      trading_disabled: false,
      auction_mode: false,
      product_type: 'SPOT',
      quote_currency_id: m.quote,
      base_currency_id: m.base,
      fcm_trading_session_details: null,
      mid_market_price: '',
      alias: '',
      alias_to: [],
      base_display_symbol: m.base,
      quote_display_symbol: m.quote,
      view_only: false,
      price_increment: decimalsOf(10 ** -m.priceDecimals),
      display_name: m.pair,
      product_venue: 'CBE',
    };
  }

  #orderJson(o: FakeOrder): Record<string, unknown> {
    const m = this.#book.markets.get(o.pair)!;
    const a = (x: number) => x.toFixed(m.amountDecimals);
    const q = (x: number) => x.toFixed(m.priceDecimals);
    // Coinbase spot has stop-limit orders only: a stop (placed by hand) shows as one limited at its trigger.
    const config =
      o.type === 'limit'
        ? {
            limit_limit_gtc: { base_size: a(o.amount ?? 0), limit_price: q(o.limitPrice!), post_only: false },
          }
        : o.type === 'stop'
          ? {
              stop_limit_stop_limit_gtc: {
                base_size: a(o.amount ?? 0),
                limit_price: q(o.stopPrice!),
                stop_price: q(o.stopPrice!),
                stop_direction: o.side === 'sell' ? 'STOP_DIRECTION_STOP_DOWN' : 'STOP_DIRECTION_STOP_UP',
              },
            }
          : {
              market_market_ioc:
                o.quoteSize !== undefined ? { quote_size: q(o.quoteSize) } : { base_size: a(o.amount ?? 0) },
            };
    const status = o.status === 'open' ? 'OPEN' : o.status === 'closed' ? 'FILLED' : 'CANCELLED';
    const base = o.amount ?? (o.quoteSize ?? 0) / this.#book.price(o.pair);
    return {
      order_id: o.id,
      product_id: o.pair,
      user_id: '11111111-1111-1111-1111-111111111111',
      order_configuration: config,
      side: o.side.toUpperCase(),
      client_order_id: o.clientOrderId ?? '',
      status,
      time_in_force: o.type === 'market' ? 'IMMEDIATE_OR_CANCEL' : 'GOOD_UNTIL_CANCELLED',
      created_time: new Date(o.openedAt).toISOString(),
      completion_percentage: base > 0 ? ((o.filled / base) * 100).toFixed(2) : '0',
      filled_size: a(o.filled),
      average_filled_price: o.filled > 0 ? String(o.cost / o.filled) : '0',
      fee: '',
      number_of_fills: o.filled > 0 ? '1' : '0',
      filled_value: String(o.cost),
      pending_cancel: false,
      size_in_quote: o.quoteSize !== undefined,
      total_fees: String(o.fee),
      size_inclusive_of_fees: false,
      total_value_after_fees: String(o.side === 'buy' ? o.cost + o.fee : o.cost - o.fee),
      trigger_status: 'INVALID_ORDER_TYPE',
      order_type: o.type === 'stop' ? 'STOP_LIMIT' : o.type.toUpperCase(),
      reject_reason: 'REJECT_REASON_UNSPECIFIED',
      settled: o.status !== 'open',
      product_type: 'SPOT',
      reject_message: '',
      cancel_message: o.status === 'canceled' ? 'User requested cancel' : '',
      order_placement_source: 'RETAIL_ADVANCED',
      outstanding_hold_amount: '0',
      is_liquidation: false,
      last_fill_time: o.filled > 0 ? new Date(o.openedAt).toISOString() : null,
      leverage: '',
      margin_type: 'UNKNOWN_MARGIN_TYPE',
    };
  }

  #createOrder(raw: string): VenueResponse {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {
        status: 400,
        body: { error: 'INVALID_ARGUMENT', error_details: 'bad json', message: 'bad json' },
      };
    }
    const clientOrderId = typeof req['client_order_id'] === 'string' ? req['client_order_id'] : undefined;
    const productId = String(req['product_id'] ?? '');
    const side = String(req['side'] ?? '').toLowerCase();
    const config = (req['order_configuration'] ?? {}) as Record<string, Record<string, string> | undefined>;
    if (this.#opts.dedupeClientOrderIds && clientOrderId) {
      const earlier = this.#book.orders.find((o) => o.clientOrderId === clientOrderId);
      if (earlier) return this.#accepted(earlier, config);
    }
    const market = config['market_market_ioc'];
    const limit = config['limit_limit_gtc'];
    const reject = (r: Rejection['reject']): VenueResponse => {
      const e = REJECTIONS[r];
      return ok({
        success: false,
        failure_reason: 'UNKNOWN_FAILURE_REASON',
        order_id: '',
        error_response: {
          error: e.error,
          message: e.message,
          error_details: '',
          preview_failure_reason: e.preview,
          new_order_failure_reason: e.error,
        },
        order_configuration: config,
      });
    };
    if ((side !== 'buy' && side !== 'sell') || (!market && !limit)) return reject('invalid');
    const result = this.#book.submit({
      pair: productId,
      side,
      type: limit ? 'limit' : 'market',
      amount: limit
        ? Number(limit['base_size'])
        : market?.['base_size']
          ? Number(market['base_size'])
          : undefined,
      quoteSize: market?.['quote_size'] ? Number(market['quote_size']) : undefined,
      limitPrice: limit ? Number(limit['limit_price']) : undefined,
      clientOrderId,
    });
    if ('reject' in result) return reject(result.reject);
    return this.#accepted(result, config);
  }

  #accepted(o: FakeOrder, config: unknown): VenueResponse {
    return ok({
      success: true,
      failure_reason: 'UNKNOWN_FAILURE_REASON',
      order_id: o.id,
      success_response: {
        order_id: o.id,
        product_id: o.pair,
        side: o.side.toUpperCase(),
        client_order_id: o.clientOrderId ?? '',
      },
      order_configuration: config,
    });
  }

  #notFound(): VenueResponse {
    return {
      status: 404,
      body: {
        error: 'NOT_FOUND',
        error_details: 'order with this orderID was not found',
        message: 'order with this orderID was not found',
      },
    };
  }

  #batch(query: URLSearchParams): VenueResponse {
    const statuses = query.getAll('order_status');
    const product = query.get('product_id');
    const limit = Number(query.get('limit') ?? '100');
    const wire = (o: FakeOrder) =>
      o.status === 'open' ? 'OPEN' : o.status === 'closed' ? 'FILLED' : 'CANCELLED';
    const orders = this.#book.orders
      .filter((o) => product === null || o.pair === product)
      .filter((o) => statuses.length === 0 || statuses.includes(wire(o)))
      .sort((a, b) => b.openedAt - a.openedAt)
      .slice(0, limit)
      .map((o) => this.#orderJson(o));
    return ok({ orders, sequence: '0', has_next: false, cursor: '' });
  }

  /** One fill as `GET /orders/historical/fills` lists it (a market buy sized in quote reports its size in quote). */
  #fillJson(t: FakeTrade): Record<string, unknown> {
    const order = this.#book.byId(t.orderId);
    const inQuote = order?.quoteSize !== undefined;
    const time = new Date(t.time).toISOString();
    return {
      entry_id: `${t.id}-entry`,
      trade_id: t.id,
      order_id: t.orderId,
      trade_time: time,
      trade_type: 'FILL',
      price: String(t.price),
      size: String(inQuote ? t.cost : t.vol),
      commission: String(t.fee),
      product_id: t.pair,
      sequence_timestamp: time,
      liquidity_indicator: 'TAKER',
      size_in_quote: inQuote,
      user_id: '11111111-1111-1111-1111-111111111111',
      side: t.side.toUpperCase(),
      retail_portfolio_id: '22222222-2222-2222-2222-222222222222',
    };
  }

  /**
   * The account's fills, newest first: filtered by product (`product_id`, or the newer `product_ids`) and
   * time (`start_sequence_timestamp` inclusive, `end_sequence_timestamp` exclusive), `limit` at a time
   * (default 100), the next page named by `cursor` (an offset here; opaque to clients).
   */
  #fills(query: URLSearchParams): VenueResponse {
    const products = [...query.getAll('product_id'), ...query.getAll('product_ids')];
    const start = query.get('start_sequence_timestamp');
    const end = query.get('end_sequence_timestamp');
    const limit = Number(query.get('limit') ?? '100') || 100;
    const from = Number(query.get('cursor') ?? '0') || 0;
    const matching = this.#book.trades
      .filter((t) => products.length === 0 || products.includes(t.pair))
      .filter((t) => start === null || t.time >= Date.parse(start))
      .filter((t) => end === null || t.time < Date.parse(end))
      .reverse();
    const page = matching.slice(from, from + limit);
    const more = from + limit < matching.length;
    return ok({ fills: page.map((t) => this.#fillJson(t)), cursor: more ? String(from + limit) : '' });
  }

  #cancel(raw: string): VenueResponse {
    const ids = ((JSON.parse(raw) as { order_ids?: string[] }).order_ids ?? []).map(String);
    const results = ids.map((id) => {
      const done = this.#book.cancel(id);
      return done
        ? { success: true, failure_reason: 'UNKNOWN_CANCEL_FAILURE_REASON', order_id: id }
        : { success: false, failure_reason: 'UNKNOWN_CANCEL_ORDER', order_id: id };
    });
    return ok({ results });
  }

  #accounts(): VenueResponse {
    const accounts = [...this.#book.balances()].map(([cur, b], i) => ({
      uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: `${cur} Wallet`,
      currency: cur,
      available_balance: { value: (b.total - b.hold).toFixed(10), currency: cur },
      default: true,
      active: true,
      created_at: '2024-01-01T00:00:00.000Z',
      updated_at: '2024-01-01T00:00:00.000Z',
      deleted_at: null,
      type: FIAT.has(cur) ? 'ACCOUNT_TYPE_FIAT' : 'ACCOUNT_TYPE_CRYPTO',
      ready: true,
      hold: { value: b.hold.toFixed(10), currency: cur },
    }));
    return ok({ accounts, has_next: false, cursor: '', size: accounts.length });
  }

  #ticker(productId: string): VenueResponse {
    const m = this.#book.markets.get(productId);
    if (!m) return this.#notFound();
    const p = this.#book.price(m.pair);
    const tick = 10 ** -m.priceDecimals;
    const q = (x: number) => x.toFixed(m.priceDecimals);
    return ok({
      trades: [
        {
          trade_id: '518078013',
          product_id: m.pair,
          price: q(p),
          size: '0.01',
          time: new Date(this.#book.now()).toISOString(),
          side: 'BUY',
          bid: '',
          ask: '',
        },
      ],
      best_bid: q(p - tick),
      best_ask: q(p + tick),
    });
  }

  route(
    method: string,
    path: string,
    query: URLSearchParams,
    _params: URLSearchParams,
    raw: string,
  ): {
    endpoint: Endpoint;
    run: () => VenueResponse;
  } | null {
    const book = this.#book;
    const markets = [...book.markets.values()];
    if (method === 'GET') {
      if (path === '/v2/currencies') {
        return {
          endpoint: 'markets',
          run: () =>
            ok({
              data: [...new Set(markets.flatMap((m) => [m.base, m.quote]))]
                .filter((c) => FIAT.has(c))
                .map((c) => ({ id: c, name: c === 'USD' ? 'US Dollar' : c, min_size: '0.01' })),
            }),
        };
      }
      if (path === '/v2/currencies/crypto') {
        return {
          endpoint: 'markets',
          run: () =>
            ok({
              data: [...new Set(markets.flatMap((m) => [m.base, m.quote]))]
                .filter((c) => !FIAT.has(c))
                .map((c, i) => ({
                  asset_id: `9476e3be-b731-47fa-82be-${String(i).padStart(12, '0')}`,
                  code: c,
                  name: c,
                  color: '#0433FF',
                  sort_index: String(100 + i),
                  exponent: 8,
                  type: 'crypto',
                  address_regex: '^.+$',
                })),
            }),
        };
      }
      if (path === '/v2/exchange-rates') {
        return {
          endpoint: 'markets',
          run: () => {
            const rates: Record<string, string> = { USD: '1' };
            for (const m of markets) if (m.quote === 'USD') rates[m.base] = String(1 / book.price(m.pair));
            return ok({ data: { currency: 'USD', rates } });
          },
        };
      }
      if (path === '/api/v3/brokerage/time') {
        return {
          endpoint: 'time',
          run: () => {
            const now = book.now();
            return ok({
              iso: new Date(now).toISOString(),
              epochSeconds: String(Math.floor(now / 1000)),
              epochMillis: String(now),
            });
          },
        };
      }
      if (path === '/api/v3/brokerage/market/products') {
        // Only spot products here: the futures listings ccxt also asks for come back empty.
        const spot = query.get('product_type') === null || query.get('product_type') === 'SPOT';
        return {
          endpoint: 'markets',
          run: () =>
            ok({
              products: spot ? markets.map((m) => this.#product(m)) : [],
              num_products: spot ? markets.length : 0,
            }),
        };
      }
      if (path === '/api/v3/brokerage/transaction_summary') {
        const m = markets[0];
        return {
          endpoint: 'markets',
          run: () =>
            ok({
              total_volume: 0,
              total_fees: 0,
              fee_tier: {
                pricing_tier: 'Advanced 1',
                usd_from: '0',
                usd_to: '1000',
                taker_fee_rate: String(m?.takerFee ?? 0.006),
                maker_fee_rate: String(m?.makerFee ?? 0.004),
              },
              margin_rate: null,
              goods_and_services_tax: null,
              advanced_trade_only_volume: 0,
              advanced_trade_only_fees: 0,
              coinbase_pro_volume: 0,
              coinbase_pro_fees: 0,
            }),
        };
      }
      const ticker = /^\/api\/v3\/brokerage\/(?:market\/)?products\/([^/]+)\/ticker$/.exec(path);
      if (ticker) return { endpoint: 'ticker', run: () => this.#ticker(decodeURIComponent(ticker[1]!)) };
      const candles = /^\/api\/v3\/brokerage\/(?:market\/)?products\/([^/]+)\/candles$/.exec(path);
      if (candles) {
        return {
          endpoint: 'ohlc',
          run: () => {
            const m = book.markets.get(decodeURIComponent(candles[1]!));
            if (!m) return this.#notFound();
            const p = book.price(m.pair).toFixed(m.priceDecimals);
            const start = Math.floor(book.now() / 60_000) * 60;
            return ok({
              candles: Array.from({ length: 10 }, (_, i) => ({
                start: String(start - i * 60),
                low: p,
                high: p,
                open: p,
                close: p,
                volume: '1',
              })),
            });
          },
        };
      }
      if (path === '/api/v3/brokerage/accounts') return { endpoint: 'balance', run: () => this.#accounts() };
      if (path === '/api/v3/brokerage/orders/historical/batch') {
        return { endpoint: 'listOrders', run: () => this.#batch(query) };
      }
      if (path === '/api/v3/brokerage/orders/historical/fills') {
        return { endpoint: 'trades', run: () => this.#fills(query) };
      }
      const one = /^\/api\/v3\/brokerage\/orders\/historical\/([^/]+)$/.exec(path);
      if (one) {
        return {
          endpoint: 'fetchOrder',
          run: () => {
            const o = book.byId(decodeURIComponent(one[1]!));
            return o ? ok({ order: this.#orderJson(o) }) : this.#notFound();
          },
        };
      }
      return null;
    }
    if (method === 'POST') {
      if (path === '/api/v3/brokerage/orders')
        return { endpoint: 'placeOrder', run: () => this.#createOrder(raw) };
      if (path === '/api/v3/brokerage/orders/batch_cancel') {
        return { endpoint: 'cancelOrder', run: () => this.#cancel(raw) };
      }
    }
    return null;
  }

  authError(): VenueResponse {
    return {
      status: 401,
      body: { error: 'unauthorized', error_details: 'invalid signature', message: 'invalid signature' },
    };
  }

  /** Private endpoints need a bearer JWT (any signature passes); public market data does not. */
  checkAuth(path: string, headers: Record<string, string | string[] | undefined>): VenueResponse | null {
    // Advanced Trade's server time is public, like its market data.
    const isPublic =
      path.startsWith('/v2/') ||
      path.startsWith('/api/v3/brokerage/market/') ||
      path === '/api/v3/brokerage/time';
    if (isPublic) return null;
    const auth = headers['authorization'];
    const jwt = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).split('.') : [];
    return jwt.length === 3 ? null : this.authError();
  }

  corrupt(endpoint: Endpoint, body: unknown): unknown {
    const keys: Partial<Record<Endpoint, Record<string, string>>> = {
      fetchOrder: { filled_size: '-1' },
      listOrders: { filled_size: '-1' },
      balance: { value: 'NaN' },
      ticker: { best_bid: '-1' },
      trades: { size: '-1' },
    };
    return rewriteKeys(body, keys[endpoint] ?? {});
  }
}

/** Deep copy of `body` with the values of the given keys replaced. */
function rewriteKeys(body: unknown, keys: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(body)) return body.map((x) => rewriteKeys(x, keys));
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) out[k] = keys[k] ?? rewriteKeys(v, keys);
  return out;
}

/** Coinbase order ids are UUIDs. */
export const coinbaseOrderId = (): string => randomUUID();
