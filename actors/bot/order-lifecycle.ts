/**
 * The order lifecycle of one bot: intent (journal, then state.json with `pending_order`) -> submitted ->
 * acknowledged -> fill, or rejected / unknown; and the protective stop that rests on the exchange while a
 * margin position is open.
 *
 * The journal and the state are written before the exchange is called, so a crash at any point leaves
 * enough to reconcile; the client order id comes from (bot, decision candle, action), so a retry or a
 * restart names the same order. Nothing is trimmed: an entry the exchange cannot pay for is refused with an
 * alert, and an exit larger than what the exchange holds stops every order.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadedBot } from '../../config/index.js';
import {
  type Candle,
  entryQuantity,
  equity,
  type FillModel,
  fillPrice,
  floorToStep,
  type RiskConfig,
  stopLossLevel,
  type Target,
} from '../../core/index.js';
import { clientOrderId } from '../exchanges/client-order-id.js';
import { ExchangeError } from '../exchanges/errors.js';
import type { ExchangePort, OrderRequest, OrderState } from '../exchanges/port.js';
import type { Logger } from '../log.js';
import type { PendingOrder } from '../persistence/state-file.js';
import type { Books } from './books.js';

/** Waiting for an order to become final, and for one of unknown outcome to show. */
export interface OrderSettle {
  /** An order still open after this long is cancelled, and what filled is booked. */
  readonly timeoutMs: number;
  /** Interval between reads of an open order. */
  readonly pollMs: number;
  /**
   * An order in flight that the exchange does not know at reconciliation is looked up this many more times,
   * `pollMs` apart, before reconciliation reports back (live venues only).
   */
  readonly notFoundRetries: number;
  /**
   * Live venues only: an order of unknown outcome counts as never placed only when the exchange's order
   * history still does not show it this long after it was sent (a request that timed out on our side can
   * reach the matching engine much later). Until then it stays pending and blocks every new order.
   */
  readonly absentAfterMs: number;
}

/** Defaults: within the 60 s a shutdown allows a cycle, with room for the rest of the cycle. */
export const ORDER_SETTLE: OrderSettle = Object.freeze({
  timeoutMs: 20_000,
  pollMs: 500,
  notFoundRetries: 4,
  absentAfterMs: 5 * 60_000,
});

/** Marks an error as an order whose outcome is unknown: the machine reconciles before anything else. */
export function unknownOutcome(err: unknown): Error {
  return Object.assign(err instanceof Error ? err : new Error(String(err)), { kind: 'unknown-outcome' });
}

/** An error that halts new entries (exits go on) until a person resumes the bot. */
function haltEntries(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { kind: 'halt' });
}

/** An error that stops every order: the bot no longer knows what it holds. */
function blockAll(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { kind: 'block' });
}

export interface PlannedOrder {
  /** `stop`: a stop-loss or take-profit exit; `close`: the strategy's exit; `open`: an entry. */
  readonly action: 'open' | 'close' | 'stop';
  readonly side: 'buy' | 'sell';
  readonly target: Target;
  readonly reason: string;
  readonly reduceOnly: boolean;
}

export interface OrderDeskDeps {
  readonly bot: LoadedBot;
  readonly exchange: ExchangePort;
  readonly books: Books;
  readonly risk: RiskConfig;
  readonly fill: FillModel;
  readonly log: Logger;
  readonly now: () => number;
  readonly settle: OrderSettle;
}

/** Relative tolerance when comparing what the exchange has with what an order needs. */
const FUNDS_TOLERANCE = 1e-6;

export class OrderDesk {
  constructor(private readonly d: OrderDeskDeps) {}

  private get pair(): string {
    return this.d.bot.config.trading.pair;
  }

  private get margin(): boolean {
    return this.d.bot.config.mode === 'margin';
  }

