/**
 * One bot's trading session: the effects behind the bot machine's actors. It restores the books, feeds
 * candles to the strategy stream, and hands the work to its parts:
 * - `books.ts`: state.json and the journal, the account built only from fills the exchange reports;
 * - `evaluation.ts`: a candle -> the orders it calls for (stops first; a halt blocks entries, never exits);
 * - `order-lifecycle.ts`: placing, settling and booking orders, and the protective stop on the exchange;
 * - `reconciliation.ts`: the exchange is the truth for what a live bot holds, checked every cycle.
 *
 * Paper and live books never mix: a state file records the mode it was made in, and a live start on paper
 * books (or the other way round) is refused before any network call.
 */
import path from 'node:path';
import type { LoadedBot } from '../../config/index.js';
import {
  type Account,
  accrueRollover,
  applyLiquidation,
  type Candle,
  checkLiquidation,
  createAccount,
  equity,
  type FillModel,
  liquidationFill,
  type MarginTerms,
  type RiskConfig,
  resume,
  type Target,
  unrealizedPnl,
  updateDrawdown,
} from '../../core/index.js';
import { StrategyStream } from '../../core/signal/index.js';
import type { CandleRef, PersistInput, Plan, ReconcileResult } from '../../machines/bot-machine.js';
import { liquidationOrderId } from '../exchanges/paper.js';
import type { ExchangePort } from '../exchanges/port.js';
import type { Logger } from '../log.js';
import type { CandleFeed } from '../market/feed.js';
import type { JournalEntry } from '../persistence/journal.js';
import { readStateFile, STATE_VERSION, type StateFile, type TradeRecord } from '../persistence/state-file.js';
import { Books } from './books.js';
import { planCycle } from './evaluation.js';
import { ORDER_SETTLE, OrderDesk, type OrderSettle, type PlannedOrder } from './order-lifecycle.js';
import { Reconciler } from './reconciliation.js';

export { ORDER_SETTLE, type OrderSettle, type PlannedOrder };

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
  /** How long an order may stay open, how often it is read meanwhile; default {@link ORDER_SETTLE}. */
  readonly orderSettle?: Partial<OrderSettle>;
}

/** What the exchange said at the last live check (live bots only). */
export interface ExchangeView {
  /** Free collateral for a new position, quote currency (spot: free quote; margin: free margin). */
  readonly freeCollateral: number;
  readonly checkedAt: number;
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
  /** The exchange's figures at the last live check; null on paper. */
  readonly exchange: ExchangeView | null;
}

/** Thrown at restore when the saved books were made in the other mode (paper vs live). */
export class BookModeError extends Error {
  readonly code = 'STATE_MODE';
  constructor(message: string) {
    super(message);
    this.name = 'BookModeError';
  }
}

/** Whether a journal holds entries written by paper trading, and by live trading. */
export function journalModes(entries: readonly JournalEntry[]): { paper: boolean; live: boolean } {
  let paper = false;
  let live = false;
  for (const e of entries) {
    if (!('paper' in e)) continue;
    if (e.paper) paper = true;
    else live = true;
  }
  return { paper, live };
}

/**
 * Why the books in a bot's folder cannot serve its mode, or null when they can: a state file of the other
 * mode, or paper entries in the journal of a live bot. Paper books never become live books: going live is
 * `dualbot go-live --bot NAME`, which archives them and starts an empty live book.
 */
export function bookModeProblem(
  bot: LoadedBot,
  dir: string,
  saved: Pick<StateFile, 'dry_run'> | null,
  journal: { paper: boolean },
): string | null {
  const live = !bot.config.dry_run;
  const file = path.join(dir, 'state.json');
  if (saved && saved.dry_run === live) {
    return live
      ? `${file} holds paper-trading books, and the bot is configured for live trading (dry_run: false); paper books never become live books: run \`dualbot go-live --bot ${bot.id}\` to archive them and start an empty live book, or set dry_run: true; nothing was changed`
      : `${file} holds live-trading books, and the bot is configured for paper trading (dry_run: true); live books are never traded on paper: move the folder's state.json and journal.jsonl aside, or set dry_run: false again; nothing was changed`;
  }
  if (live && journal.paper) {
    return `${path.join(dir, 'journal.jsonl')} holds paper-trading entries, and the bot is configured for live trading; paper books never become live books: run \`dualbot go-live --bot ${bot.id}\` to archive them; nothing was changed`;
  }
  return null;
}

/** The starting cash of a new book: the capital a live bot may use, or the paper balance. */
export function startingCapital(bot: LoadedBot): number {
  const c = bot.config;
  return c.dry_run ? c.paper.starting_balance : (c.live?.available_capital ?? Number.NaN);
}

