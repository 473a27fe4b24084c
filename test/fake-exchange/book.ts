/**
 * The fake exchange's own books: markets, balances (with holds), accepted orders and margin positions.
 * Both venue front ends (Kraken, Coinbase) share it; it knows nothing about HTTP or response shapes.
 *
 * Simplifications, on purpose: market orders fill at once at the configured price (or a configured fraction
 * of them: partial fills); limit orders rest until cancelled (no matching); one consolidated margin position
 * per pair; fees are the market's taker rate on the filled value, in quote.
 */

export interface FakeMarket {
  /** `BASE-QUOTE`. */
  readonly pair: string;
  readonly base: string;
  readonly quote: string;
  /** Decimals of the base amount step (Kraken `lot_decimals`; Coinbase `base_increment` = 10^-n). */
  readonly amountDecimals: number;
  readonly priceDecimals: number;
  readonly minAmount: number;
  readonly minCost: number;
  /** Leverage levels offered (both sides); empty: spot only. */
  readonly leverageLevels: readonly number[];
  readonly takerFee: number;
  readonly makerFee: number;
}

export type Side = 'buy' | 'sell';
export type FakeOrderStatus = 'open' | 'closed' | 'canceled';

export interface FakeOrder {
  readonly id: string;
  /** As the client sent it (Kraken `cl_ord_id`, Coinbase `client_order_id`). */
  readonly clientOrderId: string | undefined;
  readonly userref: number | undefined;
  readonly pair: string;
  readonly side: Side;
  readonly type: 'market' | 'limit';
  /** Base amount; undefined for a Coinbase market buy sized in quote. */
  readonly amount: number | undefined;
  readonly quoteSize: number | undefined;
  readonly limitPrice: number | undefined;
  readonly leverage: number | undefined;
  readonly reduceOnly: boolean;
  readonly openedAt: number;
  filled: number;
  /** Quote value filled. */
  cost: number;
  fee: number;
  status: FakeOrderStatus;
  closedAt: number | undefined;
  /** Funds reserved by a resting spot order. */
  hold: { currency: string; amount: number } | undefined;
}

export interface FakePosition {
  readonly pair: string;
  side: 'long' | 'short';
  vol: number;
  /** Entry notional (sum of price x volume opened). */
  cost: number;
  /** Trading fees and opening fees charged on the position. */
  fee: number;
  leverage: number;
  readonly openedAt: number;
}

export interface SubmitRequest {
  readonly pair: string;
  readonly side: Side;
  readonly type: 'market' | 'limit';
  readonly amount?: number | undefined;
  readonly quoteSize?: number | undefined;
  readonly limitPrice?: number | undefined;
  readonly leverage?: number | undefined;
  readonly reduceOnly?: boolean | undefined;
  readonly clientOrderId?: string | undefined;
  readonly userref?: number | undefined;
}

export type RejectReason =
  | 'unknown-pair'
  | 'invalid'
  | 'below-minimum'
  | 'insufficient-funds'
  | 'insufficient-margin'
  | 'bad-leverage'
  | 'no-position';

export interface Rejection {
  readonly reject: RejectReason;
  readonly message: string;
}

export interface BookOptions {
  readonly markets: readonly FakeMarket[];
  readonly prices: Readonly<Record<string, number>>;
  readonly balances: Readonly<Record<string, number>>;
  /** Order ids in the venue's format. */
  readonly newId: () => string;
  /** What a partially filled market order becomes: Kraken keeps it open, Coinbase's IOC is cancelled. */
  readonly partialMarketStatus: FakeOrderStatus;
  /** Margin opening fee rate (Kraken: 0.0002). */
  readonly openingFeeRate?: number;
  readonly now?: () => number;
}

/** Rounds `x` down to `decimals` decimals, tolerating binary noise just below a step. */
export function floorTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.floor(x * f + 1e-7) / f;
}

export class Book {
  readonly markets: ReadonlyMap<string, FakeMarket>;
  readonly orders: FakeOrder[] = [];
  readonly positions = new Map<string, FakePosition>();
  /** Total balance per currency. */
  readonly totals = new Map<string, number>();
  fillRatio = 1;
  readonly #prices = new Map<string, number>();
  readonly #opts: BookOptions;
  #frozen: Map<string, { total: number; hold: number }> | undefined;