  /**
   * Looks an order up by its client order id. On a live venue a miss is retried a few times: the request
   * that lost its answer may still be on its way to the matching engine.
   */
  async lookUp(clientOrderId: string): Promise<OrderState | null> {
    let found = await this.d.exchange.fetchOrderByClientId(this.pair, clientOrderId);
    for (let k = 0; !found && this.d.exchange.live && k < this.d.settle.notFoundRetries; k++) {
      await sleep(this.d.settle.pollMs);
      found = await this.d.exchange.fetchOrderByClientId(this.pair, clientOrderId);
    }
    return found;
  }

  /**
   * Reads an order until it is final (closed, canceled, expired or rejected). A market order usually fills
   * at once, but the first read can catch it still open; booking that read would lose the rest of the fill.
   * Past `timeoutMs` the rest is cancelled and what filled is booked.
   *
   * @throws an `unknown-outcome` error when the order cannot be read or is still open after the cancel.
   */
  async settle(p: { client_order_id: string }, first: OrderState): Promise<OrderState> {
    const { timeoutMs, pollMs } = this.d.settle;
    const deadline = this.d.now() + timeoutMs;
    let o = first;
    try {
      while (o.status === 'open' && this.d.now() < deadline) {
        await sleep(pollMs);
        o = await this.d.exchange.fetchOrder(this.pair, o.id);
      }
      if (o.status === 'open') {
        this.d.log.warn(
          { client_order_id: p.client_order_id, filled: o.filled, amount: o.amount, alert: true },
          `order still open after ${timeoutMs / 1000} s; cancelling the rest`,
        );
        o = await this.d.exchange.cancelOrder(this.pair, o.id);
        if (o.status === 'open') o = await this.d.exchange.fetchOrder(this.pair, o.id);
      }
    } catch (err) {
      throw unknownOutcome(err);
    }
    if (o.status === 'open') {
      throw unknownOutcome(
        new Error(`order ${p.client_order_id} (${o.id}) is still open after a cancel; it is reconciled next`),
      );
    }
    return o;
  }

  /**
   * Places the planned orders one after the other; returns how many were placed. The target counts as
   * acted on only when the plan's last leg has filled in full, so a flip whose open leg fails is planned
   * again on the next candle.
   */
  async placeAll(plan: readonly PlannedOrder[], candle: Candle): Promise<number> {
    const books = this.d.books;
    let placed = 0;
    for (const [i, p] of plan.entries()) {
      const last = i === plan.length - 1;
      let qty: number;
      if (p.action === 'open') {
        const sized = await this.sizeEntry(p);
        if (sized === null) {
          // Nothing to place, by rule: the decision stands, so the same entry is not tried every candle.
          books.update({ last_acted_target: p.target });
          continue;
        }
        qty = sized;
      } else {
        // An exit first takes the protective stop off the exchange; a stop that filled meanwhile is booked,
        // and the exit is sized on what is left.
        await this.liftStop();
        const pos = books.state.account.position;
        if (pos.side === 'NONE') {
          if (actsOnTarget(p) && last) books.update({ last_acted_target: p.target });
          continue;
        }
        qty = pos.qty;
      }
      const exit = p.action !== 'open';
      const pending: PendingOrder = {
        client_order_id: clientOrderId({
          bot: this.d.bot.id,
          decisionTs: candle.ts,
          action: `${p.action}_${p.side}`,
        }),
        side: p.side,
        qty,
        target: p.target,
        decision_ts: candle.ts,
        reason: p.reason,
        reduce_only: p.reduceOnly,
        status: 'intent',
        submitted_at: this.d.now(),
      };
      const order = await this.submitKeepingStop(exit, candle.ts, pending, {
        clientOrderId: pending.client_order_id,
        pair: this.pair,
        side: p.side,
        type: 'market',
        amount: qty,
        ...(this.margin ? { leverage: this.d.bot.config.trading.leverage } : {}),
        ...(p.reduceOnly && this.margin ? { reduceOnly: true } : {}),
      });
      books.adoptOrder(pending, order, order.status === 'closed' ? 'filled' : `${order.status}, part filled`);
      // Complete against the amount asked for, not the exchange's idea of the amount.
      const complete = order.status === 'closed' && order.filled >= qty * (1 - 1e-9);
      if (!complete) {
        this.d.log.error(
          {
            client_order_id: pending.client_order_id,
            status: order.status,
            filled: order.filled,
            asked: qty,
            alert: true,
          },
          'order ended without filling in full; the rest is planned again on the next candle',
        );
      }
      const acted = actsOnTarget(p) && complete && last ? p.target : books.state.last_acted_target;
      books.update({ pending_order: null, last_acted_target: acted });
      books.save('ordering');
      placed++;
      if (p.action === 'open') await this.protect(candle.ts);
      if (!complete) break;
    }
    return placed;
  }