export class BotSession {
  private stream!: StrategyStream<unknown>;
  private readonly books: Books;
  private readonly desk: OrderDesk;
  private readonly recon: Reconciler;
  private readonly settle: OrderSettle;
  private plan: PlannedOrder[] = [];
  private current: Candle | null = null;
  private exchangeView: ExchangeView | null = null;
  /** Why the bot was halted when it last stopped; entries stay halted until `resumeAccount`. */
  private haltedBefore: string | null = null;
  /** Work the machine started and that has not finished: an exchange call can outlive the actor. */
  private readonly busy = new Set<Promise<unknown>>();

  constructor(private readonly d: SessionDeps) {
    this.settle = { ...ORDER_SETTLE, ...d.orderSettle };
    this.books = new Books({
      bot: d.bot,
      dir: d.dir,
      margin: d.margin,
      log: d.log,
      now: d.now,
      ...(d.onTrade ? { onTrade: d.onTrade } : {}),
    });
    this.desk = new OrderDesk({
      bot: d.bot,
      exchange: d.exchange,
      books: this.books,
      risk: d.risk,
      fill: d.fill,
      log: d.log,
      now: d.now,
      settle: this.settle,
    });
    this.recon = new Reconciler({
      bot: d.bot,
      exchange: d.exchange,
      books: this.books,
      desk: this.desk,
      log: d.log,
      now: d.now,
      settle: this.settle,
    });
  }

  get stateFile(): string {
    return this.books.stateFile;
  }

  private get state(): StateFile {
    return this.books.state;
  }

  private get live(): boolean {
    return this.d.exchange.live;
  }

  /** Loads state.json and the journal, and warms the strategy up to the last candle processed. */
  async restore(): Promise<void> {
    const c = this.d.bot.config;
    const saved = readStateFile(this.books.stateFile);
    const journal = this.books.loadJournal();
    // Before any network call: books of the other mode are refused, never carried over.
    const problem = bookModeProblem(this.d.bot, this.d.dir, saved, journalModes(journal));
    if (problem) throw new BookModeError(problem);
    if (saved) {
      if (saved.trading_pair !== c.trading.pair) {
        throw new Error(
          `${this.books.stateFile}: state is for ${saved.trading_pair} but the bot trades ${c.trading.pair}; left untouched`,
        );
      }
      this.books.state = saved;
      // A halt (a person's pause, a change on the exchange) survives a restart: only a person lifts it.
      this.haltedBefore = saved.machine.halt_reason;
      this.d.log.info(
        { position: saved.position, quantity: saved.quantity, last_candle_ts: saved.last_candle_ts },
        'state restored',
      );
    } else {
      const capital = startingCapital(this.d.bot);
      if (!(capital > 0)) throw new Error(`${this.d.bot.id}: a live bot needs live.available_capital`);
      this.books.state = this.freshState(createAccount(capital));
      this.d.log.info({ starting_balance: capital, live: !c.dry_run }, 'no state.json: a new book');
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
      protective_stop: null,
      machine: { state: 'starting', halt_reason: null },
    };
  }

  /** Resolves an order in flight, then compares the books with the exchange (see `reconciliation.ts`). */
  async reconcile(): Promise<ReconcileResult> {
    const r = await this.recon.atStart(this.haltedBefore);
    // A position restored from the books gets its protective stop back if the exchange lost it.
    if (r.ok) await this.desk.protect(this.state.last_candle_ts ?? this.d.now());
    return r;
  }

  /** The candle being processed (the paper venue lets it pass over its account first). */
  get currentCandle(): Candle | null {
    return this.current;
  }

  /**
   * Waits for the next closed candle after the last one processed. A candle the feed calls stale (it closed
   * while the bot was down) only warms the strategy up: no decision is taken on it.
   */
  async waitForCandle(signal: AbortSignal): Promise<CandleRef | null> {
    for (;;) {
      const c = await this.d.feed.next(this.state.last_candle_ts, signal);
      if (!c) return null;
      if (this.d.feed.isStale?.(c)) {
        this.stream.warm(c);
        this.books.update({ last_candle_ts: c.ts, last_price: c.close });
        this.d.log.info(
          { candle_ts: c.ts },
          'candle closed while the bot was down: warm-up only, no decision',
        );
        continue;
      }
      this.current = c;
      return { ts: c.ts, close: c.close };
    }
  }

