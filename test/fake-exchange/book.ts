/**
 * The fake exchange's own books: markets, balances (with holds), accepted orders and margin positions.
 * Both venue front ends (Kraken, Coinbase) share it; it knows nothing about HTTP or response shapes.
 *
 * Simplifications, on purpose: market orders fill at once at the configured price (or a configured fraction
 * of them: partial fills); limit orders rest until cancelled (no matching); one consolidated margin position
 * per pair; fees are the market's taker rate on the filled value, in quote.
 *
 * What a venue does on its own, without the client asking:
 * - stop orders (Kraken `stop-loss`) rest until the price moves through the trigger (`setPrice`: a sell stop
 *   at or below it, a buy stop at or above it), then fill in full as a market order at the trigger price;
 *   a reduce-only stop that finds no position left to reduce is cancelled instead. A stop whose trigger is
 *   already passed when it is placed fills at once, at the market price.
 * - `liquidate` closes a whole margin position with an order of the venue's own (no client id, marked as a
 *   liquidation) and books its P&L; the venue absorbs a shortfall (collateral does not go below zero).
 * Every fill, whoever placed the order (the bot, a person trading by hand, the venue), is recorded in
 * `trades`.
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
export type FakeOrderType = 'market' | 'limit' | 'stop';

/** One execution, as the venue's trade history reports it. */
export interface FakeTrade {
  readonly id: string;
  readonly orderId: string;
  readonly pair: string;
  readonly side: Side;
  /** Base quantity. */
  readonly vol: number;
  readonly price: number;
  /** Quote value (vol x price). */
  readonly cost: number;
  /** Trading fee, in quote. */
  readonly fee: number;
  /** Exchange time (ms). */
  readonly time: number;
  readonly orderType: FakeOrderType;
  /** Leverage of a margin fill; undefined for spot. */
  readonly leverage: number | undefined;
  /** The fill reduced (or closed) a margin position. */
  readonly closing: boolean;
  /** The fill opened (or increased) a margin position. */
  readonly opening: boolean;
  readonly liquidation: boolean;
  /** The order's client id (undefined: placed by hand or by the venue). */
  readonly clientOrderId: string | undefined;
}

export interface FakeOrder {
  readonly id: string;
  /** As the client sent it (Kraken `cl_ord_id`, Coinbase `client_order_id`). */
  readonly clientOrderId: string | undefined;
  readonly userref: number | undefined;
  readonly pair: string;
  readonly side: Side;
  readonly type: FakeOrderType;
  /** Trigger price of a stop order. */
  readonly stopPrice: number | undefined;
  /** Base amount; undefined for a Coinbase market buy sized in quote. */
  readonly amount: number | undefined;
  readonly quoteSize: number | undefined;
  readonly limitPrice: number | undefined;
  readonly leverage: number | undefined;
  readonly reduceOnly: boolean;
  /** Placed by the venue to liquidate a margin position. */
  readonly liquidation: boolean;
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
  readonly type: FakeOrderType;
  readonly amount?: number | undefined;
  readonly quoteSize?: number | undefined;
  readonly limitPrice?: number | undefined;
  /** Trigger price of a stop order. */
  readonly stopPrice?: number | undefined;
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
  /** Trade ids in the venue's format (default `T1`, `T2`, ...). */
  readonly newTradeId?: () => string;
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
  /** Every fill, oldest first. */
  readonly trades: FakeTrade[] = [];
  readonly positions = new Map<string, FakePosition>();
  /** Total balance per currency. */
  readonly totals = new Map<string, number>();
  fillRatio = 1;
  readonly #prices = new Map<string, number>();
  readonly #opts: BookOptions;
  #frozen: Map<string, { total: number; hold: number }> | undefined;
  #tradeSeq = 0;

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

  /** Moves the market; resting stop orders on `pair` that the move passes through fill at their trigger. */
  setPrice(pair: string, price: number): void {
    this.#prices.set(pair, price);
    for (const o of this.orders) {
      if (o.pair === pair && o.type === 'stop' && o.status === 'open' && this.#triggered(o, price)) {
        this.#triggerStop(o, o.stopPrice!);
      }
    }
  }

  #triggered(o: FakeOrder, price: number): boolean {
    return o.side === 'sell' ? price <= o.stopPrice! : price >= o.stopPrice!;
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