  /**
   * Sizes an entry on the bot's own equity, and checks it against the same sizing on the smaller of that
   * equity and what the exchange has free; null when it is below the venue's minimum amount or cost.
   *
   * @throws a `halt` error when the exchange has less than the entry needs: it is refused, never trimmed.
   */
  private async sizeEntry(p: PlannedOrder): Promise<number | null> {
    const ex = this.d.exchange;
    const ticker = await ex.fetchTicker(this.pair);
    const ref = p.side === 'buy' ? ticker.ask : ticker.bid;
    const px = fillPrice(p.side, ref, this.d.fill);
    const own = equity(this.d.books.state.account, ref);
    const free = ex.live ? await ex.fetchFreeCollateral(this.pair) : Number.POSITIVE_INFINITY;
    const market = await ex.market(this.pair);
    const qty = floorToStep(entryQuantity(own, px, this.d.risk, this.d.fill), market.amountStep);
    const cost = qty * px;
    if (!(qty > 0) || qty < market.minAmount || (market.minCost !== undefined && cost < market.minCost)) {
      this.d.log.warn(
        { qty, cost, min_amount: market.minAmount, min_cost: market.minCost, equity: own, free },
        "entry below the venue's minimum amount or cost; not placed",
      );
      return null;
    }
    if (ex.live) {
      // The same rules on what the exchange has free: a smaller answer means the exchange cannot carry the
      // entry the books call for (the cash is not there, or the position would break max_position_pct).
      const fits = floorToStep(
        entryQuantity(Math.min(own, free), px, this.d.risk, this.d.fill),
        market.amountStep,
      );
      const need = this.margin
        ? cost / this.d.bot.config.trading.leverage
        : cost * (1 + this.d.fill.takerFeeBps / 10_000);
      if (fits < qty * (1 - FUNDS_TOLERANCE) || need > free * (1 + FUNDS_TOLERANCE)) {
        const why = `the exchange has ${free} free but the entry needs ${need}; refused, nothing trimmed`;
        this.d.log.error({ need, free, alert: true }, `insufficient funds: ${why}`);
        throw haltEntries(`insufficient funds: ${why}`);
      }
    }
    return qty;
  }

  /**
   * Sends an order; when an exit fails, the position that is still open gets its protective stop back
   * (it was taken off the exchange for the exit).
   */
  private async submitKeepingStop(
    exit: boolean,
    decisionTs: number,
    pending: PendingOrder,
    req: OrderRequest,
  ): Promise<OrderState> {
    try {
      return await this.submit(pending, exit, req);
    } catch (err) {
      if (exit && (err as { kind?: string }).kind !== 'unknown-outcome') {
        await this.protect(decisionTs).catch(() => undefined);
      }
      throw err;
    }
  }