  constructor(opts: BookOptions) {
    this.#opts = opts;
    this.markets = new Map(opts.markets.map((m) => [m.pair, m]));
    for (const [pair, p] of Object.entries(opts.prices)) this.#prices.set(pair, p);
    for (const [cur, v] of Object.entries(opts.balances)) this.totals.set(cur, v);
  }

  now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  price(pair: string): number {
    const p = this.#prices.get(pair);
    if (p === undefined) throw new Error(`fake book: no price for ${pair}`);
    return p;
  }

  setPrice(pair: string, price: number): void {
    this.#prices.set(pair, price);
  }

  /** Funds reserved by resting orders, per currency. */
  holds(): Map<string, number> {
    const out = new Map<string, number>();
    for (const o of this.orders) {
      if (o.status === 'open' && o.hold)
        out.set(o.hold.currency, (out.get(o.hold.currency) ?? 0) + o.hold.amount);
    }
    return out;
  }

  /** Total and held per currency, or the frozen snapshot while balances are stale. */
  balances(): Map<string, { total: number; hold: number }> {
    if (this.#frozen) return new Map(this.#frozen);
    const holds = this.holds();
    const out = new Map<string, { total: number; hold: number }>();
    for (const [cur, total] of this.totals) out.set(cur, { total, hold: holds.get(cur) ?? 0 });
    return out;
  }

  /** From now on balance reads return the current figures, whatever happens to the books. */
  freezeBalances(): void {
    this.#frozen = this.balances();
  }

  unfreezeBalances(): void {
    this.#frozen = undefined;
  }

  #free(cur: string): number {
    return (this.totals.get(cur) ?? 0) - (this.holds().get(cur) ?? 0);
  }

