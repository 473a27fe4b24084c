/**
 * One bot's trading session: the effects behind the bot machine's actors. It owns the strategy stream, the
 * bot's account (built only from fills the exchange reports), `state.json` and the journal.
 *
 * Order lifecycle: intent (journal, then state.json with `pending_order`) -> submitted -> acknowledged ->
 * fill, or rejected / unknown. The journal and the state are written before the exchange is called, so a
 * crash at any point leaves enough to reconcile; the client order id comes from (bot, decision candle,
 * action), so a retry or a restart can never place the same order twice.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadedBot } from '../../config/index.js';
import {
  type Account,
  accrueRollover,
  applyFill,
  applyLiquidation,
  type Candle,
  chargeOpeningFee,
  checkLiquidation,
  checkStopTakeProfit,
  createAccount,
  effectiveTarget,
  entryQuantity,
  equity,
  type Fill,
  type FillModel,
  fillPrice,
  floorToStep,
  liquidationFill,
  type MarginTerms,
  type RiskConfig,
  resume,
  signedQty,
  type Target,
  unrealizedPnl,
  updateDrawdown,
} from '../../core/index.js';
import { StrategyStream } from '../../core/signal/index.js';
import type { CandleRef, PersistInput, Plan, ReconcileResult } from '../../machines/bot-machine.js';
import { clientOrderId } from '../exchanges/client-order-id.js';
import { ExchangeError } from '../exchanges/errors.js';
import { liquidationOrderId } from '../exchanges/paper.js';
import type { ExchangePort, OrderState } from '../exchanges/port.js';
import type { Logger } from '../log.js';
import type { CandleFeed } from '../market/feed.js';
import { JournalWriter, readJournal } from '../persistence/journal.js';
import {
  type PendingOrder,
  readStateFile,
  STATE_VERSION,
  type StateFile,
  type TradeRecord,
  writeStateFile,
} from '../persistence/state-file.js';

export interface SessionDeps {
  readonly bot: LoadedBot;
  readonly dir: string;
  readonly exchange: ExchangePort;
  readonly feed: CandleFeed;
  readonly risk: RiskConfig;
  readonly fill: FillModel;
  readonly margin: MarginTerms;
  readonly barMs: number;
  readonly log: Logger;
  /** Wall clock for journal timestamps (ms). */
  readonly now: () => number;
  /** Called after every fill (Mission Control sync, metrics). */
  readonly onTrade?: (t: TradeRecord) => void;
  /** Runs just before the strategy decides (fault injection in tests: a throwing strategy). */
  readonly beforeDecide?: () => void;
  /** Called after every processed candle (dashboard, metrics). */
  readonly onCycle?: (s: SessionSnapshot) => void;
  /** How long an order may stay open and how often it is read meanwhile; default {@link ORDER_SETTLE}. */
  readonly orderSettle?: OrderSettle;
}

/** Waiting for an order to become final (see `BotSession.settle`). */
export interface OrderSettle {
  /** An order still open after this long is cancelled, and what filled is booked. */
  readonly timeoutMs: number;
  /** Interval between reads of an open order. */
  readonly pollMs: number;
  /**
   * Live venues only: an order in flight that the exchange does not know at reconciliation is looked up this
   * many more times, `pollMs` apart, before it counts as never placed (a request that timed out on our side
   * can still be accepted a moment later).
   */
  readonly notFoundRetries: number;
}

/** Defaults: within the 60 s a shutdown allows a cycle, with room for the rest of the cycle. */
export const ORDER_SETTLE: OrderSettle = Object.freeze({
  timeoutMs: 20_000,
  pollMs: 500,
  notFoundRetries: 4,
});

/** Marks an error as an order whose outcome is unknown: the machine reconciles before anything else. */
function unknownOutcome(err: unknown): Error {
  return Object.assign(err instanceof Error ? err : new Error(String(err)), { kind: 'unknown-outcome' });
}

