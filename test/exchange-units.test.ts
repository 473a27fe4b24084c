/**
 * The pure parts of the live adapters: retry with backoff, the ccxt error mapping and the response parsing.
 */

import type { Exchange, Order, Position } from 'ccxt';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { coinbaseSpec } from '../actors/exchanges/ccxt/coinbase.js';
import { type CcxtErrorClasses, fromCcxtError, scrubSecrets } from '../actors/exchanges/ccxt/errors.js';
import { KRAKEN_MARGIN_COSTS, krakenMarginCost, krakenSpec } from '../actors/exchanges/ccxt/kraken.js';
import {
  fromCcxtSymbol,
  parseBalances,
  parseMarket,
  parseOrder,
  parsePosition,
  parseTicker,
  toCcxtSymbol,
} from '../actors/exchanges/ccxt/parse.js';
import { ExchangeError, type ExchangeErrorCode, isExchangeError } from '../actors/exchanges/errors.js';
import { backoffMs, withRetry } from '../actors/exchanges/retry.js';

describe('withRetry', () => {
  const retryable = () => new ExchangeError('EXCHANGE_NETWORK', 'blip');
  const quick = (delays: number[] = []) => ({
    retries: 3,
    baseMs: 100,
    maxMs: 1_000,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
    random: () => 0.5,
  });

  it('retries retryable errors with full-jitter exponential backoff, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const v = await withRetry(async () => {
      if (++calls < 3) throw retryable();
      return 'ok';
    }, quick(delays));
    expect(v).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([50, 100]); // 0.5 x 100, 0.5 x 200
  });

  it('throws the last error once the retries are used up', async () => {
    let calls = 0;
    const e = await withRetry(async () => {
      calls++;
      throw retryable();
    }, quick()).catch((x: unknown) => x);
    expect(isExchangeError(e) && e.code).toBe('EXCHANGE_NETWORK');
    expect(calls).toBe(4);
  });

  it.each<[string, unknown]>([
    ['a rejected error', new ExchangeError('EXCHANGE_AUTH', 'no')],
    ['an unknown outcome', new ExchangeError('EXCHANGE_UNKNOWN_OUTCOME', 'maybe')],
    ['a plain error', new Error('bug')],
  ])('never retries %s', async (_label, err) => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw err;
      }, quick()),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it('keeps every delay within [0, min(maxMs, baseMs * 2^(n-1)))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (n, r) => {
          const d = backoffMs(n, { baseMs: 100, maxMs: 5_000 }, r);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(Math.min(5_000, 100 * 2 ** (n - 1)));
        },
      ),
    );
  });

  it('rejects nonsensical options', async () => {
    await expect(withRetry(async () => 1, { retries: -1, baseMs: 1, maxMs: 1 })).rejects.toThrow(RangeError);
    await expect(withRetry(async () => 1, { retries: 1, baseMs: 10, maxMs: 1 })).rejects.toThrow(RangeError);
  });
});