  /**
   * The margin account in `quote`: its collateral `balance` (default: the book's total of `quote`; only that
   * currency counts as collateral here), and over the positions quoted in it the unrealised P&L, entry cost,
   * current value and margin used; `equity = balance + unrealized`, `free = equity - used` (Kraken's
   * TradeBalance `e` and `mf`). New margin is checked against `free`.
   */
  marginAccount(
    quote: string,
    balance = this.totals.get(quote) ?? 0,
  ): {
    balance: number;
    unrealized: number;
    cost: number;
    value: number;
    used: number;
    equity: number;
    free: number;
  } {
    let unrealized = 0;
    let cost = 0;
    let value = 0;
    let used = 0;
    for (const p of this.positions.values()) {
      if (this.markets.get(p.pair)?.quote !== quote) continue;
      unrealized += this.unrealized(p);
      cost += p.cost;
      value += this.price(p.pair) * p.vol;
      used += p.cost / p.leverage;
    }
    const equity = balance + unrealized;
    return { balance, unrealized, cost, value, used, equity, free: equity - used };
  }

  /** Unrealised P&L of the position on `pair` at the current price. */
  unrealized(p: FakePosition): number {
    const value = this.price(p.pair) * p.vol;
    return p.side === 'long' ? value - p.cost : p.cost - value;
  }

  byId(id: string): FakeOrder | undefined {
    return this.orders.find((o) => o.id === id);
  }

  /**
   * Accepts an order (fills a market order, rests a limit or stop order), or says why not. Nothing changes
   * on a rejection. Without a client id it is an order placed by hand (on the venue's website); it books
   * and trades like any other.
   */
  submit(req: SubmitRequest): FakeOrder | Rejection {
    const m = this.markets.get(req.pair);
    if (!m) return { reject: 'unknown-pair', message: `unknown pair ${req.pair}` };
    const price = this.price(req.pair);
    // What the checks below assume the order fills at: its limit, its trigger, or the market.
    const execPrice =
      req.type === 'limit'
        ? (req.limitPrice ?? Number.NaN)
        : req.type === 'stop'
          ? (req.stopPrice ?? Number.NaN)
          : price;
    if (!(execPrice > 0)) {
      return { reject: 'invalid', message: `${req.type} order without a valid price` };
    }
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
      if (needed > this.marginAccount(m.quote).free) {
        return { reject: 'insufficient-margin', message: `margin ${needed} above free margin` };
      }
    } else if (req.reduceOnly) {
      return { reject: 'no-position', message: 'reduce-only needs a margin order' };
    } else if (req.side === 'buy') {
      const needed = wanted * execPrice * (1 + m.takerFee);
      if (needed > this.#free(m.quote) + 1e-9) {
        return { reject: 'insufficient-funds', message: `needs ${needed} ${m.quote}` };
      }
      if (req.type !== 'market') hold = { currency: m.quote, amount: needed };
    } else {
      if (wanted > this.#free(m.base) + 1e-12) {
        return { reject: 'insufficient-funds', message: `needs ${wanted} ${m.base}` };
      }
      if (req.type !== 'market') hold = { currency: m.base, amount: wanted };
    }

