/**
 * Kraken's spot REST API (`/0/public/*`, `/0/private/*`) over the fake {@link Book}: enough for ccxt's
 * `kraken` to load markets, read tickers, candles, balances, orders and margin positions, and to place and
 * cancel orders.
 *
 * Shapes follow Kraken's API as ccxt 4.5.84 documents and parses them (`node_modules/ccxt/js/src/kraken.js`:
 * the response examples in `fetchMarkets`, `fetchCurrencies`, `parseTicker`, `fetchBalance`, `createOrder`,
 * `parseOrder`, `fetchOrder`, `fetchOpenOrders`, `fetchClosedOrders`, `cancelOrder`, `fetchPositions`):
 * every answer is `{ error: [...], result }` with HTTP 200, numbers as strings, order times in seconds.
 * Error strings are the ones ccxt's `exceptions` map knows (`EOrder:Insufficient funds`, ...).
 */
import type { Book, FakeMarket, FakeOrder, Rejection, SubmitRequest } from './book.js';
import type { Endpoint, VenueFront, VenueResponse } from './server.js';

/** Kraken's asset ids: X-prefixed crypto, Z-prefixed fiat, XBT for bitcoin. */
const ASSET_IDS: Readonly<Record<string, { id: string; altname: string }>> = {
  BTC: { id: 'XXBT', altname: 'XBT' },
  ETH: { id: 'XETH', altname: 'ETH' },
  LTC: { id: 'XLTC', altname: 'LTC' },
  XRP: { id: 'XXRP', altname: 'XRP' },
  USD: { id: 'ZUSD', altname: 'USD' },
  EUR: { id: 'ZEUR', altname: 'EUR' },
};

function asset(code: string): { id: string; altname: string } {
  return ASSET_IDS[code] ?? { id: code, altname: code };
}

const FIAT = new Set(['USD', 'EUR', 'GBP', 'CAD', 'JPY']);

export function krakenPairId(m: FakeMarket): string {
  return asset(m.base).id + asset(m.quote).id;
}

function altname(m: FakeMarket): string {
  return asset(m.base).altname + asset(m.quote).altname;
}

const ok = (result: unknown): VenueResponse => ({ status: 200, body: { error: [], result } });
const fail = (...error: string[]): VenueResponse => ({ status: 200, body: { error } });

const REJECTIONS: Readonly<Record<Rejection['reject'], string>> = {
  'unknown-pair': 'EQuery:Unknown asset pair',
  invalid: 'EGeneral:Invalid arguments',
  'below-minimum': 'EOrder:Order minimum not met',
  'insufficient-funds': 'EOrder:Insufficient funds',
  'insufficient-margin': 'EOrder:Insufficient margin',
  'bad-leverage': 'EGeneral:Invalid arguments:leverage',
  'no-position': 'EOrder:Reduce only:No position exists',
};

/** Kraken order ids look like `OQCLML-BW3P3-BUCMWZ`. */
export function krakenTxid(seq: number): string {
  const s = seq.toString(36).toUpperCase().padStart(16, 'A');
  return `O${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10, 16)}`;
}

export class KrakenFront implements VenueFront {
  readonly #book: Book;

  constructor(book: Book) {
    this.#book = book;
  }

