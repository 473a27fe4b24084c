/**
 * Reconciliation: the exchange is the truth for what a live bot holds.
 *
 * - At start, and after an order of unknown outcome, the order in flight is resolved first. On a live venue
 *   an order the exchange does not show stays pending (and blocks every new order) until the exchange
 *   shows it, or until its order history covers `absentAfterMs` after the order was sent.
 * - At start and every live cycle, the protective stop is read (a fill is booked from the exchange) and the
 *   exchange's position (margin) or base balance (spot) is compared with the books, to the venue's step.
 * - A difference the exchange's own trades explain (a liquidation, a person trading by hand) is booked from
 *   those trades, and new entries stop until a person resumes the bot. A difference nothing explains stops
 *   every order: the bot does not know what it holds.
 *
 * The paper venue lives in this process, so it is compared exactly and never waited for.
 */
import type { LoadedBot } from '../../config/index.js';
import { type Account, applyFill, type Fill, signedQty } from '../../core/index.js';
import type { ReconcileResult } from '../../machines/bot-machine.js';
import type { AccountTrade, ExchangePort } from '../exchanges/port.js';
import type { Logger } from '../log.js';
import type { Books } from './books.js';
import type { OrderDesk, OrderSettle } from './order-lifecycle.js';

export interface ReconcilerDeps {
  readonly bot: LoadedBot;
  readonly exchange: ExchangePort;
  readonly books: Books;
  readonly desk: OrderDesk;
  readonly log: Logger;
  readonly now: () => number;
  readonly settle: OrderSettle;
}

/** What one comparison with the exchange found. */
export interface ExchangeCheck {
  /** Every order stops: the books and the exchange disagree and nothing on the exchange explains it. */
  readonly block?: string;
  /** Entries stop: a position change made on the exchange was booked from the exchange's trades. */
  readonly halt?: string;
}

/** How far back to read the exchange's trades when nothing in the books says where to start. */
const TRADES_LOOKBACK_MS = 7 * 86_400_000;

export class Reconciler {
  constructor(private readonly d: ReconcilerDeps) {}

  private get pair(): string {
    return this.d.bot.config.trading.pair;
  }

  /**
   * Resolves the order in flight, then compares the books with the exchange. `haltedBefore` is the halt
   * the bot stopped with: it stays until a person resumes the bot.
   */
  async atStart(haltedBefore: string | null): Promise<ReconcileResult> {
    const books = this.d.books;
    const pending = books.state.pending_order;
    if (pending) {
      let found = await this.d.desk.lookUp(pending.client_order_id);
      // An order still open is waited for (cancelled past the limit) before it is booked; one that cannot
      // be settled throws, and the machine halts rather than trading beside an order it does not know.
      if (found) found = await this.d.desk.settle(pending, found);
      if (!found) {
        const sentAt = pending.submitted_at ?? Date.parse(books.state.updated_at);
        const waited = this.d.now() - sentAt;
        if (this.d.exchange.live && !(waited >= this.d.settle.absentAfterMs)) {
          const detail = `order ${pending.client_order_id} of unknown outcome is not on the exchange yet (sent ${Math.round(waited / 1000)} s ago); every new order waits until the exchange shows it or ${this.d.settle.absentAfterMs / 1000} s have passed`;
          this.d.log.warn({ client_order_id: pending.client_order_id, alert: true }, detail);
          return { ok: false, retry: true, detail };
        }
        books.append({
          type: 'reconciled',
          ts: this.d.now(),
          client_order_id: pending.client_order_id,
          outcome: 'not on the exchange: never placed',
        });
        this.d.log.warn(
          { client_order_id: pending.client_order_id },
          'order in flight was never placed; dropped',
        );
      } else {
        books.adoptOrder(pending, found, 'adopted at reconciliation');
        books.append({
          type: 'reconciled',
          ts: this.d.now(),
          client_order_id: pending.client_order_id,
          outcome: `found ${found.status}, filled ${found.filled}`,
        });
      }
      books.update({ pending_order: null });
      books.save('reconciling');
    }
    const check = await this.check();
    if (check.block) {
      this.d.log.error(
        { detail: check.block, alert: true },
        'every order stopped: a person must check the account',
      );
      return { ok: false, detail: check.block };
    }
    const halt = haltedBefore ?? check.halt;
    if (haltedBefore !== null) {
      this.d.log.warn(
        { halt_reason: haltedBefore },
        'the bot was halted when it stopped; entries stay halted until resumed',
      );
    }
    return halt
      ? { ok: true, detail: 'position agrees with the exchange; entries halted', haltedBefore: halt }
      : { ok: true, detail: 'position agrees with the exchange' };
  }