    const order = this.#newOrder({
      clientOrderId: req.clientOrderId,
      userref: req.userref,
      pair: req.pair,
      side: req.side,
      type: req.type,
      stopPrice: req.type === 'stop' ? req.stopPrice : undefined,
      amount,
      quoteSize: req.quoteSize,
      limitPrice: req.limitPrice,
      leverage: margin ? req.leverage : undefined,
      reduceOnly: req.reduceOnly ?? false,
      liquidation: false,
      hold,
    });
    if (req.type === 'stop') {
      if (this.#triggered(order, price)) this.#triggerStop(order, price);
      return order;
    }
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

  /** Creates an open order with nothing filled and books it. */
  #newOrder(
    o: Omit<FakeOrder, 'id' | 'openedAt' | 'filled' | 'cost' | 'fee' | 'status' | 'closedAt'>,
  ): FakeOrder {
    const order: FakeOrder = {
      ...o,
      id: this.#opts.newId(),
      openedAt: this.now(),
      filled: 0,
      cost: 0,
      fee: 0,
      status: 'open',
      closedAt: undefined,
    };
    this.orders.push(order);
    return order;
  }

  #finish(order: FakeOrder, status: FakeOrderStatus): void {
    order.status = status;
    order.closedAt = this.now();
  }

  /**
   * A stop whose trigger the market reached becomes a market order for its whole amount at `price`; a
   * reduce-only stop reduces what is left of the position and is cancelled when nothing is left, and a stop
   * the account can no longer pay for is cancelled too.
   */
  #triggerStop(order: FakeOrder, price: number): void {
    this.#finish(order, this.#executeStop(order, price));
  }

  /** Fills a triggered stop if it still can, and says how it ends. */
  #executeStop(order: FakeOrder, price: number): FakeOrderStatus {
    const m = this.markets.get(order.pair)!;
    const amount = order.amount ?? 0;
    if (order.leverage !== undefined) {
      const pos = this.positions.get(order.pair);
      const opposite = pos !== undefined && (pos.side === 'long') !== (order.side === 'buy');
      if (order.reduceOnly && !opposite) return 'canceled';
      const reduceVol = opposite ? Math.min(pos!.vol, amount) : 0;
      const target = order.reduceOnly ? reduceVol : amount;
      const needed = ((target - reduceVol) * price) / order.leverage + target * price * m.takerFee;
      if (needed > this.marginAccount(m.quote).free) return 'canceled';
      const qty = floorTo(target, m.amountDecimals);
      if (qty > 0) this.#fill(order, m, qty, price);
      return 'closed';
    }
    order.hold = undefined; // released: the fill below spends it
    const short =
      order.side === 'buy'
        ? amount * price * (1 + m.takerFee) > this.#free(m.quote) + 1e-9
        : amount > this.#free(m.base) + 1e-12;
    if (short) return 'canceled';
    this.#fill(order, m, amount, price);
    return 'closed';
  }

  /**
   * The venue liquidates the whole margin position on `pair` at `price` (default: the market): an order of
   * its own, without a client id, marked as a liquidation, with the usual taker fee. Null without a position.
   */
  liquidate(pair: string, price?: number): FakeOrder | null {
    const pos = this.positions.get(pair);
    const m = this.markets.get(pair);
    if (!pos || !m) return null;
    const at = price ?? this.price(pair);
    const order = this.#newOrder({
      clientOrderId: undefined,
      userref: undefined,
      pair,
      side: pos.side === 'long' ? 'sell' : 'buy',
      type: 'market',
      stopPrice: undefined,
      amount: pos.vol,
      quoteSize: undefined,
      limitPrice: undefined,
      leverage: pos.leverage,
      reduceOnly: true,
      liquidation: true,
      hold: undefined,
    });
    this.#fill(order, m, pos.vol, at);
    this.#finish(order, 'closed');
    // The venue takes the loss beyond the collateral (no negative balance).
    if ((this.totals.get(m.quote) ?? 0) < 0) this.totals.set(m.quote, 0);
    return order;
  }

  #fill(order: FakeOrder, m: FakeMarket, qty: number, price: number): void {
    const value = qty * price;
    const fee = value * m.takerFee;
    order.filled += qty;
    order.cost += value;
    order.fee += fee;
    const trade = (closing: boolean, opening: boolean) =>
      this.trades.push({
        id: this.#opts.newTradeId?.() ?? `T${++this.#tradeSeq}`,
        orderId: order.id,
        pair: order.pair,
        side: order.side,
        vol: qty,
        price,
        cost: value,
        fee,
        time: this.now(),
        orderType: order.type,
        leverage: order.leverage,
        closing,
        opening,
        liquidation: order.liquidation,
        clientOrderId: order.clientOrderId,
      });
    if (order.leverage === undefined) {
      if (order.side === 'buy') {
        this.#add(m.quote, -(value + fee));
        this.#add(m.base, qty);
      } else {
        this.#add(m.base, -qty);
        this.#add(m.quote, value - fee);
      }
      trade(false, false);
      return;
    }
    this.#add(m.quote, -fee);
    let rest = qty;
    let closing = false;
    const pos = this.positions.get(order.pair);
    const dir = order.side === 'buy' ? 'long' : 'short';
    if (pos && pos.side !== dir) {
      closing = true;
      const closeVol = Math.min(pos.vol, rest);
      const entry = pos.cost / pos.vol;
      const pnl = (pos.side === 'long' ? price - entry : entry - price) * closeVol;
      this.#add(m.quote, pnl);
      pos.vol = floorTo(pos.vol - closeVol, m.amountDecimals + 2);
      pos.cost -= entry * closeVol;
      if (pos.vol <= 0) this.positions.delete(order.pair);
      rest -= closeVol;
    }
    const opening = rest > 1e-12 && !order.reduceOnly;
    trade(closing, opening);
    if (opening) {
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
