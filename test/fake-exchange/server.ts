/**
 * A fake exchange for tests: an HTTP server on 127.0.0.1 (random port) that speaks enough of Kraken's or
 * Coinbase Advanced Trade's REST API for ccxt's clients pointed at it, keeps its own books (see `book.ts`)
 * and injects faults on demand.
 *
 * Faults are queued per logical endpoint (or `any`) and consumed by the next matching requests:
 * - `hang`: no answer at all, the request is not processed (the client times out);
 * - `hang-after`: processed (an order is booked), then no answer;
 * - `drop`: the connection is destroyed before processing;
 * - `lost-response`: processed, then the connection is destroyed: "accepted but the answer was lost";
 * - `http`: a bare HTTP error (500, 502, 503, 429) from "the gateway", not processed;
 * - `auth`: the venue's authentication error;
 * - `corrupt`: processed, then impossible figures are written into the answer (negative filled volume,
 *   NaN balance, negative bid);
 * - `accept-later`: no answer (like `hang`, the client times out) and nothing is processed now; the request
 *   is processed `delayMs` later, as if the matching engine got it late: an order the client gave up on
 *   appears afterwards;
 * - `delay`: processed at once, the answer held back `ms` (to aim a kill into an order in flight).
 * Stale balances (`freezeBalances`) and partial fills (`setFillRatio`) are states of the book. What the venue
 * does by itself is done through the book: stop orders trigger on `setPrice`, `book.liquidate` closes a
 * margin position, and `placeByHand` is a person trading on the venue's website (no client order id).
 *
 * Every request is recorded, so a test can check that the client talked to nothing else.
 */

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Book, type FakeMarket, type FakeOrder, type FakeOrderStatus, type SubmitRequest } from './book.js';
import { CoinbaseFront, coinbaseOrderId } from './coinbase.js';
import { KrakenFront, krakenTradeId, krakenTxid } from './kraken.js';

export type Venue = 'kraken' | 'coinbase';

/** Logical endpoints, the same for both venues. */
export type Endpoint =
  | 'time'
  | 'markets'
  | 'ticker'
  | 'ohlc'
  | 'balance'
  | 'placeOrder'
  | 'fetchOrder'
  | 'listOrders'
  | 'cancelOrder'
  | 'positions'
  | 'trades';

export type Fault =
  | { readonly type: 'hang' }
  | { readonly type: 'hang-after' }
  | { readonly type: 'drop' }
  | { readonly type: 'lost-response' }
  | { readonly type: 'http'; readonly status: 429 | 500 | 502 | 503 }
  | { readonly type: 'auth' }
  | { readonly type: 'corrupt' }
  | { readonly type: 'accept-later'; readonly delayMs: number }
  | { readonly type: 'delay'; readonly ms: number };

export interface VenueResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A venue's REST front end over the book. */
export interface VenueFront {
  route(
    method: string,
    path: string,
    query: URLSearchParams,
    params: URLSearchParams,
    raw: string,
  ): { endpoint: Endpoint; run: () => VenueResponse } | null;
  authError(): VenueResponse;
  checkAuth(path: string, headers: Record<string, string | string[] | undefined>): VenueResponse | null;
  corrupt(endpoint: Endpoint, body: unknown): unknown;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly endpoint: Endpoint | null;
  readonly fault: Fault['type'] | null;
  /** The request body as sent (Kraken: form-encoded params; Coinbase: JSON). Credentials travel in headers. */
  readonly body: string;
}

export interface FakeExchangeOptions {
  readonly venue: Venue;
  readonly markets?: readonly FakeMarket[];
  /** Price per pair (default: the default market at 100 for Kraken, 50 000 for Coinbase). */
  readonly prices?: Readonly<Record<string, number>>;
  readonly balances?: Readonly<Record<string, number>>;
  /**
   * The venue's own guard against a reused client order id (default true, as the real APIs): Coinbase
   * returns the earlier order, Kraken refuses the id while an open order carries it (closed orders never
   * count on Kraken, so a market order can always be doubled there). False turns the guard off, so a test
   * can see a doubled order.
   */
  readonly dedupeClientOrderIds?: boolean;
  readonly now?: () => number;
}

export interface FakeExchange {
  readonly venue: Venue;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The default market's pair (`BASE-QUOTE`). */
  readonly pair: string;
  readonly book: Book;
  readonly requests: readonly RecordedRequest[];
  setPrice(price: number, pair?: string): void;
  /** Queues `fault` for the next `times` requests to `endpoint`. */
  inject(endpoint: Endpoint | 'any', fault: Fault, times?: number): void;
  /** Faults still queued. */
  pendingFaults(): number;
  clearFaults(): void;
  /** Fraction of a market order that fills (1: all). */
  setFillRatio(ratio: number): void;
  freezeBalances(): void;
  unfreezeBalances(): void;
  /** Accepted orders carrying `clientOrderId` as the exchange stores it. */
  ordersWithClientId(clientOrderId: string): FakeOrder[];
  /**
   * A person trading on the venue's website: an order without a client id, booked (and traded) like any
   * other. The pair defaults to the default market's.
   *
   * @throws Error when the venue refuses it.
   */
  placeByHand(req: Omit<SubmitRequest, 'pair' | 'clientOrderId' | 'userref'> & { pair?: string }): FakeOrder;
  close(): Promise<void>;
}

export const KRAKEN_LTC_USD: FakeMarket = Object.freeze({
  pair: 'LTC-USD',
  base: 'LTC',
  quote: 'USD',
  amountDecimals: 8,
  priceDecimals: 2,
  minAmount: 0.1,
  minCost: 0.5,
  leverageLevels: [2, 3, 4, 5],
  takerFee: 0.0026,
  makerFee: 0.0016,
});