  /** Reads the protective stop and compares the books with the exchange. */
  async check(): Promise<ExchangeCheck> {
    await this.d.desk.checkStop();
    const held = await this.exchangeHolds();
    if (held === null) return {};
    const ours = signedQty(this.d.books.state.account.position);
    if (this.agrees(held, ours)) return {};
    const base = this.pair.split('-')[0];
    let explained: string | null;
    try {
      explained = await this.explain(held);
    } catch (err) {
      // The trades cannot be read: the difference stays unexplained, and every order stops.
      explained = null;
      this.d.log.error(
        { error: err instanceof Error ? err.message : String(err) },
        'trade history read failed',
      );
    }
    if (explained) return { halt: explained };
    return {
      block: `the exchange holds ${held.qty} ${base} but the bot's books say ${ours}, and the exchange's trades do not explain it; fix by hand, then resume`,
    };
  }

  /** The exchange's side of the comparison: a signed position (margin) or a base balance (spot). */
  private async exchangeHolds(): Promise<{ qty: number; atLeast: boolean; step: number } | null> {
    const ex = this.d.exchange;
    const step = (await ex.market(this.pair)).amountStep;
    if (this.d.bot.config.mode === 'margin') {
      const ps = await ex.fetchPositions(this.pair);
      return {
        qty: ps.reduce((s, p) => s + (p.side === 'long' ? p.amount : -p.amount), 0),
        atLeast: false,
        step,
      };
    }
    const base = this.pair.split('-')[0]!;
    const b = await ex.fetchBalances();
    // A live spot wallet is shared: it may hold coins this bot never bought, never fewer than it bought.
    return { qty: b[base]?.total ?? 0, atLeast: ex.live, step };
  }

  private agrees(held: { qty: number; atLeast: boolean; step: number }, ours: number): boolean {
    const tol = this.d.exchange.live ? held.step / 2 : Math.max(1e-9, Math.abs(ours) * 1e-6);
    // A spot book can never be short; the wallet may hold more than the book, never less.
    return held.atLeast ? ours >= -tol && held.qty >= ours - tol : Math.abs(held.qty - ours) <= tol;
  }

  /**
   * Books the exchange's trades that are not the bot's, when they account for the difference exactly; returns
   * the halt reason then, or null (and changes nothing) when they do not.
   */
  private async explain(held: { qty: number; atLeast: boolean; step: number }): Promise<string | null> {
    const books = this.d.books;
    if (!this.d.exchange.live) return null;
    const account = books.state.account;
    const lastTs = books.state.trades.at(-1)?.ts ?? account.position.openedAt;
    const since = lastTs > 0 ? lastTs - 60_000 : this.d.now() - TRADES_LOOKBACK_MS;
    const all = await this.d.exchange.fetchMyTrades(this.pair, since);
    // The protective stop is the bot's own order: a fill of it found here (it filled after the stop was
    // read) is booked from the order, once, and the comparison is made again.
    const stopId = books.state.protective_stop?.order_id;
    if (stopId !== undefined && all.some((t) => t.orderId === stopId)) {
      await this.d.desk.checkStop();
      if (this.agrees(held, signedQty(books.state.account.position))) return null;
    }
    const trades = all.filter((t) => !books.knownOrderIds.has(t.orderId) && t.orderId !== stopId);
    if (trades.length === 0) return null;
    const fills = trades.map((t) => this.fillOf(t));
    let trial: Account = account;
    for (const f of fills) trial = applyFill(trial, f);
    if (!this.agrees(held, signedQty(trial.position))) return null;
    for (const [i, t] of trades.entries()) {
      const f = fills[i]!;
      const reason = t.liquidation ? 'liquidation' : 'closed on the exchange';
      books.book(`ext-${t.id}`, t.orderId, f, reason, 'booked from the exchange');
    }
    books.save('reconciling');
    const what = trades.some((t) => t.liquidation)
      ? 'liquidated by the exchange'
      : 'changed on the exchange by hand';
    const detail = `position ${what}: ${trades.length} trade(s) booked from the exchange; entries halted until a person resumes the bot`;
    this.d.log.error({ trades, alert: true }, detail);
    return detail;
  }

  private fillOf(t: AccountTrade): Fill {
    return {
      side: t.side,
      qty: t.amount,
      price: t.price,
      fee: t.fee,
      ts: t.timestamp,
      reason: t.liquidation ? 'liquidation' : 'external',
      leverage: this.d.bot.config.trading.leverage,
    };
  }
}