  /**
   * One cycle's decision: a live bot first checks the books against the exchange, then stops, the strategy
   * and the risk rules plan the orders. `entriesBlocked` is the machine's halt: it blocks entries only.
   */
  async evaluate(entriesBlocked: string | null = null): Promise<Plan> {
    const candle = this.current;
    if (!candle) throw new Error('evaluate without a candle');
    let halt: string | undefined;
    if (this.live) {
      const check = await this.recon.check();
      if (check.block) {
        this.d.log.error(
          { detail: check.block, alert: true },
          'every order stopped: a person must check the account',
        );
        return { orders: 0, block: check.block };
      }
      halt = check.halt;
      await this.readExchangeView();
    }
    let acct = this.state.account;
    if (this.d.bot.config.mode === 'margin') {
      acct = accrueRollover(acct, candle.ts + this.d.barMs, this.d.margin);
      // Paper only: the simulated venue liquidates inside the candle with the core's rules. A live venue's
      // liquidation is booked from the exchange's own trades by the check above, never simulated.
      const hit =
        !this.live && acct.position.side !== 'NONE' ? checkLiquidation(acct, candle, this.d.margin) : null;
      if (hit) {
        this.books.update({ account: acct });
        this.bookLiquidation(candle, hit.price, hit.liquidationPrice);
        acct = this.state.account;
      }
    }
    // The strategy sees this candle whatever happens, so its indicators never skip a bar. A strategy that
    // throws is logged and counted; the stop found on this candle still goes out.
    let decided: Target | null = null;
    let reason = '';
    let strategyError: string | undefined;
    try {
      this.d.beforeDecide?.();
      const d = this.stream.onCandle(candle);
      decided = d.target ?? this.state.last_signal;
      reason = d.reason;
    } catch (err) {
      strategyError = err instanceof Error ? err.message : String(err);
      this.d.log.error(
        { error: strategyError },
        'strategy failed on this candle; no new target, risk exits still run',
      );
    } finally {
      // Never backwards: a candle the stream refused as out of order leaves the last one processed as it was.
      const last = this.state.last_candle_ts;
      if (last === null || candle.ts > last)
        this.books.update({ last_candle_ts: candle.ts, last_price: candle.close });
    }
    const wasHalted = acct.halted;
    acct = updateDrawdown(acct, equity(acct, candle.close), this.d.risk);
    this.books.update({ account: acct, last_signal: decided ?? this.state.last_signal });
    if (acct.halted && !wasHalted) {
      halt ??= `max drawdown reached (${acct.halted})`;
      this.d.log.error(
        { equity: equity(acct, candle.close), peak: acct.equityPeak, alert: true },
        'max drawdown: new entries halted; exits go on',
      );
    }
    const cycle = planCycle({
      account: acct,
      candle,
      risk: this.d.risk,
      signal: strategyError === undefined ? decided : null,
      reason,
      lastActed: this.state.last_acted_target,
      entriesBlocked: entriesBlocked ?? halt ?? null,
    });
    this.plan = cycle.orders;
    if (cycle.acted !== undefined) this.books.update({ last_acted_target: cycle.acted });
    // A position that stays open keeps its stop on the exchange (placed again if it went missing).
    if (this.live && !this.plan.some((p) => p.action !== 'open')) await this.desk.protect(candle.ts);
    return {
      orders: this.plan.length,
      ...(halt !== undefined ? { halt } : {}),
      ...(strategyError !== undefined ? { strategyError } : {}),
    };
  }

  /** For the dashboard and Mission Control; a failed read never holds up the cycle's exits. */
  private async readExchangeView(): Promise<void> {
    try {
      const free = await this.d.exchange.fetchFreeCollateral(this.d.bot.config.trading.pair);
      this.exchangeView = { freeCollateral: free, checkedAt: this.d.now() };
    } catch (err) {
      this.d.log.warn(
        { error: err instanceof Error ? err.message : String(err) },
        'free collateral read failed',
      );
    }
  }

  private bookLiquidation(candle: Candle, price: number, level: number): void {
    const before = this.state.account;
    const fill = liquidationFill(before.position, price, candle.ts, this.d.fill);
    const id = liquidationOrderId(candle.ts);
    const trade = this.books.recordFill(id, id, fill, 'liquidation', before, applyLiquidation(before, fill));
    this.d.log.error({ trade, liquidation_price: level, alert: true }, `position liquidated at ${price}`);
  }

  /** Places the planned orders one after the other; returns how many were placed. */
  async placeOrders(): Promise<number> {
    try {
      return await this.desk.placeAll(this.plan, this.current!);
    } finally {
      this.plan = [];
    }
  }

  /** Lifts a halt: the peak restarts from the current equity. */
  resumeAccount(): void {
    this.haltedBefore = null;
    const mark = this.state.last_price ?? this.state.account.position.entryPrice;
    this.books.update({ account: resume(this.state.account, equity(this.state.account, mark)) });
  }

  async persist(
    machineState: string,
    haltReason: string | null,
    context?: PersistInput['context'],
  ): Promise<void> {
    this.books.update({
      machine: { state: machineState, halt_reason: haltReason, ...(context ? { context } : {}) },
    });
    this.books.save(machineState);
    this.d.onCycle?.(this.snapshot());
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
      exchange: this.exchangeView,
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
    this.books.close();
    this.d.feed.close();
  }
}