export const COINBASE_BTC_USD: FakeMarket = Object.freeze({
  pair: 'BTC-USD',
  base: 'BTC',
  quote: 'USD',
  amountDecimals: 8,
  priceDecimals: 2,
  minAmount: 0.00000001,
  minCost: 1,
  leverageLevels: [],
  takerFee: 0.006,
  makerFee: 0.004,
});

const PARTIAL_MARKET_STATUS: Readonly<Record<Venue, FakeOrderStatus>> = {
  kraken: 'open',
  coinbase: 'canceled',
};

interface QueuedFault {
  readonly endpoint: Endpoint | 'any';
  readonly fault: Fault;
  remaining: number;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Body params of a Kraken private call: form-encoded, or JSON for a few calls. */
function bodyParams(raw: string, contentType: string | undefined): URLSearchParams {
  if (contentType?.includes('application/json')) {
    try {
      const obj = JSON.parse(raw) as Record<string, unknown>;
      return new URLSearchParams(Object.entries(obj).map(([k, v]): [string, string] => [k, String(v)]));
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(raw);
}

/** Starts a fake exchange on 127.0.0.1 (a random free port). */
export async function startFakeExchange(opts: FakeExchangeOptions): Promise<FakeExchange> {
  const venue = opts.venue;
  const markets = opts.markets ?? [venue === 'kraken' ? KRAKEN_LTC_USD : COINBASE_BTC_USD];
  const first = markets[0];
  if (!first) throw new Error('fake exchange: at least one market');
  let seq = 0;
  let tradeSeq = 0;
  const book = new Book({
    markets,
    prices: opts.prices ?? { [first.pair]: venue === 'kraken' ? 100 : 50_000 },
    balances: opts.balances ?? { [first.quote]: 10_000, [first.base]: 0 },
    newId: venue === 'kraken' ? () => krakenTxid(++seq) : coinbaseOrderId,
    newTradeId: venue === 'kraken' ? () => krakenTradeId(++tradeSeq) : () => randomUUID(),
    partialMarketStatus: PARTIAL_MARKET_STATUS[venue],
    openingFeeRate: venue === 'kraken' ? 0.0002 : 0,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const dedupeClientOrderIds = opts.dedupeClientOrderIds ?? true;
  const front: VenueFront =
    venue === 'kraken'
      ? new KrakenFront(book, { dedupeClientOrderIds })
      : new CoinbaseFront(book, { dedupeClientOrderIds });

  const faults: QueuedFault[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  /** Work scheduled by `accept-later` and `delay`, cancelled on close. */
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const takeFault = (endpoint: Endpoint | null): Fault | null => {
    const i = faults.findIndex((f) => f.endpoint === 'any' || f.endpoint === endpoint);
    if (i < 0) return null;
    const f = faults[i]!;
    f.remaining -= 1;
    if (f.remaining <= 0) faults.splice(i, 1);
    return f.fault;
  };

  const send = (res: http.ServerResponse, r: VenueResponse) => {
    const text = JSON.stringify(r.body);
    res.writeHead(r.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const params = bodyParams(raw, req.headers['content-type']);
    const route = front.route(method, url.pathname, url.searchParams, params, raw);
    const fault = takeFault(route?.endpoint ?? null);
    requests.push({
      method,
      path: url.pathname + url.search,
      endpoint: route?.endpoint ?? null,
      fault: fault?.type ?? null,
      body: raw,
    });
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`fake ${venue}: no route for ${method} ${url.pathname}`);
      return;
    }
    switch (fault?.type) {
      case 'hang':
        return; // The client's timeout ends it; close() destroys what is left.
      case 'drop':
        req.socket.destroy();
        return;
      case 'http':
        res.writeHead(fault.status, { 'content-type': 'text/html' });
        res.end(`<html><body><h1>${fault.status}</h1>fake gateway error</body></html>`);
        return;
      case 'auth':
        send(res, front.authError());
        return;
      default:
        break;
    }
    const denied = front.checkAuth(url.pathname, req.headers);
    if (denied) {
      send(res, denied);
      return;
    }
    if (fault?.type === 'accept-later') {
      later(fault.delayMs, () => route.run()); // and no answer: the client times out
      return;
    }
    const result = route.run();
    if (fault?.type === 'hang-after') return;
    if (fault?.type === 'lost-response') {
      req.socket.destroy();
      return;
    }
    const answer =
      fault?.type === 'corrupt' ? { ...result, body: front.corrupt(route.endpoint, result.body) } : result;
    if (fault?.type === 'delay') {
      later(fault.ms, () => {
        if (!res.destroyed && !res.writableEnded) send(res, answer);
      });
      return;
    }
    send(res, answer);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    venue,
    url: `http://127.0.0.1:${port}`,
    pair: first.pair,
    book,
    requests,
    setPrice: (price, pair = first.pair) => book.setPrice(pair, price),
    inject(endpoint, fault, times = 1) {
      faults.push({ endpoint, fault, remaining: times });
    },
    pendingFaults: () => faults.reduce((n, f) => n + f.remaining, 0),
    clearFaults() {
      faults.length = 0;
    },
    setFillRatio(ratio) {
      book.fillRatio = ratio;
    },
    freezeBalances: () => book.freezeBalances(),
    unfreezeBalances: () => book.unfreezeBalances(),
    ordersWithClientId: (id) => book.orders.filter((o) => o.clientOrderId === id),
    placeByHand(req) {
      const r = book.submit({ ...req, pair: req.pair ?? first.pair, clientOrderId: undefined });
      if ('reject' in r) throw new Error(`fake ${venue}: order by hand refused: ${r.message}`);
      return r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