describe('ccxt error mapping', () => {
  let ccxt: CcxtErrorClasses;
  let make: (cls: string, message: string) => Error;
  beforeAll(async () => {
    const mod = (await import('ccxt')) as unknown as Record<string, new (m: string) => Error>;
    ccxt = mod as unknown as CcxtErrorClasses;
    make = (cls, message) => new mod[cls]!(message);
  });
  const map = (cls: string, call: 'read' | 'order' | 'place', message = 'boom') =>
    fromCcxtError(make(cls, message), { call, exchange: 'x', what: 'op', classes: ccxt, secrets: [] });

  it.each<[string, ExchangeErrorCode, ExchangeErrorCode]>([
    ['InsufficientFunds', 'EXCHANGE_INSUFFICIENT_FUNDS', 'EXCHANGE_INSUFFICIENT_FUNDS'],
    ['InvalidOrder', 'EXCHANGE_INVALID_ORDER', 'EXCHANGE_INVALID_ORDER'],
    ['AuthenticationError', 'EXCHANGE_AUTH', 'EXCHANGE_AUTH'],
    ['PermissionDenied', 'EXCHANGE_AUTH', 'EXCHANGE_AUTH'],
    ['AccountSuspended', 'EXCHANGE_AUTH', 'EXCHANGE_AUTH'],
    ['OrderNotFound', 'EXCHANGE_ORDER_NOT_FOUND', 'EXCHANGE_ORDER_NOT_FOUND'],
    ['RateLimitExceeded', 'EXCHANGE_RATE_LIMIT', 'EXCHANGE_RATE_LIMIT'],
    ['DDoSProtection', 'EXCHANGE_RATE_LIMIT', 'EXCHANGE_RATE_LIMIT'],
    ['OnMaintenance', 'EXCHANGE_DOWN', 'EXCHANGE_DOWN'],
    ['ExchangeNotAvailable', 'EXCHANGE_DOWN', 'EXCHANGE_UNKNOWN_OUTCOME'],
    ['RequestTimeout', 'EXCHANGE_TIMEOUT', 'EXCHANGE_UNKNOWN_OUTCOME'],
    ['NetworkError', 'EXCHANGE_NETWORK', 'EXCHANGE_UNKNOWN_OUTCOME'],
    ['InvalidNonce', 'EXCHANGE_NETWORK', 'EXCHANGE_NETWORK'],
    ['BadResponse', 'EXCHANGE_BAD_RESPONSE', 'EXCHANGE_UNKNOWN_OUTCOME'],
    ['NullResponse', 'EXCHANGE_BAD_RESPONSE', 'EXCHANGE_UNKNOWN_OUTCOME'],
    ['BadSymbol', 'EXCHANGE_INVALID_ORDER', 'EXCHANGE_INVALID_ORDER'],
    ['BadRequest', 'EXCHANGE_INVALID_ORDER', 'EXCHANGE_INVALID_ORDER'],
    ['NotSupported', 'EXCHANGE_UNSUPPORTED', 'EXCHANGE_UNSUPPORTED'],
    ['ExchangeError', 'EXCHANGE_BAD_RESPONSE', 'EXCHANGE_INVALID_ORDER'],
  ])('%s: read -> %s, place -> %s', (cls, read, place) => {
    expect(map(cls, 'read').code).toBe(read);
    expect(map(cls, 'place').code).toBe(place);
  });

  it('never makes a placement that may have been sent retryable', () => {
    for (const cls of ['RequestTimeout', 'NetworkError', 'ExchangeNotAvailable', 'BadResponse']) {
      expect(map(cls, 'place').kind).toBe('unknown-outcome');
    }
    const weird = fromCcxtError(new TypeError('cannot read x of undefined'), {
      call: 'place',
      exchange: 'x',
      what: 'op',
      classes: ccxt,
      secrets: [],
    });
    expect(weird.code).toBe('EXCHANGE_UNKNOWN_OUTCOME');
  });

  it('reads InvalidOrder about one existing order as "not found", and plain errors by their message', () => {
    expect(map('InvalidOrder', 'order').code).toBe('EXCHANGE_ORDER_NOT_FOUND');
    expect(map('ExchangeError', 'place', 'kraken {"error":["EOrder:Insufficient margin"]}').code).toBe(
      'EXCHANGE_INSUFFICIENT_FUNDS',
    );
    expect(map('ExchangeError', 'order', 'coinbase order with this orderID was not found').code).toBe(
      'EXCHANGE_ORDER_NOT_FOUND',
    );
    expect(map('ExchangeError', 'place', 'coinbase {"error":"internal_server_error"}').code).toBe(
      'EXCHANGE_UNKNOWN_OUTCOME',
    );
  });

  it('passes our own errors through unchanged', () => {
    const ours = new ExchangeError('EXCHANGE_INVALID_ORDER', 'too small');
    expect(
      fromCcxtError(ours, { call: 'place', exchange: 'x', what: 'op', classes: ccxt, secrets: [] }),
    ).toBe(ours);
  });

  it('scrubs credentials from the message and the cause, PEM lines included', () => {
    const pem =
      '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oWgLVPD3Tdc4oAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n';
    const apiKey = 'organizations/abc/apiKeys/def';
    const line = 'MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oWgLVPD3Tdc4oAoGCCqGSM49';
    const e = fromCcxtError(make('ExchangeError', `bad ${apiKey} ${JSON.stringify(pem)} ${line}`), {
      call: 'read',
      exchange: 'coinbase',
      what: 'op',
      classes: ccxt,
      secrets: [apiKey, pem],
    });
    const text = `${e.message} ${(e.cause as Error).message}`;
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain(line);
    expect(text).toContain('[redacted]');
    expect(scrubSecrets('key=sekret-123 done', ['sekret-123'])).toBe('key=[redacted] done');
  });
});