export interface PlannedOrder {
  readonly action: 'open' | 'close' | 'stop';
  readonly side: 'buy' | 'sell';
  /** Quantity; for `open` it is sized at placement on the current equity. */
  readonly qty: number;
  readonly target: Target;
  readonly reason: string;
  readonly reduceOnly: boolean;
}

export interface SessionSnapshot {
  readonly bot: string;
  readonly position: StateFile['position'];
  readonly quantity: number;
  readonly entryPrice: number;
  readonly leverage: number;
  readonly lastPrice: number | null;
  readonly equity: number;
  readonly unrealizedPnl: number;
  readonly lastCandleTs: number | null;
  readonly lastSignal: StateFile['last_signal'];
  readonly halted: string | null;
  readonly trades: readonly TradeRecord[];
  readonly account: Account;
}

const MAX_TRADES_IN_STATE = 20;

export class BotSession {
  private state!: StateFile;
  private stream!: StrategyStream<unknown>;
  private readonly journal: JournalWriter;
  private plan: PlannedOrder[] = [];
  /** Client order ids whose fill is in the journal: a crash between the journal and state.json must not
   * write the fill twice when the order is adopted again at reconciliation. */
  private journaledFills = new Set<string>();
  readonly stateFile: string;

  /** Why the bot was halted when it last stopped; it stays halted until `resumeAccount`. */
  private haltedBefore: string | null = null;
  /** Work the machine started and that has not finished: an exchange call can outlive the actor. */
  private readonly busy = new Set<Promise<unknown>>();

  constructor(private readonly d: SessionDeps) {
    this.stateFile = path.join(d.dir, 'state.json');
    this.journal = new JournalWriter(path.join(d.dir, 'journal.jsonl'));
  }

  private get paper(): boolean {
    return this.d.bot.config.dry_run;
  }

  /** Loads state.json and the journal, and warms the strategy up to the last candle processed. */
  async restore(): Promise<void> {
    const c = this.d.bot.config;
    const saved = readStateFile(this.stateFile);
    // Reading the journal validates it: a corrupt journal stops the bot like a corrupt state file.
    const journal = readJournal(path.join(this.d.dir, 'journal.jsonl'));
    if (journal.tornTail) this.d.log.warn('journal ended in a torn line (crash mid-write); it is ignored');
    this.journaledFills = new Set(
      journal.entries.filter((e) => e.type === 'fill').map((e) => e.client_order_id),
    );
    if (saved) {
      if (saved.trading_pair !== c.trading.pair) {
        throw new Error(
          `${this.stateFile}: state is for ${saved.trading_pair} but the bot trades ${c.trading.pair}; left untouched`,
        );
      }
      this.state = saved;
      // A halt (a person's pause, a failed reconciliation) survives a restart: only a person lifts it.
      this.haltedBefore = saved.machine.halt_reason;
      this.d.log.info(
        { position: saved.position, quantity: saved.quantity, last_candle_ts: saved.last_candle_ts },
        'state restored',
      );
    } else {
      this.state = this.freshState(createAccount(c.paper.starting_balance));
      this.d.log.info({ starting_balance: c.paper.starting_balance }, 'no state.json: first start');
    }
    const def = this.d.bot.strategy.definition;
    this.stream = new StrategyStream(def, this.d.bot.strategy.params, c.trading.allow_short);
    const history = await this.d.feed.history(this.state.last_candle_ts);
    for (const k of history) this.stream.warm(k);
  }

  private freshState(account: Account): StateFile {
    const c = this.d.bot.config;
    return {
      version: STATE_VERSION,
      bot: this.d.bot.id,
      position: 'NONE',
      entry_price: 0,
      quantity: 0,
      leverage: c.trading.leverage,
      last_signal: null,
      trading_pair: c.trading.pair,
      strategy: c.strategy.name,
      unrealized_pnl: 0,
      trades: [],
      updated_at: new Date(this.d.now()).toISOString(),
      dry_run: c.dry_run,
      account,
      last_acted_target: null,
      last_candle_ts: null,
      last_price: null,
      pending_order: null,
      machine: { state: 'starting', halt_reason: null },
    };
  }