  #add(cur: string, delta: number): void {
    this.totals.set(cur, (this.totals.get(cur) ?? 0) + delta);
  }

  /** Margin used by all open positions (entry notional / leverage). */
  usedMargin(): number {
    let m = 0;
    for (const p of this.positions.values()) m += p.cost / p.leverage;
    return m;
  }

  /** Unrealised P&L of the position on `pair` at the current price. */
  unrealized(p: FakePosition): number {
    const value = this.price(p.pair) * p.vol;
    return p.side === 'long' ? value - p.cost : p.cost - value;
  }

  byId(id: string): FakeOrder | undefined {
    return this.orders.find((o) => o.id === id);
  }

  /** Accepts (and fills, for market orders) an order, or says why not. Nothing changes on a rejection. */
  submit(req: SubmitRequest): FakeOrder | Rejection {
    const m = this.markets.get(req.pair);
    if (!m) return { reject: 'unknown-pair', message: `unknown pair ${req.pair}` };
    const price = this.price(req.pair);
    const execPrice = req.type === 'limit' ? (req.limitPrice ?? Number.NaN) : price;
    if (!(execPrice > 0)) return { reject: 'invalid', message: 'limit order without a valid price' };
    const amount = req.amount === undefined ? undefined : floorTo(req.amount, m.amountDecimals);
    const wanted = amount ?? (req.quoteSize ?? 0) / execPrice;
    if (!(wanted > 0)) return { reject: 'invalid', message: 'order size must be above 0' };
    if (amount !== undefined && amount < m.minAmount) {
      return { reject: 'below-minimum', message: `volume ${amount} below ${m.minAmount}` };
    }
    if (wanted * execPrice < m.minCost) {
      return { reject: 'below-minimum', message: `cost ${wanted * execPrice} below ${m.minCost}` };
    }

    const margin = req.leverage !== undefined && req.leverage > 1;
    let hold: FakeOrder['hold'];
    let reduceVol = 0;
    if (margin) {
      if (!m.leverageLevels.includes(req.leverage!)) {
        return { reject: 'bad-leverage', message: `leverage ${req.leverage} not offered` };
      }
      const pos = this.positions.get(req.pair);
      const opposite = pos !== undefined && (pos.side === 'long') !== (req.side === 'buy');
      if (req.reduceOnly && !opposite) return { reject: 'no-position', message: 'no position to reduce' };
      reduceVol = opposite ? Math.min(pos!.vol, wanted) : 0;
      const openVol = req.reduceOnly ? 0 : wanted - reduceVol;
      const needed = (openVol * execPrice) / req.leverage! + wanted * execPrice * m.takerFee;
      const equity = this.totals.get(m.quote) ?? 0;
      if (needed > equity - this.usedMargin()) {
        return { reject: 'insufficient-margin', message: `margin ${needed} above free margin` };
      }
    } else if (req.reduceOnly) {
      return { reject: 'no-position', message: 'reduce-only needs a margin order' };
    } else if (req.side === 'buy') {
      const needed = wanted * execPrice * (1 + m.takerFee);
      if (needed > this.#free(m.quote) + 1e-9) {
        return { reject: 'insufficient-funds', message: `needs ${needed} ${m.quote}` };
      }
      if (req.type === 'limit') hold = { currency: m.quote, amount: needed };
    } else {
      if (wanted > this.#free(m.base) + 1e-12) {
        return { reject: 'insufficient-funds', message: `needs ${wanted} ${m.base}` };
      }
      if (req.type === 'limit') hold = { currency: m.base, amount: wanted };
    }

    const order: FakeOrder = {
      id: this.#opts.newId(),
      clientOrderId: req.clientOrderId,
      userref: req.userref,
      pair: req.pair,
      side: req.side,
      type: req.type,
      amount,
      quoteSize: req.quoteSize,
      limitPrice: req.limitPrice,
      leverage: margin ? req.leverage : undefined,
      reduceOnly: req.reduceOnly ?? false,
      openedAt: this.now(),
      filled: 0,
      cost: 0,
      fee: 0,
      status: 'open',
      closedAt: undefined,
      hold,
    };
    this.orders.push(order);
    if (req.type === 'market') {
      const target = req.reduceOnly ? reduceVol : wanted;
      const qty = floorTo(target * Math.min(1, this.fillRatio), m.amountDecimals);
      if (qty > 0) this.#fill(order, m, qty, execPrice);
      const complete = qty >= floorTo(target, m.amountDecimals);
      order.status = complete ? 'closed' : this.#opts.partialMarketStatus;
      if (order.status !== 'open') order.closedAt = this.now();
    }
    return order;
  }

  #fill(order: FakeOrder, m: FakeMarket, qty: number, price: number): void {
    const value = qty * price;
    const fee = value * m.takerFee;
    order.filled += qty;
    order.cost += value;
    order.fee += fee;
    if (order.leverage === undefined) {
      if (order.side === 'buy') {
        this.#add(m.quote, -(value + fee));
        this.#add(m.base, qty);
      } else {
        this.#add(m.base, -qty);
        this.#add(m.quote, value - fee);
      }
      return;
    }
    this.#add(m.quote, -fee);
    let rest = qty;
    const pos = this.positions.get(order.pair);
    const dir = order.side === 'buy' ? 'long' : 'short';
    if (pos && pos.side !== dir) {
      const closeVol = Math.min(pos.vol, rest);
      const entry = pos.cost / pos.vol;
      const pnl = (pos.side === 'long' ? price - entry : entry - price) * closeVol;
      this.#add(m.quote, pnl);
      pos.vol = floorTo(pos.vol - closeVol, m.amountDecimals + 2);
      pos.cost -= entry * closeVol;
      if (pos.vol <= 0) this.positions.delete(order.pair);
      rest -= closeVol;
    }
    if (rest > 1e-12 && !order.reduceOnly) {
      const opening = rest * price * (this.#opts.openingFeeRate ?? 0);
      this.#add(m.quote, -opening);
      const current = this.positions.get(order.pair);
      if (current) {
        current.vol += rest;
        current.cost += rest * price;
        current.fee += fee + opening;
      } else {
        this.positions.set(order.pair, {
          pair: order.pair,
          side: dir,
          vol: rest,
          cost: rest * price,
          fee: fee + opening,
          leverage: order.leverage,
          openedAt: this.now(),
        });
      }
    }
  }

  /** Cancels an open order; null when there is no such open order. */
  cancel(id: string): FakeOrder | null {
    const o = this.byId(id);
    if (o?.status !== 'open') return null;
    o.status = 'canceled';
    o.closedAt = this.now();
    return o;
  }
}
