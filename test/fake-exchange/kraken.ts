/**
 * Kraken's spot REST API (`/0/public/*`, `/0/private/*`) over the fake {@link Book}: enough for ccxt's
 * `kraken` to load markets, read tickers, candles, balances, orders and margin positions, and to place and
 * cancel orders (market, limit and `stop-loss`), and to read the trade history and the margin summary.
 *
 * Shapes follow Kraken's API as ccxt 4.5.84 documents and parses them (`node_modules/ccxt/js/src/kraken.js`:
 * the response examples in `fetchMarkets`, `fetchCurrencies`, `parseTicker`, `fetchBalance`, `createOrder`,
 * `parseOrder`, `fetchOrder`, `fetchOpenOrders`, `fetchClosedOrders`, `cancelOrder`, `fetchPositions`,
 * `parseTrade` and `fetchMyTrades`):
 * every answer is `{ error: [...], result }` with HTTP 200, numbers as strings, order times in seconds.
 * Error strings are the ones ccxt's `exceptions` map knows (`EOrder:Insufficient funds`, ...).
 */
import type { Book, FakeMarket, FakeOrder, FakeTrade, Rejection, SubmitRequest } from './book.js';
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

/** The currency code of a Kraken asset id or altname (`ZUSD`, `USD` -> `USD`). */
function assetCode(id: string): string {
  for (const [code, a] of Object.entries(ASSET_IDS)) if (a.id === id || a.altname === id) return code;
  return id;
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

/**
 * Kraken refuses a `cl_ord_id` already carried by an open order. The exact error string is not documented;
 * this one reaches ccxt as a plain ExchangeError (a refusal).
 */
const DUPLICATE_CL_ORD_ID = 'EOrder:Duplicate order:cl_ord_id';

/** TradesHistory answers 50 trades at a time, newest first (`ofs` pages back). */
const TRADES_PAGE = 50;

/** Kraken order ids look like `OQCLML-BW3P3-BUCMWZ`. */
export function krakenTxid(seq: number): string {
  const s = seq.toString(36).toUpperCase().padStart(16, 'A');
  return `O${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10, 16)}`;
}

/** Kraken trade ids look like `TCJQGY-5KIZV-OSAL6Q`. */
export function krakenTradeId(seq: number): string {
  return `T${krakenTxid(seq).slice(1)}`;
}

export interface KrakenFrontOptions {
  /**
   * Refuse a `cl_ord_id` that an open order carries already (default true, as Kraken does; closed orders
   * never count). False lets a test see a doubled order even among open ones.
   */
  readonly dedupeClientOrderIds?: boolean;
}

export class KrakenFront implements VenueFront {
  readonly #book: Book;
  readonly #dedupe: boolean;

  constructor(book: Book, opts: KrakenFrontOptions = {}) {
    this.#book = book;
    this.#dedupe = opts.dedupeClientOrderIds ?? true;
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
    const px = (x: number | undefined) => (x ?? 0).toFixed(m.priceDecimals);
    const ordertype = o.type === 'stop' ? 'stop-loss' : o.type;
    const how =
      o.type === 'limit'
        ? `limit ${px(o.limitPrice)}`
        : o.type === 'stop'
          ? `stop loss ${px(o.stopPrice)}`
          : 'market';
    const suffix = o.leverage ? ` with ${o.leverage}:1 leverage` : '';
    const json: Record<string, unknown> = {
      refid: null,
      userref: o.userref ?? null,
      status: o.status,
      opentm: o.openedAt / 1000,
      starttm: 0,
      expiretm: 0,
      descr: {
        pair: altname(m),
        type: o.side,
        ordertype,
        price: o.type === 'limit' ? px(o.limitPrice) : o.type === 'stop' ? px(o.stopPrice) : '0',
        price2: '0',
        leverage: lev,
        order: `${o.side} ${vol} ${altname(m)} @ ${how}${suffix}`,
        close: '',
      },
      vol,
      vol_exec: o.filled.toFixed(m.amountDecimals),
      cost: o.cost.toFixed(5),
      fee: o.fee.toFixed(5),
      price: (o.filled > 0 ? o.cost / o.filled : 0).toFixed(m.priceDecimals),
      stopprice: o.type === 'stop' ? px(o.stopPrice) : '0.00000',
      limitprice: '0.00000',
      misc: o.liquidation ? 'liquidation' : '',
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
    const type =
      ordertype === 'market' || ordertype === 'limit' ? ordertype : ordertype === 'stop-loss' ? 'stop' : null;
    if ((side !== 'buy' && side !== 'sell') || type === null) return fail('EGeneral:Invalid arguments');
    const clOrdId = p.get('cl_ord_id');
    if (clOrdId !== null && p.get('userref') !== null) return fail('EGeneral:Invalid arguments');
    if (!(volume > 0)) return fail('EGeneral:Invalid arguments:volume');
    if (type === 'stop' && !(Number(p.get('price')) > 0)) return fail('EGeneral:Invalid arguments:price');
    if (
      this.#dedupe &&
      clOrdId !== null &&
      this.#book.orders.some((o) => o.status === 'open' && o.clientOrderId === clOrdId)
    ) {
      return fail(DUPLICATE_CL_ORD_ID);
    }
    const levRaw = p.get('leverage');
    const userref = p.get('userref');
    const req: SubmitRequest = {
      pair: m.pair,
      side,
      type,
      amount: volume,
      limitPrice: type === 'limit' ? Number(p.get('price')) : undefined,
      // A stop-loss's `price` is its trigger.
      stopPrice: type === 'stop' ? Number(p.get('price')) : undefined,
      leverage: levRaw === null || levRaw === 'none' ? undefined : Number(levRaw.split(':')[0]),
      reduceOnly: p.get('reduce_only') === 'true',
      clientOrderId: clOrdId ?? undefined,
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
        return { endpoint: 'balance', run: () => this.#tradeBalance(params) };
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
      case 'TradesHistory':
        return { endpoint: 'trades', run: () => this.#tradesHistory(params) };
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

  /**
   * The margin summary in `asset` (default ZUSD), from the book's own figures ({@link Book.marginAccount}):
   * `tb` the collateral balance, `n` the unrealised P&L, `e = tb + n` the equity, `m` the margin used,
   * `mf = e - m` the free margin, `ml = 100 e / m` the margin level (absent without positions). The fake
   * counts only that currency as collateral (Kraken also counts other assets, at a haircut).
   */
  #tradeBalance(p: URLSearchParams): VenueResponse {
    const code = assetCode(p.get('asset') ?? 'ZUSD');
    const a = this.#book.marginAccount(code, this.#balances().get(code)?.total ?? 0);
    const s = (x: number) => x.toFixed(4);
    const out: Record<string, string> = {
      eb: s(a.balance),
      tb: s(a.balance),
      m: s(a.used),
      n: s(a.unrealized),
      c: s(a.cost),
      v: s(a.value),
      e: s(a.equity),
      mf: s(a.free),
      uv: '0.0000',
    };
    if (a.used > 0) out['ml'] = s((a.equity / a.used) * 100);
    return ok(out);
  }

  /** One TradesHistory entry, shaped like ccxt's `fetchMyTrades` example. */
  #tradeJson(t: FakeTrade, seq: number): Record<string, unknown> {
    const m = this.#book.markets.get(t.pair)!;
    const misc: string[] = [];
    if (t.closing) misc.push('closing');
    const json: Record<string, unknown> = {
      ordertxid: t.orderId,
      postxid: t.leverage ? `TPOS${String(seq).padStart(2, '0')}-POSIT-ION000` : '',
      pair: krakenPairId(m),
      time: t.time / 1000,
      type: t.side,
      // Kraken names the execution model: a liquidation is "liquidation market", a triggered stop-loss a
      // "stop market".
      ordertype: t.liquidation ? 'liquidation market' : t.orderType === 'stop' ? 'stop market' : t.orderType,
      price: t.price.toFixed(5),
      cost: t.cost.toFixed(5),
      fee: t.fee.toFixed(5),
      vol: t.vol.toFixed(m.amountDecimals),
      margin: (t.leverage ? t.cost / t.leverage : 0).toFixed(5),
      misc: misc.join(','),
      trade_id: seq,
      maker: false,
    };
    if (t.leverage) json['leverage'] = String(t.leverage);
    // Only a trade that opened a position says what became of it.
    if (t.opening) json['posstatus'] = this.#book.positions.has(t.pair) ? 'open' : 'closed';
    return json;
  }

  /** TradesHistory: `start` exclusive and `end` inclusive (unix seconds), newest first, 50 from `ofs`. */
  #tradesHistory(p: URLSearchParams): VenueResponse {
    const start = p.get('start');
    const end = p.get('end');
    const ofs = Number(p.get('ofs') ?? '0') || 0;
    const all = this.#book.trades.map((t, i) => ({ t, seq: i + 1 }));
    const matching = all
      .filter(({ t }) => start === null || t.time / 1000 > Number(start))
      .filter(({ t }) => end === null || t.time / 1000 <= Number(end))
      .reverse();
    const trades: Record<string, unknown> = {};
    for (const { t, seq } of matching.slice(ofs, ofs + TRADES_PAGE)) trades[t.id] = this.#tradeJson(t, seq);
    return ok({ trades, count: matching.length });
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
      balance: { balance: 'NaN', mf: 'NaN' },
      ticker: { b: '-1' },
      positions: { vol: '-2.00000000' },
      trades: { vol: '-1.00000000' },
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