  #market(pairParam: string | undefined): FakeMarket | undefined {
    for (const m of this.#book.markets.values()) {
      if (pairParam === krakenPairId(m) || pairParam === altname(m)) return m;
    }
    return undefined;
  }

  #marketOf(o: FakeOrder): FakeMarket {
    const m = this.#book.markets.get(o.pair);
    if (!m) throw new Error(`no market ${o.pair}`);
    return m;
  }

  #orderJson(o: FakeOrder): Record<string, unknown> {
    const m = this.#marketOf(o);
    const vol = (o.amount ?? o.filled).toFixed(m.amountDecimals);
    const lev = o.leverage ? `${o.leverage}:1` : 'none';
    const limit = o.type === 'limit' ? ` ${o.limitPrice!.toFixed(m.priceDecimals)}` : '';
    const suffix = o.leverage ? ` with ${o.leverage}:1 leverage` : '';
    const json: Record<string, unknown> = {
      refid: null,
      userref: o.userref ?? 0,
      status: o.status,
      opentm: o.openedAt / 1000,
      starttm: 0,
      expiretm: 0,
      descr: {
        pair: altname(m),
        type: o.side,
        ordertype: o.type,
        price: o.type === 'limit' ? o.limitPrice!.toFixed(m.priceDecimals) : '0',
        price2: '0',
        leverage: lev,
        order: `${o.side} ${vol} ${altname(m)} @ ${o.type}${limit}${suffix}`,
        close: '',
      },
      vol,
      vol_exec: o.filled.toFixed(m.amountDecimals),
      cost: o.cost.toFixed(5),
      fee: o.fee.toFixed(5),
      price: (o.filled > 0 ? o.cost / o.filled : 0).toFixed(m.priceDecimals),
      stopprice: '0.00000',
      limitprice: '0.00000',
      misc: '',
      oflags: 'fciq',
    };
    if (o.clientOrderId !== undefined) json['cl_ord_id'] = o.clientOrderId;
    if (o.reduceOnly) json['reduce_only'] = true;
    if (o.status !== 'open') {
      json['closetm'] = (o.closedAt ?? o.openedAt) / 1000;
      json['reason'] = o.status === 'canceled' ? 'User requested' : null;
    }
    return json;
  }

  /** Open or closed orders, newest first, filtered like Kraken does on `userref` and `cl_ord_id`. */
  #orders(open: boolean, params: URLSearchParams): Record<string, unknown> {
    const userref = params.get('userref');
    const clOrdId = params.get('cl_ord_id');
    const out: Record<string, unknown> = {};
    const list = this.#book.orders
      .filter((o) => (o.status === 'open') === open)
      .filter((o) => userref === null || String(o.userref ?? '') === userref)
      .filter((o) => clOrdId === null || o.clientOrderId === clOrdId)
      .sort((a, b) => b.openedAt - a.openedAt)
      .slice(0, open ? undefined : 50);
    for (const o of list) out[o.id] = this.#orderJson(o);
    return out;
  }

  #balances(): Map<string, { total: number; hold: number }> {
    return this.#book.balances();
  }

  #addOrder(p: URLSearchParams): VenueResponse {
    const m = this.#market(p.get('pair') ?? undefined);
    if (!m) return fail(REJECTIONS['unknown-pair']);
    const side = p.get('type');
    const ordertype = p.get('ordertype');
    const volume = Number(p.get('volume'));
    if ((side !== 'buy' && side !== 'sell') || (ordertype !== 'market' && ordertype !== 'limit')) {
      return fail('EGeneral:Invalid arguments');
    }
    if (p.get('cl_ord_id') !== null && p.get('userref') !== null) return fail('EGeneral:Invalid arguments');
    if (!(volume > 0)) return fail('EGeneral:Invalid arguments:volume');
    const levRaw = p.get('leverage');
    const userref = p.get('userref');
    const req: SubmitRequest = {
      pair: m.pair,
      side,
      type: ordertype,
      amount: volume,
      limitPrice: ordertype === 'limit' ? Number(p.get('price')) : undefined,
      leverage: levRaw === null || levRaw === 'none' ? undefined : Number(levRaw.split(':')[0]),
      reduceOnly: p.get('reduce_only') === 'true',
      clientOrderId: p.get('cl_ord_id') ?? undefined,
      userref: userref === null ? undefined : Number(userref),
    };
    const r = this.#book.submit(req);
    if ('reject' in r) return fail(REJECTIONS[r.reject]);
    const descr = (this.#orderJson(r)['descr'] as { order: string }).order;
    return ok({ descr: { order: descr }, txid: [r.id] });
  }

  #cancel(p: URLSearchParams): VenueResponse {
    const clOrdId = p.get('cl_ord_id');
    const txid = p.get('txid');
    const target = this.#book.orders.find(
      (o) =>
        o.status === 'open' &&
        (clOrdId !== null ? o.clientOrderId === clOrdId : o.id === txid || String(o.userref) === txid),
    );
    if (!target) return fail('EOrder:Unknown order');
    this.#book.cancel(target.id);
    return ok({ count: 1 });
  }

  #positions(p: URLSearchParams): VenueResponse {
    const consolidated = p.get('consolidation') === 'market';
    const rows = [...this.#book.positions.values()].map((pos) => {
      const m = this.#book.markets.get(pos.pair)!;
      const value = this.#book.price(pos.pair) * pos.vol;
      return {
        pos,
        row: {
          pair: krakenPairId(m),
          type: pos.side === 'long' ? 'buy' : 'sell',
          cost: pos.cost.toFixed(5),
          fee: pos.fee.toFixed(5),
          vol: pos.vol.toFixed(m.amountDecimals),
          vol_closed: '0.00000000',
          margin: (pos.cost / pos.leverage).toFixed(5),
          value: value.toFixed(5),
          net: this.#book.unrealized(pos).toFixed(5),
        } as Record<string, unknown>,
      };
    });
    if (consolidated) {
      return ok(rows.map(({ pos, row }) => ({ ...row, positions: '1', leverage: pos.leverage.toFixed(5) })));
    }
    const result: Record<string, unknown> = {};
    rows.forEach(({ pos, row }, i) => {
      result[`T${String(i).padStart(5, '0')}-POSIT-ION${i}`] = {
        ...row,
        ordertxid: 'OUNKNOWN-00000-000000',
        posstatus: 'open',
        time: pos.openedAt / 1000,
        ordertype: 'market',
        terms: '0.0200% per 4 hours',
        rollovertm: String(Math.floor(pos.openedAt / 1000) + 4 * 3600),
        misc: '',
        oflags: '',
      };
    });
    return ok(result);
  }

  route(
    method: string,
    path: string,
    query: URLSearchParams,
    params: URLSearchParams,
  ): {
    endpoint: Endpoint;
    run: () => VenueResponse;
  } | null {
    const [, version, access, name] = path.split('/');
    if (version !== '0' || !name) return null;
    const book = this.#book;
    if (access === 'public' && method === 'GET') {
      switch (name) {
        case 'Time':
          return {
            endpoint: 'time',
            run: () => {
              const now = book.now();
              return ok({ unixtime: Math.floor(now / 1000), rfc1123: new Date(now).toUTCString() });
            },
          };
        case 'Assets':
          return { endpoint: 'markets', run: () => ok(this.#assets()) };
        case 'AssetPairs':
          return { endpoint: 'markets', run: () => ok(this.#assetPairs()) };
        case 'Ticker':
          return { endpoint: 'ticker', run: () => this.#ticker(query.get('pair') ?? undefined) };
        case 'OHLC':
          return { endpoint: 'ohlc', run: () => this.#ohlc(query) };
        default:
          return null;
      }
    }
    if (access !== 'private' || method !== 'POST') return null;
    switch (name) {
      case 'Balance':
        return {
          endpoint: 'balance',
          run: () => {
            const out: Record<string, string> = {};
            for (const [cur, b] of this.#balances()) out[asset(cur).id] = b.total.toFixed(10);
            return ok(out);
          },
        };
      case 'BalanceEx':
        return {
          endpoint: 'balance',
          run: () => {
            const out: Record<string, unknown> = {};
            for (const [cur, b] of this.#balances()) {
              out[asset(cur).id] = { balance: b.total.toFixed(10), hold_trade: b.hold.toFixed(10) };
            }
            return ok(out);
          },
        };
      case 'TradeBalance':
        return { endpoint: 'balance', run: () => this.#tradeBalance() };
      case 'AddOrder':
        return { endpoint: 'placeOrder', run: () => this.#addOrder(params) };
      case 'QueryOrders':
        return {
          endpoint: 'fetchOrder',
          run: () => {
            const ids = (params.get('txid') ?? '').split(',').filter(Boolean);
            const result: Record<string, unknown> = {};
            for (const id of ids) {
              const o = book.byId(id);
              if (o) result[id] = this.#orderJson(o);
            }
            return Object.keys(result).length === 0 ? fail('EOrder:Unknown order') : ok(result);
          },
        };
      case 'OpenOrders':
        return { endpoint: 'listOrders', run: () => ok({ open: this.#orders(true, params) }) };
      case 'ClosedOrders':
        return {
          endpoint: 'listOrders',
          run: () => {
            const closed = this.#orders(false, params);
            return ok({ closed, count: Object.keys(closed).length });
          },
        };
      case 'CancelOrder':
        return { endpoint: 'cancelOrder', run: () => this.#cancel(params) };
      case 'OpenPositions':
        return { endpoint: 'positions', run: () => this.#positions(params) };
      default:
        return null;
    }
  }

  #assets(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const m of this.#book.markets.values()) {
      for (const code of [m.base, m.quote]) {
        const a = asset(code);
        out[a.id] = {
          aclass: 'currency',
          altname: a.altname,
          decimals: FIAT.has(code) ? 4 : 10,
          display_decimals: FIAT.has(code) ? 2 : 5,
          collateral_value: 1,
          status: 'enabled',
        };
      }
    }
    return out;
  }

  #assetPairs(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const m of this.#book.markets.values()) {
      const base = asset(m.base);
      const quote = asset(m.quote);
      out[krakenPairId(m)] = {
        altname: altname(m),
        wsname: `${base.altname}/${quote.altname}`,
        aclass_base: 'currency',
        base: base.id,
        aclass_quote: 'currency',
        quote: quote.id,
        lot: 'unit',
        cost_decimals: 5,
        pair_decimals: m.priceDecimals,
        lot_decimals: m.amountDecimals,
        lot_multiplier: 1,
        leverage_buy: [...m.leverageLevels],
        leverage_sell: [...m.leverageLevels],
        fees: [
          [0, m.takerFee * 100],
          [50000, 0.24],
        ],
        fees_maker: [
          [0, m.makerFee * 100],
          [50000, 0.14],
        ],
        fee_volume_currency: 'ZUSD',
        margin_call: 80,
        margin_stop: 40,
        ordermin: String(m.minAmount),
        costmin: String(m.minCost),
        tick_size: (10 ** -m.priceDecimals).toFixed(m.priceDecimals),
        status: 'online',
      };
    }
    return out;
  }

  #ticker(pairParam: string | undefined): VenueResponse {
    const m = this.#market(pairParam);
    if (!m) return fail('EQuery:Unknown asset pair');
    const p = this.#book.price(m.pair);
    const d = m.priceDecimals;
    const half = 10 ** -d;
    const s = (x: number) => x.toFixed(d);
    return ok({
      [krakenPairId(m)]: {
        a: [s(p + half), '1', '1.000'],
        b: [s(p - half), '2', '2.000'],
        c: [s(p), '0.10000000'],
        v: ['100.00000000', '1000.00000000'],
        p: [s(p), s(p)],
        t: [100, 1000],
        l: [s(p * 0.98), s(p * 0.97)],
        h: [s(p * 1.02), s(p * 1.03)],
        o: s(p),
      },
    });
  }

  #ohlc(query: URLSearchParams): VenueResponse {
    const m = this.#market(query.get('pair') ?? undefined);
    if (!m) return fail('EQuery:Unknown asset pair');
    const interval = Number(query.get('interval') ?? '1') * 60;
    const p = this.#book.price(m.pair).toFixed(m.priceDecimals);
    const last = Math.floor(this.#book.now() / 1000 / interval) * interval;
    const rows = Array.from({ length: 10 }, (_, i) => [
      last - (9 - i) * interval,
      p,
      p,
      p,
      p,
      p,
      '1.00000000',
      10,
    ]);
    return ok({ [krakenPairId(m)]: rows, last });
  }

  #tradeBalance(): VenueResponse {
    const balances = this.#balances();
    const eb = balances.get('USD')?.total ?? 0;
    let net = 0;
    let value = 0;
    for (const pos of this.#book.positions.values()) {
      net += this.#book.unrealized(pos);
      value += pos.cost;
    }
    const used = this.#book.usedMargin();
    const equity = eb + net;
    const s = (x: number) => x.toFixed(4);
    return ok({
      eb: s(eb),
      tb: s(eb),
      m: s(used),
      n: s(net),
      c: s(value),
      v: s(value + net),
      e: s(equity),
      mf: s(equity - used),
      ml: used > 0 ? s((equity / used) * 100) : undefined,
    });
  }

  authError(): VenueResponse {
    return fail('EAPI:Invalid key');
  }

  /** Checks what Kraken checks first: the key and a signature are present (any signature passes). */
  checkAuth(path: string, headers: Record<string, string | string[] | undefined>): VenueResponse | null {
    if (!path.startsWith('/0/private/')) return null;
    return headers['api-key'] && headers['api-sign'] ? null : this.authError();
  }

  /** Writes impossible figures into the response: a negative filled volume, a NaN balance, a bid of -1. */
  corrupt(endpoint: Endpoint, body: unknown): unknown {
    const keys: Partial<Record<Endpoint, Record<string, string>>> = {
      fetchOrder: { vol_exec: '-1.00000000' },
      listOrders: { vol_exec: '-1.00000000' },
      balance: { balance: 'NaN' },
      ticker: { b: '-1' },
      positions: { vol: '-2.00000000' },
    };
    return rewrite(body, keys[endpoint] ?? {});
  }
}

/** Deep copy of `body` with the values of the given keys replaced (arrays' first element for arrays). */
export function rewrite(body: unknown, keys: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(body)) return body.map((x) => rewrite(x, keys));
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const replacement = keys[k];
    if (replacement === undefined) out[k] = rewrite(v, keys);
    else out[k] = Array.isArray(v) ? [replacement, ...v.slice(1)] : replacement;
  }
  return out;
}