  /**
   * Journals and sends one order, then waits for it to be final.
   *
   * @throws `unknown-outcome` (pending_order stays; the machine reconciles first), `halt` (an entry the
   *   exchange cannot pay for), `block` (an exit the exchange cannot fill from what it holds), or the
   *   exchange's rejection.
   */
  private async submit(pending: PendingOrder, exit: boolean, req: OrderRequest): Promise<OrderState> {
    const books = this.d.books;
    const cid = pending.client_order_id;
    books.append({
      type: 'intent',
      ts: this.d.now(),
      client_order_id: cid,
      decision_ts: pending.decision_ts,
      side: pending.side,
      qty: pending.qty,
      target: pending.target,
      reason: pending.reason,
      paper: books.paper,
    });
    books.update({ pending_order: pending });
    books.save('ordering');
    books.append({ type: 'submitted', ts: this.d.now(), client_order_id: cid });
    let order: OrderState;
    try {
      order = await this.d.exchange.placeOrder(req);
    } catch (err) {
      if (!(err instanceof ExchangeError && err.kind === 'rejected')) {
        books.append({ type: 'unknown', ts: this.d.now(), client_order_id: cid, error: messageOf(err) });
        throw unknownOutcome(err);
      }
      books.append({ type: 'rejected', ts: this.d.now(), client_order_id: cid, error: err.message });
      books.update({ pending_order: null });
      books.save('ordering');
      if (err.code === 'EXCHANGE_INSUFFICIENT_FUNDS') {
        if (exit) {
          this.d.log.error(
            { error: err.message, alert: true },
            'an exit is larger than what the exchange holds: every order stops until a person checks the account',
          );
          throw blockAll(`exit refused for insufficient funds (${err.message}): check the account`, err);
        }
        this.d.log.error(
          { error: err.message, alert: true },
          'insufficient funds: entries halted until a person resumes the bot; exits go on',
        );
        throw haltEntries(`insufficient funds: ${err.message}`, err);
      }
      throw err;
    }
    books.append({ type: 'acknowledged', ts: this.d.now(), client_order_id: cid, order_id: order.id });
    if (order.status !== 'open') return order;
    try {
      return await this.settle(pending, order);
    } catch (err) {
      books.append({ type: 'unknown', ts: this.d.now(), client_order_id: cid, error: messageOf(err) });
      throw err;
    }
  }

  // ------------------------------------------------------------ protective stop

  /** True when this bot keeps a stop order on the exchange while it holds a position. */
  get protects(): boolean {
    // Margin only: a Kraken margin stop is reduce-only, so it can never sell more than the position.
    return this.margin && this.d.exchange.placeStopOrder !== undefined && this.d.risk.stopLoss !== undefined;
  }

  /**
   * Rests a reduce-only stop on the exchange at the position's stop-loss level, unless one for this size
   * already rests there. A placement that fails is logged with an alert and tried again next cycle; the
   * bot's own stop check at each candle still runs meanwhile.
   */
  async protect(decisionTs: number): Promise<void> {
    const books = this.d.books;
    const pos = books.state.account.position;
    const place = this.d.exchange.placeStopOrder?.bind(this.d.exchange);
    if (!place || !this.protects) return;
    const resting = books.state.protective_stop;
    if (pos.side === 'NONE') {
      // The position went (a liquidation, a hand close): its stop must not stay behind.
      if (resting) await this.liftStop();
      return;
    }
    const side = pos.side === 'LONG' ? 'sell' : 'buy';
    const stopPrice = stopLossLevel(pos, this.d.risk);
    if (resting) {
      const same =
        resting.side === side &&
        Math.abs(resting.qty - pos.qty) <= pos.qty * 1e-9 &&
        Math.abs(resting.stop_price - stopPrice) <= stopPrice * 1e-9;
      if (same) return;
      await this.liftStop();
      if (books.state.protective_stop) return; // not lifted: tried again next cycle
    }
    // Unique per placement (a stop the venue cancelled is placed again under a new id); the record is
    // saved with the id before the call, so a crash in between finds it by that id.
    const cid = clientOrderId({ bot: this.d.bot.id, decisionTs: this.d.now(), action: `protect_${side}` });
    books.update({
      protective_stop: {
        client_order_id: cid,
        side,
        qty: pos.qty,
        stop_price: stopPrice,
        placed_at: this.d.now(),
      },
    });
    books.append({
      type: 'intent',
      ts: this.d.now(),
      client_order_id: cid,
      decision_ts: decisionTs,
      side,
      qty: pos.qty,
      target: 'FLAT',
      reason: `protective stop at ${stopPrice}`,
      paper: books.paper,
    });
    books.save();
    try {
      const o = await place({
        clientOrderId: cid,
        pair: this.pair,
        side,
        amount: pos.qty,
        stopPrice,
        ...(this.margin ? { leverage: this.d.bot.config.trading.leverage } : {}),
      });
      books.append({ type: 'acknowledged', ts: this.d.now(), client_order_id: cid, order_id: o.id });
      books.update({ protective_stop: { ...books.state.protective_stop!, order_id: o.id } });
      this.d.log.info(
        { client_order_id: cid, order_id: o.id, stop_price: stopPrice },
        'protective stop rests',
      );
    } catch (err) {
      if (err instanceof ExchangeError && err.kind === 'rejected') {
        books.append({ type: 'rejected', ts: this.d.now(), client_order_id: cid, error: err.message });
        books.update({ protective_stop: null });
      } else {
        // Unknown outcome: the record stays without an order id and is looked up by client id next cycle.
        books.append({ type: 'unknown', ts: this.d.now(), client_order_id: cid, error: messageOf(err) });
      }
      this.d.log.error(
        { client_order_id: cid, error: messageOf(err), alert: true },
        'could not place the protective stop; tried again next cycle (the candle stop check still runs)',
      );
    }
    books.save();
  }