describe('parsing ccxt structures', () => {
  const hints = { pair: 'LTC-USD', base: 'LTC', quote: 'USD', now: 1_000 };
  const order = {
    id: 'O1',
    clientOrderId: 'c1',
    symbol: 'LTC/USD',
    side: 'buy',
    type: 'market',
    status: 'closed',
    amount: 2,
    filled: 2,
    average: 100,
    timestamp: 5,
    fee: { cost: 0.5, currency: 'USD' },
  };

  it('converts pairs both ways', () => {
    expect(toCcxtSymbol('LTC-USD')).toBe('LTC/USD');
    expect(fromCcxtSymbol('LTC/USD')).toBe('LTC-USD');
    expect(fromCcxtSymbol('BTC/USD:USD')).toBe('BTC-USD');
    expect(() => toCcxtSymbol('LTCUSD')).toThrow(ExchangeError);
  });

  it('converts an order, with fees in base converted to quote', () => {
    expect(parseOrder(order, hints)).toEqual({
      id: 'O1',
      clientOrderId: 'c1',
      pair: 'LTC-USD',
      side: 'buy',
      type: 'market',
      status: 'closed',
      amount: 2,
      filled: 2,
      average: 100,
      fee: 0.5,
      timestamp: 5,
    });
    expect(parseOrder({ ...order, fee: { cost: 0.01, currency: 'LTC' } }, hints).fee).toBeCloseTo(1, 12);
    expect(parseOrder({ ...order, fee: { cost: 3, currency: 'KFEE' } }, hints).fee).toBe(0);
  });

  it('reports a quote-sized order by what it filled, or the amount asked while open', () => {
    expect(parseOrder({ ...order, amount: undefined, filled: 1.5 }, hints).amount).toBe(1.5);
    const open = { ...order, status: 'open', amount: undefined, filled: 0, average: undefined };
    expect(parseOrder(open, { ...hints, fallbackAmount: 2 }).amount).toBe(2);
    expect(() => parseOrder(open, hints)).toThrow(/amount/);
  });

  it.each<[string, Record<string, unknown>]>([
    ['NaN filled', { filled: Number.NaN }],
    ['negative filled', { filled: -1 }],
    ['filled above amount', { filled: 3 }],
    ['infinite average', { average: Number.POSITIVE_INFINITY }],
    ['a string amount', { amount: '2' }],
    ['an unknown status', { status: 'weird' }],
    ['an unknown side', { side: 'hold' }],
    ['no id', { id: undefined }],
  ])('rejects an order with %s as EXCHANGE_BAD_RESPONSE', (_label, patch) => {
    const e = (() => {
      try {
        parseOrder({ ...order, ...patch } as typeof order, hints);
      } catch (x) {
        return x;
      }
      return null;
    })();
    expect(isExchangeError(e) && e.code).toBe('EXCHANGE_BAD_RESPONSE');
  });

  it('checks tickers, balances, positions and markets', () => {
    expect(parseTicker({ bid: 99, ask: 101, last: 100 }, 'LTC-USD', 7)).toEqual({
      pair: 'LTC-USD',
      bid: 99,
      ask: 101,
      last: 100,
      timestamp: 7,
    });
    expect(() => parseTicker({ bid: 102, ask: 101, last: 100 }, 'LTC-USD', 7)).toThrow(ExchangeError);
    expect(() => parseTicker({ bid: -1, ask: 101, last: 100 }, 'LTC-USD', 7)).toThrow(ExchangeError);
    expect(
      parseBalances({
        info: {},
        free: {},
        USD: { free: 5, used: 1, total: 6 },
        LTC: { free: undefined, total: 2 },
      }),
    ).toEqual({ USD: { free: 5, total: 6 }, LTC: { free: 2, total: 2 } });
    expect(() => parseBalances({ USD: { free: Number.NaN, total: 1 } })).toThrow(ExchangeError);
    expect(() => parseBalances({ USD: { free: 5, total: 1 } })).toThrow(ExchangeError);
    expect(() =>
      parsePosition({ side: 'long', amount: -1, entryPrice: 1, leverage: 2, unrealizedPnl: 0 }, 'LTC-USD'),
    ).toThrow(ExchangeError);
    const market = parseMarket(
      {
        symbol: 'LTC/USD',
        base: 'LTC',
        quote: 'USD',
        precision: { amount: 1e-8, price: 0.01 },
        limits: { amount: { min: 0.1 }, cost: { min: 0.5 }, leverage: { max: 5 } },
      },
      3,
    );
    expect(market).toEqual({
      pair: 'LTC-USD',
      base: 'LTC',
      quote: 'USD',
      amountStep: 1e-8,
      priceStep: 0.01,
      minAmount: 0.1,
      minCost: 0.5,
      maxLeverage: 3,
    });
    expect(() => parseMarket({ symbol: 'LTC/USD', base: 'LTC', quote: 'USD', precision: {} }, 1)).toThrow(
      ExchangeError,
    );
  });
});