  /**
   * Resolves an order in flight, then compares the bot's position with the exchange's. Agreement: carry
   * on. Fills the bot missed: adopt them. Anything else: fail closed (the machine halts).
   */
  async reconcile(): Promise<ReconcileResult> {
    const pair = this.d.bot.config.trading.pair;
    const pending = this.state.pending_order;
    if (pending) {
      let found = await this.lookUp(pair, pending.client_order_id);
      // An order still open is waited for (cancelled past the limit) before it is booked; one that cannot
      // be settled throws, and the machine halts rather than trading beside an order it does not know.
      if (found) found = await this.settle(pending, found);
      if (!found) {
        this.journal.append({
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
        this.adoptOrder(pending, found, 'adopted at reconciliation');
        this.journal.append({
          type: 'reconciled',
          ts: this.d.now(),
          client_order_id: pending.client_order_id,
          outcome: `found ${found.status}, filled ${found.filled}`,
        });
      }
      this.state = { ...this.state, pending_order: null };
      this.save('reconciling');
    }
    const exchangeQty = await this.exchangePositionQty(pair);
    const ours = signedQty(this.state.account.position);
    const tol = Math.max(1e-9, Math.abs(ours) * 1e-6);
    const fail = (detail: string): ReconcileResult => {
      this.d.log.error({ detail, alert: true }, 'halted at reconciliation: a person must resume the bot');
      return { ok: false, detail };
    };
    if (exchangeQty !== null && Math.abs(exchangeQty - ours) > tol) {
      return fail(
        `the exchange holds ${exchangeQty} ${pair.split('-')[0]} but the bot's state says ${ours}; fix by hand, then resume`,
      );
    }
    if (this.state.account.halted) {
      return fail(`account halted (${this.state.account.halted}); resume by hand`);
    }
    if (this.haltedBefore !== null) {
      const why = this.haltedBefore;
      this.d.log.warn(
        { halt_reason: why },
        'the bot was halted when it stopped; it stays halted until resumed',
      );
      return { ok: false, detail: `halted before the restart: ${why}`, haltedBefore: why };
    }
    return { ok: true, detail: 'position agrees with the exchange' };
  }

  /**
   * Looks an order in flight up by its client order id. On a live venue a miss is retried a few times: the
   * request that lost its answer may still be on its way to the matching engine.
   */
  private async lookUp(pair: string, clientOrderId: string): Promise<OrderState | null> {
    const settle = this.d.orderSettle ?? ORDER_SETTLE;
    let found = await this.d.exchange.fetchOrderByClientId(pair, clientOrderId);
    for (let k = 0; !found && this.d.exchange.live && k < settle.notFoundRetries; k++) {
      await sleep(settle.pollMs);
      found = await this.d.exchange.fetchOrderByClientId(pair, clientOrderId);
    }
    return found;
  }

  /**
   * Reads an order until it is final (closed, canceled, expired or rejected). A market order usually fills
   * at once, but the first read can catch it still open (Kraken reports an order `open` until it is matched,
   * or part filled); booking that read and moving on would lose the rest of the fill, and the bot would trade
   * beside a position it does not know. Past `timeoutMs` the rest is cancelled and what filled is booked.
   *
   * @throws an `unknown-outcome` error when the order cannot be read or is still open after the cancel:
   *   `pending_order` stays in state.json and the machine reconciles before anything else.
   */
  private async settle(p: PendingOrder, first: OrderState): Promise<OrderState> {
    const pair = this.d.bot.config.trading.pair;
    const { timeoutMs, pollMs } = this.d.orderSettle ?? ORDER_SETTLE;
    const deadline = this.d.now() + timeoutMs;
    let o = first;
    try {
      while (o.status === 'open' && this.d.now() < deadline) {
        await sleep(pollMs);
        o = await this.d.exchange.fetchOrder(pair, o.id);
      }
      if (o.status === 'open') {
        this.d.log.warn(
          { client_order_id: p.client_order_id, filled: o.filled, amount: o.amount, alert: true },
          `order still open after ${timeoutMs / 1000} s; cancelling the rest`,
        );
        o = await this.d.exchange.cancelOrder(pair, o.id);
        if (o.status === 'open') o = await this.d.exchange.fetchOrder(pair, o.id);
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

  /** The exchange's signed position in the bot's pair (margin positions, or the spot base balance). */
  private async exchangePositionQty(pair: string): Promise<number | null> {
    if (this.d.bot.config.mode === 'margin') {
      const ps = await this.d.exchange.fetchPositions(pair);
      return ps.reduce((s, p) => s + (p.side === 'long' ? p.amount : -p.amount), 0);
    }
    if (!this.paper) return null; // a live spot wallet may hold coins the bot never bought
    const base = pair.split('-')[0]!;
    const b = await this.d.exchange.fetchBalances();
    return b[base]?.total ?? 0;
  }

  /** Books the fill of an order the bot placed, once (the journal guards against booking twice). */
  private adoptOrder(p: PendingOrder, o: OrderState, why: string): void {
    if (!(o.filled > 0) || o.average === undefined) return;
    const fill: Fill = {
      side: o.side,
      qty: o.filled,
      price: o.average,
      fee: o.fee,
      ts: o.timestamp,
      reason: p.reason.startsWith('stop')
        ? 'stop_loss'
        : p.reason.startsWith('take')
          ? 'take_profit'
          : 'signal',
      leverage: this.d.bot.config.trading.leverage,
    };
    this.book(p, o, fill, why);
  }

  private book(p: PendingOrder, o: OrderState, fill: Fill, why: string): void {
    const before = this.state.account;
    let after = applyFill(before, fill);
    if (this.d.bot.config.mode === 'margin' && after.tradeCount > before.tradeCount) {
      // Mirror the exchange's margin opening fee so the bot's equity matches the account's.
      after = chargeOpeningFee(after, after.position.qty * after.position.entryPrice, this.d.margin);
    }
    const trade = this.recordFill(p.client_order_id, o.id, fill, p.reason, before, after);
    this.d.log.info({ trade, why }, `${fill.side} ${fill.qty} @ ${fill.price}`);
  }

  private bookLiquidation(candle: Candle, price: number, level: number): void {
    const before = this.state.account;
    const fill = liquidationFill(before.position, price, candle.ts, this.d.fill);
    const id = liquidationOrderId(candle.ts);
    const trade = this.recordFill(id, id, fill, 'liquidation', before, applyLiquidation(before, fill));
    this.d.log.error({ trade, liquidation_price: level, alert: true }, `position liquidated at ${price}`);
  }

  /**
   * Journals a fill (once per client order id: a fill adopted again after a crash is not written twice),
   * moves the account from `before` to `after`, keeps the trade for state.json and reports it.
   */
  private recordFill(
    clientOrderId: string,
    orderId: string,
    fill: Fill,
    reason: string,
    before: Account,
    after: Account,
  ): TradeRecord {
    if (!this.journaledFills.has(clientOrderId)) {
      this.journal.append({
        type: 'fill',
        ts: this.d.now(),
        client_order_id: clientOrderId,
        order_id: orderId,
        side: fill.side,
        qty: fill.qty,
        price: fill.price,
        fee: fill.fee,
        reason,
        paper: this.paper,
      });
      this.journaledFills.add(clientOrderId);
    }
    const trade: TradeRecord = {
      ts: fill.ts,
      time: new Date(fill.ts).toISOString(),
      client_order_id: clientOrderId,
      side: fill.side,
      qty: fill.qty,
      price: fill.price,
      fee: fill.fee,
      reason,
      position_after: after.position.side,
      realized_pnl: after.realizedPnl - before.realizedPnl,
      paper: this.paper,
    };
    this.state = {
      ...this.state,
      account: after,
      trades: [...this.state.trades, trade].slice(-MAX_TRADES_IN_STATE),
    };
    this.d.onTrade?.(trade);
    return trade;
  }

  /** The candle being processed (the paper venue lets it pass over its account first). */
  get currentCandle(): Candle | null {
    return this.current;
  }

  /** Waits for the next closed candle after the last one processed. */
  async waitForCandle(signal: AbortSignal): Promise<CandleRef | null> {
    const c = await this.d.feed.next(this.state.last_candle_ts, signal);
    if (c) this.current = c;
    return c ? { ts: c.ts, close: c.close } : null;
  }

  private current: Candle | null = null;

  /** Strategy, then risk: returns how many orders this candle calls for. */
  async evaluate(): Promise<Plan> {
    const candle = this.current;
    if (!candle) throw new Error('evaluate without a candle');
    const cfg = this.d.risk;
    let acct = this.state.account;
    if (this.d.bot.config.mode === 'margin') {
      acct = accrueRollover(acct, candle.ts + this.d.barMs, this.d.margin);
      // The venue liquidates inside the candle, before any stop the bot checks at the close. The bot books
      // the same liquidation with the core's rules (the paper venue applies the same ones), so both books
      // agree; on a live venue a difference shows at the next reconciliation.
      const hit = acct.position.side !== 'NONE' ? checkLiquidation(acct, candle, this.d.margin) : null;
      if (hit) {
        this.state = { ...this.state, account: acct };
        this.bookLiquidation(candle, hit.price, hit.liquidationPrice);
        acct = this.state.account;
      }
    }
    this.plan = [];
    const pos = acct.position;
    // Stops and take-profits are checked on the closed candle's range; the exit is a market order now.
    const stop = pos.side !== 'NONE' ? checkStopTakeProfit(pos, candle, cfg) : null;
    if (stop) {
      this.plan.push({
        action: 'stop',
        side: pos.side === 'LONG' ? 'sell' : 'buy',
        qty: pos.qty,
        target: 'FLAT',
        reason: stop.reason,
        reduceOnly: true,
      });
    }
    // The strategy sees this candle whatever happens, so its indicators never skip a bar.
    let decisionTarget: Target | null = null;
    let reason = '';
    try {
      this.d.beforeDecide?.();
      const d = this.stream.onCandle(candle);
      decisionTarget = d.target;
      reason = d.reason;
    } finally {
      // Never backwards: a candle the stream refused as out of order leaves the last one processed as it was.
      const last = this.state.last_candle_ts;
      if (last === null || candle.ts > last) {
        this.state = { ...this.state, last_candle_ts: candle.ts, last_price: candle.close };
      }
    }
    const signal = decisionTarget ?? this.state.last_signal;
    const before = acct.halted;
    acct = updateDrawdown(acct, equity(acct, candle.close), cfg);
    this.state = { ...this.state, account: acct, last_signal: signal };
    let halt: string | undefined;
    if (acct.halted && !before) {
      halt = `max drawdown reached (${acct.halted})`;
      this.d.log.error(
        { equity: equity(acct, candle.close), peak: acct.equityPeak },
        'max drawdown: new entries halted',
      );
    }
    if (!stop && signal !== null) {
      const target = effectiveTarget(signal, cfg);
      if (target !== this.state.last_acted_target) {
        if (pos.side !== 'NONE' && pos.side !== target) {
          this.plan.push({
            action: 'close',
            side: pos.side === 'LONG' ? 'sell' : 'buy',
            qty: pos.qty,
            target,
            reason: `${reason} (close ${pos.side})`,
            reduceOnly: true,
          });
        }
        if (target !== 'FLAT' && pos.side !== target && !acct.halted) {
          this.plan.push({
            action: 'open',
            side: target === 'LONG' ? 'buy' : 'sell',
            qty: 0,
            target,
            reason,
            reduceOnly: false,
          });
        }
        if (this.plan.length === 0) this.state = { ...this.state, last_acted_target: target };
      }
    }
    return halt !== undefined && this.plan.length === 0 ? { orders: 0, halt } : { orders: this.plan.length };
  }

  /** Places the planned orders one after the other; returns how many were filled. */
  async placeOrders(): Promise<number> {
    const candle = this.current!;
    const pair = this.d.bot.config.trading.pair;
    let placed = 0;
    for (const p of this.plan) {
      let qty = p.qty;
      if (p.action === 'open') {
        const ticker = await this.d.exchange.fetchTicker(pair);
        const ref = p.side === 'buy' ? ticker.ask : ticker.bid;
        const px = fillPrice(p.side, ref, this.d.fill);
        qty = entryQuantity(equity(this.state.account, ref), px, this.d.risk, this.d.fill);
        const market = await this.d.exchange.market(pair);
        qty = floorToStep(qty, market.amountStep);
        if (!(qty > 0) || qty < market.minAmount) {
          this.d.log.warn({ qty, min: market.minAmount }, 'entry too small to place; skipped');
          continue;
        }
      }
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
      };
      this.journal.append({
        type: 'intent',
        ts: this.d.now(),
        client_order_id: pending.client_order_id,
        decision_ts: candle.ts,
        side: p.side,
        qty,
        target: p.target,
        reason: p.reason,
        paper: this.paper,
      });
      this.state = { ...this.state, pending_order: pending };
      this.save('ordering');
      this.journal.append({ type: 'submitted', ts: this.d.now(), client_order_id: pending.client_order_id });
      let order: OrderState;
      try {
        order = await this.d.exchange.placeOrder({
          clientOrderId: pending.client_order_id,
          pair,
          side: p.side,
          type: 'market',
          amount: qty,
          ...(this.d.bot.config.mode === 'margin' ? { leverage: this.d.bot.config.trading.leverage } : {}),
          ...(p.reduceOnly && this.d.bot.config.mode === 'margin' ? { reduceOnly: true } : {}),
        });
      } catch (err) {
        if (err instanceof ExchangeError && err.kind === 'rejected') {
          this.journal.append({
            type: 'rejected',
            ts: this.d.now(),
            client_order_id: pending.client_order_id,
            error: err.message,
          });
          this.state = { ...this.state, pending_order: null };
          this.save('ordering');
          if (err.code === 'EXCHANGE_INSUFFICIENT_FUNDS') {
            this.d.log.error(
              { error: err.message, alert: true },
              'insufficient funds: entries halted until a person resumes the bot',
            );
            throw Object.assign(new Error(`insufficient funds: ${err.message}`), {
              kind: 'halt',
              cause: err,
            });
          }
        } else {
          // Unknown outcome: keep pending_order; the machine reconciles before anything else.
          this.journal.append({
            type: 'unknown',
            ts: this.d.now(),
            client_order_id: pending.client_order_id,
            error: err instanceof Error ? err.message : String(err),
          });
          throw unknownOutcome(err);
        }
        throw err;
      }
      this.journal.append({
        type: 'acknowledged',
        ts: this.d.now(),
        client_order_id: pending.client_order_id,
        order_id: order.id,
      });
      if (order.status === 'open') {
        try {
          order = await this.settle(pending, order);
        } catch (err) {
          this.journal.append({
            type: 'unknown',
            ts: this.d.now(),
            client_order_id: pending.client_order_id,
            error: err instanceof Error ? err.message : String(err),
          });
          throw err;
        }
      }
      this.adoptOrder(pending, order, order.status === 'closed' ? 'filled' : `${order.status}, part filled`);
      // An order that ended short of its amount (cancelled, expired) leaves the acted target as it was, so
      // the next candle plans the rest again with a new client order id.
      const complete = order.status === 'closed' && order.filled >= order.amount * (1 - 1e-9);
      if (!complete) {
        this.d.log.error(
          {
            client_order_id: pending.client_order_id,
            status: order.status,
            filled: order.filled,
            amount: order.amount,
            alert: true,
          },
          'order ended without filling in full; the rest is planned again on the next candle',
        );
      }
      // A stop exit does not change the acted target: the strategy must change its mind before re-entering.
      const acted = p.action === 'stop' || !complete ? this.state.last_acted_target : p.target;
      this.state = { ...this.state, pending_order: null, last_acted_target: acted };
      this.save('ordering');
      placed++;
      if (!complete) break;
    }
    this.plan = [];
    return placed;
  }

  /** Lifts a halt: the peak restarts from the current equity. */
  resumeAccount(): void {
    this.haltedBefore = null;
    const mark = this.state.last_price ?? this.state.account.position.entryPrice;
    this.state = { ...this.state, account: resume(this.state.account, equity(this.state.account, mark)) };
  }

  async persist(
    machineState: string,
    haltReason: string | null,
    context?: PersistInput['context'],
  ): Promise<void> {
    this.state = {
      ...this.state,
      machine: { state: machineState, halt_reason: haltReason, ...(context ? { context } : {}) },
    };
    this.save(machineState);
    this.d.onCycle?.(this.snapshot());
  }

  private save(machineState: string): void {
    const a = this.state.account;
    const mark = this.state.last_price ?? a.position.entryPrice;
    this.state = {
      ...this.state,
      position: a.position.side,
      entry_price: a.position.entryPrice,
      quantity: a.position.qty,
      leverage: a.position.side === 'NONE' ? this.d.bot.config.trading.leverage : a.position.leverage,
      unrealized_pnl: a.position.side === 'NONE' ? 0 : unrealizedPnl(a.position, mark),
      updated_at: new Date(this.d.now()).toISOString(),
      machine: { ...this.state.machine, state: machineState },
    };
    writeStateFile(this.stateFile, this.state);
  }

  snapshot(): SessionSnapshot {
    const s = this.state;
    const mark = s.last_price ?? s.account.position.entryPrice;
    return {
      bot: this.d.bot.id,
      position: s.account.position.side,
      quantity: s.account.position.qty,
      entryPrice: s.account.position.entryPrice,
      leverage: s.account.position.leverage,
      lastPrice: s.last_price,
      equity: equity(s.account, mark),
      unrealizedPnl: s.account.position.side === 'NONE' ? 0 : unrealizedPnl(s.account.position, mark),
      lastCandleTs: s.last_candle_ts,
      lastSignal: s.last_signal,
      halted: s.account.halted ?? (s.machine.halt_reason || null),
      trades: s.trades,
      account: s.account,
    };
  }

  /**
   * Runs one piece of the machine's work and keeps track of it until it ends, so that a restart can wait
   * for it (see {@link BotSession.closeWhenIdle}).
   */
  track<T>(work: () => Promise<T>): Promise<T> {
    const p = work();
    this.busy.add(p);
    const done = () => this.busy.delete(p);
    p.then(done, done);
    return p;
  }

  /**
   * Closes the session once the work it is doing has ended; at once when there is none. Stopping the actor
   * does not stop an order already on its way: the session books it and writes state.json, and the next
   * session for this bot must not start (and reconcile) before that, or it would take the order for one
   * that was never placed while this one books it.
   */
  closeWhenIdle(): Promise<void> {
    if (this.busy.size === 0) {
      this.close();
      return Promise.resolve();
    }
    return Promise.allSettled([...this.busy]).then(() => this.closeWhenIdle());
  }

  close(): void {
    this.journal.close();
    this.d.feed.close();
  }
}