  /** Reads the resting protective stop; a stop that filled on the exchange is booked from the exchange. */
  async checkStop(): Promise<void> {
    const books = this.d.books;
    const s = books.state.protective_stop;
    if (!s) return;
    const o = s.order_id
      ? await this.d.exchange.fetchOrder(this.pair, s.order_id)
      : await this.d.exchange.fetchOrderByClientId(this.pair, s.client_order_id);
    if (!o) {
      if (this.d.now() - s.placed_at > this.d.settle.absentAfterMs) books.update({ protective_stop: null });
      return;
    }
    if (o.status === 'open') {
      if (!s.order_id) books.update({ protective_stop: { ...s, order_id: o.id } });
      return;
    }
    this.bookStop(s.client_order_id, o, 'protective stop filled on the exchange');
  }

  /** Takes the protective stop off the exchange (before an exit); a fill that beat the cancel is booked. */
  async liftStop(): Promise<void> {
    const books = this.d.books;
    const s = books.state.protective_stop;
    if (!s) return;
    let o: OrderState | null;
    try {
      const id = s.order_id ?? (await this.d.exchange.fetchOrderByClientId(this.pair, s.client_order_id))?.id;
      o = id === undefined ? null : await this.d.exchange.cancelOrder(this.pair, id);
    } catch (err) {
      // The exit goes on: the stop is reduce-only, and the next cycle reads it again.
      this.d.log.warn(
        { error: messageOf(err), client_order_id: s.client_order_id },
        'protective stop cancel failed',
      );
      return;
    }
    if (o?.status === 'open') {
      // The cancel has not taken yet (or the stop is filling): keep the record, read it next cycle.
      this.d.log.warn({ client_order_id: s.client_order_id }, 'protective stop still open after its cancel');
      return;
    }
    if (o) this.bookStop(s.client_order_id, o, 'protective stop filled before its cancel');
    else books.update({ protective_stop: null });
  }

  private bookStop(cid: string, o: OrderState, why: string): void {
    const books = this.d.books;
    if (o.filled > 0) {
      const trade = books.adoptOrder({ client_order_id: cid, reason: 'protective stop' }, o, why);
      this.d.log.warn({ trade, alert: true }, why);
    } else {
      books.append({ type: 'cancelled', ts: this.d.now(), client_order_id: cid });
    }
    books.update({ protective_stop: null });
    books.save();
  }
}

/**
 * Whether filling this leg (as the plan's last) acts on its target. A stop exit does not: the strategy must
 * change its mind before re-entering. A close does only when the target is flat: an entry the halt held
 * back is taken up again once a person resumes the bot.
 */
function actsOnTarget(p: PlannedOrder): boolean {
  return p.action === 'open' || (p.action === 'close' && p.target === 'FLAT');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