describe('Kraken margin costs', () => {
  it('charges the opening fee, then one rollover per full 4 hours', () => {
    expect(KRAKEN_MARGIN_COSTS).toEqual({
      openingFeeRate: 0.0002,
      rolloverRate: 0.0002,
      rolloverPeriodMs: 14_400_000,
    });
    expect(krakenMarginCost(1_000, 0)).toBeCloseTo(0.2, 12);
    expect(krakenMarginCost(1_000, 4 * 3_600_000 - 1)).toBeCloseTo(0.2, 12);
    expect(krakenMarginCost(1_000, 24 * 3_600_000)).toBeCloseTo(0.2 + 6 * 0.2, 12);
    expect(() => krakenMarginCost(-1, 0)).toThrow(RangeError);
  });
});

/**
 * What ccxt 4.5.84 really hands the adapters for the venues' raw answers (its own `parseOrder` and
 * `parsePosition`, offline), and what the port makes of it. The adapter merges `orderExtras(order)` into the
 * hints of `parseOrder`; these tests do the same.
 */
describe('venue mismatches between ccxt and the live venues', () => {
  // ccxt is big and lazily imported in production code; here only for its parsers (no network).
  let ccxt: typeof import('ccxt');
  beforeAll(async () => {
    ccxt = await import('ccxt');
  });
  const hints = { pair: 'LTC-USD', base: 'LTC', quote: 'USD', now: 1_000 };
  const fail = (f: () => unknown): unknown => {
    try {
      f();
    } catch (x) {
      return x;
    }
    return null;
  };

  /** A Coinbase Advanced Trade v3 order (GET /orders/historical/...) in `status`. */
  const coinbaseRaw = (status: string, filled: number) => ({
    order_id: 'cb-1',
    client_order_id: 'ours-1',
    product_id: 'LTC-USD',
    side: 'BUY',
    status,
    order_type: 'LIMIT',
    created_time: '2024-01-01T00:00:00Z',
    filled_size: String(filled),
    average_filled_price: filled > 0 ? '100' : '0',
    total_fees: filled > 0 ? '0.5' : '0',
    order_configuration: { limit_limit_gtc: { base_size: '2', limit_price: '100', post_only: false } },
  });

  it.each<[string, string, string]>([
    // Coinbase status, what ccxt's parseOrderStatus hands us, the port status
    ['PENDING', 'PENDING', 'open'],
    ['QUEUED', 'QUEUED', 'open'],
    ['OPEN', 'open', 'open'],
    ['CANCEL_QUEUED', 'CANCEL_QUEUED', 'open'],
    ['EDIT_QUEUED', 'EDIT_QUEUED', 'open'],
    ['FILLED', 'closed', 'closed'],
    ['CANCELLED', 'canceled', 'canceled'],
    ['EXPIRED', 'canceled', 'expired'],
    ['FAILED', 'canceled', 'rejected'],
  ])('Coinbase %s (ccxt: %s) is %s', (raw, fromCcxt, port) => {
    const o = new ccxt.coinbase().parseOrder(coinbaseRaw(raw, raw === 'FILLED' ? 2 : 0));
    expect(o.status).toBe(fromCcxt);
    const state = parseOrder(o, { ...hints, ...coinbaseSpec.orderExtras(o) });
    expect(state).toMatchObject({ id: 'cb-1', status: port, amount: 2, side: 'buy', type: 'limit' });
  });

  it('Coinbase UNKNOWN_ORDER_STATUS is not guessed: EXCHANGE_BAD_RESPONSE, a read that is retried', () => {
    const o = new ccxt.coinbase().parseOrder(coinbaseRaw('UNKNOWN_ORDER_STATUS', 0));
    expect(o.status).toBe('UNKNOWN_ORDER_STATUS');
    const e = fail(() => parseOrder(o, { ...hints, ...coinbaseSpec.orderExtras(o) }));
    expect(isExchangeError(e) && [e.code, e.kind]).toEqual(['EXCHANGE_BAD_RESPONSE', 'retryable']);
    expect(String(e)).toMatch(/unknown status "UNKNOWN_ORDER_STATUS"/);
  });

  const krakenExtras = (o: Order) => krakenSpec(3).orderExtras(o);
  /** A ccxt-like Kraken order as ccxt builds it: the raw answer in `info`, the fee labelled from `oflags`. */
  const krakenOrder = (oflags: string, feeCurrency: string | undefined, rawFee: unknown = '0.52') =>
    ({
      id: 'OABC-1',
      symbol: 'LTC/USD',
      side: 'buy',
      type: 'market',
      status: 'closed',
      amount: 2,
      filled: 2,
      average: 100,
      timestamp: 5,
      fee: { cost: 0.52, currency: feeCurrency },
      fees: [{ cost: 0.52, currency: feeCurrency }],
      info: {
        status: 'closed',
        vol: '2',
        vol_exec: '2',
        price: '100',
        cost: '200',
        fee: rawFee,
        oflags,
        descr: { pair: 'LTCUSD', type: 'buy', ordertype: 'market', leverage: '3:1' },
      },
    }) as unknown as Order;

  it.each<[string, string | undefined]>([
    ['fciq', 'USD'],
    ['fcib', 'LTC'],
    ['', undefined],
  ])("Kraken's fee is in quote whatever ccxt labels it (oflags %j, ccxt says %s)", (oflags, label) => {
    const o = krakenOrder(oflags, label);
    expect(parseOrder(o, { ...hints, ...krakenExtras(o) })).toMatchObject({ fee: 0.52, leverage: 3 });
  });

  it("Kraken's fee: ccxt's own parseOrder labels an fcib order's fee in base; the adapter keeps it in quote", () => {
    const kraken = new ccxt.kraken();
    kraken.setMarkets([
      {
        id: 'XLTCZUSD',
        symbol: 'LTC/USD',
        base: 'LTC',
        quote: 'USD',
        baseId: 'XLTC',
        quoteId: 'ZUSD',
        type: 'spot',
        spot: true,
        active: true,
        precision: {},
        limits: {},
        info: { altname: 'LTCUSD' },
      } as never,
    ]);
    kraken.options['marketsByAltname'] = { LTCUSD: kraken.market('LTC/USD') };
    const o = kraken.parseOrder({
      ...krakenOrder('fcib', 'LTC').info,
      txid: 'OABC-1',
      opentm: 1_700_000_000,
    });
    expect(o.fee).toMatchObject({ currency: 'LTC' });
    expect(parseOrder(o, hints).fee).toBeCloseTo(52, 9); // what trusting the label would book: 100 x too much
    expect(parseOrder(o, { ...hints, ...krakenExtras(o) }).fee).toBe(0.52);
  });

  it("Kraken's fee: no raw fee (an AddOrder answer) falls back to ccxt's; a malformed one is refused", () => {
    const bare = { ...krakenOrder('fciq', undefined), fee: undefined, fees: [], info: { txid: ['OABC-1'] } };
    expect(krakenExtras(bare as Order)).toEqual({});
    expect(parseOrder(bare as Order, { ...hints, ...krakenExtras(bare as Order) }).fee).toBe(0);
    const bad = krakenOrder('fciq', 'USD', 'n/a');
    const e = fail(() => parseOrder(bad, { ...hints, ...krakenExtras(bad) }));
    expect(isExchangeError(e) && e.code).toBe('EXCHANGE_BAD_RESPONSE');
  });

  /** krakenSpec's fetchPositions over a ccxt stub that answers with ccxt's parse of one OpenPositions row. */
  const krakenPositions = (row: Record<string, unknown>) => {
    const kraken = new ccxt.kraken();
    const position: Position = kraken.parsePosition(row, {
      symbol: 'LTC/USD',
      base: 'LTC',
      quote: 'USD',
    } as never);
    const stub = { fetchPositions: async () => [position] } as unknown as Exchange;
    return krakenSpec(3).fetchPositions(stub, 'LTC/USD', 'LTC-USD');
  };
  const row = {
    pair: 'XLTCZUSD',
    type: 'sell',
    vol: '3',
    vol_closed: '1',
    cost: '300',
    fee: '0.4',
    leverage: '3',
  };

  it('a Kraken position row without `net` parses, its unrealised P&L unknown rather than invented', async () => {
    const [p, ...rest] = await krakenPositions(row);
    expect(rest).toEqual([]);
    expect(p).toEqual({
      pair: 'LTC-USD',
      side: 'short',
      amount: 2,
      entryPrice: 100,
      leverage: 3,
      marginCosts: 0.4,
    });
    expect(p).not.toHaveProperty('unrealizedPnl');
    expect((await krakenPositions({ ...row, net: '-5.5' }))[0]).toMatchObject({
      amount: 2,
      unrealizedPnl: -5.5,
    });
  });
});
