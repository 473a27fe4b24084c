/**
 * The sync actor: keeps Mission Control up to date with at-least-once delivery.
 *
 * - What it sends: a snapshot of both bots at start-up, every `intervalMs` (30 min by default) and at
 *   shutdown, and one item per trade (the full payload plus the fill, keyed by the client order id).
 * - How: every item is written to the durable outbox first, then a single delivery loop POSTs the oldest
 *   pending item with `X-Status-Secret`. Network errors, timeouts, 408, 429 and 5xx are retried with
 *   exponential backoff and jitter (429/503 honour Retry-After); any other 4xx drops the item with an
 *   error log, since the board will refuse it forever. Items survive a restart in the outbox.
 * - Freshness: the runtime reports a fill before the bot has saved its new position, so a trade item is
 *   rebuilt at the bot's next cycle (or sent as it is after `settleMs`), never carrying the position from
 *   before the trade (the original's pushes lagged one trade).
 * - Shutdown: `stop()` queues a final snapshot (bots stopped) and tries each pending item once within
 *   `flushTimeoutMs`; whatever is left waits on disk for the next start.
 *
 * Without a URL it does nothing and says so once. The secret is never logged (headers are not logged and
 * the logger scrubs secret values), and the payload carries no credentials.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import { buildPayload, type PayloadEvent, type RuntimeInput, type TradeInput } from './build-payload.js';
import {
  type BackoffPolicy,
  classifyError,
  classifyStatus,
  DEFAULT_BACKOFF,
  type Outcome,
  retryDelayMs,
} from './delivery.js';
import { type NewItem, Outbox, type OutboxItem } from './outbox.js';
import { type Payload, syncTradeSchema } from './payload.js';
import { DEFAULT_INTERVAL_S, redactUrl, type SyncSettings } from './settings.js';
import { payloadTables, readBacktestSummary } from './summary-file.js';

/** The runtime as the sync actor sees it: its snapshot, and its `trade`/`cycle` events. */
export interface SyncSource extends Pick<EventEmitter, 'on' | 'off'> {
  snapshot(): RuntimeInput;
}

export interface SyncActorOptions extends SyncSettings {
  /** The home folder: summary.json is read from HOME/backtest/results, the outbox is HOME/outbox. */
  readonly home: string;
  readonly source: SyncSource;
  readonly log: Logger;
  /** Outbox folder (default HOME/outbox). */
  readonly outboxDir?: string;
  /** A bot's state.json (default HOME/bots/<id>/state.json). */
  readonly stateFile?: (botId: string) => string;
  /** Outbox bound (default 10,000 items). */
  readonly maxItems?: number;
  /** Per-request timeout (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Time the shutdown flush may take (default 5 s). */
  readonly flushTimeoutMs?: number;
  /** Longest the start-up snapshot waits for the bots to restore their state (default 5 s). */
  readonly startupWaitMs?: number;
  /** Longest a trade item waits for its bot to save the new position (default 2 s). */
  readonly settleMs?: number;
  /** Failing this long raises a health alert (default 5 min). */
  readonly alertAfterMs?: number;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Injected for tests. */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
  /** Told the outbox size after every change (the runtime's `dualbot_outbox_items` gauge). */
  readonly onOutboxSize?: (items: number) => void;
}

/** What a runtime may set: everything but what the runtime itself provides. */
export type SyncOptions = Omit<SyncActorOptions, 'home' | 'log' | 'source'>;

/** For the dashboard and the runtime snapshot. */
export interface SyncStatus {
  /** off: no URL; ok: nothing failing; retrying: the last attempt failed and a retry is scheduled. */
  readonly state: 'off' | 'ok' | 'retrying';
  /** Where items go (origin and path only). */
  readonly target: string | null;
  readonly pending: number;
  readonly delivered: number;
  readonly lastDeliveredAt: number | null;
  readonly lastError: string | null;
  readonly failingSince: number | null;
}

const READY_EVENTS = ['state', 'status', 'cycle'] as const;

export class SyncActor {
  private readonly url: string | undefined;
  private readonly now: () => number;
  private readonly backoff: BackoffPolicy;
  private outbox: Outbox | undefined;
  private offReason: string | null = null;
  private started = false;
  private stopping: Promise<void> | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private interval: NodeJS.Timeout | undefined;
  private startupTimer: NodeJS.Timeout | undefined;
  /** Set while the start-up snapshot waits for the bots (then a no-op, so it is scheduled once). */
  private cancelStartup: (() => void) | undefined;
  /** Trade items built before their bot saved state; rebuilt on its next cycle. In memory: after a restart
   * every item is sent as stored. */
  private readonly unsettled = new Map<string, string>();
  private readonly deadline = new AbortController();
  private failures = 0;
  private retryAt = 0;
  private failingSince: number | null = null;
  private lastError: string | null = null;
  private lastRefusal: string | null = null;
  private delivered = 0;
  private lastDeliveredAt: number | null = null;
  private tradesEvicted = 0;
  private summaryProblem: string | null = null;
  /** Why the last item could not be queued (cleared by the next one that is). */
  private queueProblem: string | null = null;

  constructor(private readonly o: SyncActorOptions) {
    this.url = o.url;
    this.now = o.now ?? Date.now;
    this.backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
    if (!o.url) this.offReason = 'MISSION_CONTROL_URL is not set';
    else if (!o.secret) this.offReason = 'MISSION_CONTROL_SECRET is not set (there is no default secret)';
  }

  /** True when a URL and secret are configured. */
  get enabled(): boolean {
    return this.offReason === null;
  }

  private get outboxDir(): string {
    return this.o.outboxDir ?? path.join(this.o.home, 'outbox');
  }

  private get intervalMs(): number {
    return this.o.intervalMs ?? DEFAULT_INTERVAL_S * 1000;
  }

  /**
   * Opens the outbox, subscribes to trades and starts delivering what an earlier run left. Call it before
   * the bots start, so no fill is missed; then {@link scheduleStartupSnapshot} once they are spawned.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (!this.enabled) {
      const left = this.leftoverCount();
      this.o.log.info(
        left > 0 ? { pending_in_outbox: left, outbox: this.outboxDir } : {},
        `Mission Control sync is off: ${this.offReason}`,
      );
      return;
    }
    try {
      this.outbox = Outbox.open(this.outboxDir, {
        ...(this.o.maxItems !== undefined ? { maxItems: this.o.maxItems } : {}),
        onCorrupt: (file, why) =>
          this.o.log.error({ file, error: why }, 'unreadable Mission Control outbox item moved to corrupt/'),
      });
    } catch (err) {
      this.offReason = `the outbox cannot be opened (${err instanceof Error ? err.message : String(err)})`;
      this.o.log.error({ err, alert: true }, `Mission Control sync is off: ${this.offReason}`);
      return;
    }
    this.reportSize();
    this.o.source.on('trade', this.onTrade);
    this.o.source.on('cycle', this.onCycle);
    this.o.log.info(
      { target: redactUrl(this.url!), interval_s: this.intervalMs / 1000, pending: this.outbox.size },
      'Mission Control sync on',
    );
    this.loopDone = this.loop().catch((err: unknown) => {
      this.o.log.error({ err, alert: true }, 'Mission Control delivery loop crashed');
    });
    this.interval = setInterval(() => this.snapshot('interval'), this.intervalMs);
    this.interval.unref();
  }

  /**
   * Queues the start-up snapshot once every bot has restored its state (or failed), or after
   * `startupWaitMs`, whichever comes first. Call it once the bots are spawned.
   */
  scheduleStartupSnapshot(): void {
    if (!this.outbox || this.stopping || this.cancelStartup) return;
    const cancel = () => {
      clearTimeout(this.startupTimer);
      for (const e of READY_EVENTS) this.o.source.off(e, check);
    };
    this.cancelStartup = cancel;
    const done = () => {
      if (this.cancelStartup !== cancel) return;
      this.cancelStartup = () => {};
      cancel();
      this.snapshot('start-up');
    };
    const check = () => {
      const bots = this.o.source.snapshot().bots;
      if (bots.every((b) => b.session !== null || b.status === 'failed' || b.status === 'stopped')) done();
    };
    for (const e of READY_EVENTS) this.o.source.on(e, check);
    this.startupTimer = setTimeout(done, this.o.startupWaitMs ?? 5000);
    this.startupTimer.unref();
    check();
  }

  /** Queues a snapshot now (coalescing with any pending one). */
  snapshot(reason = 'requested'): void {
    if (!this.outbox) return;
    this.guard('snapshot', () => {
      const id = `snapshot-${new Date(this.now()).toISOString()}-${randomUUID().slice(0, 8)}`;
      const body = this.build({ kind: 'snapshot', id });
      const r = this.add({ id, kind: 'snapshot', bot: null, enqueuedAt: this.now(), settled: true, body });
      if (!r) this.o.log.warn({ reason }, 'Mission Control outbox is full of trades: snapshot not queued');
      else this.o.log.debug({ id, reason }, 'Mission Control snapshot queued');
    });
  }

  /**
   * Runs work triggered by a runtime event. Listeners run inside the emitting bot's cycle, so a sync failure
   * (a full disk, say) is logged and alerted here and never reaches the bot.
   */
  private guard(what: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.queueProblem = `${what} failed: ${err instanceof Error ? err.message : String(err)}`;
      this.o.log.error({ err, alert: true }, `Mission Control ${what} failed`);
    }
  }

  private readonly onTrade = (e: { bot: string; trade: TradeInput }): void => {
    if (!this.outbox || !e?.trade) return;
    this.guard('queueing a trade', () => {
      const id = e.trade.client_order_id;
      const body = this.build({ kind: 'trade', id, bot: e.bot, trade: e.trade });
      this.unsettled.set(id, e.bot);
      this.add({ id, kind: 'trade', bot: e.bot, enqueuedAt: this.now(), settled: false, body });
      this.o.log.debug({ id, bot: e.bot }, 'Mission Control trade queued');
    });
  };

  /** The bot has saved its state after the trade: rebuild its pending trade items with the new position. */
  private readonly onCycle = (e: { bot: string }): void => {
    if (!this.outbox || this.unsettled.size === 0) return;
    this.guard('refreshing a trade', () => {
      for (const [id, bot] of this.unsettled) {
        if (bot !== e?.bot) continue;
        this.unsettled.delete(id);
        const item = this.outbox!.get(id);
        const trade = syncTradeSchema.safeParse(item?.body['trade']);
        if (!item || !trade.success) continue;
        this.outbox!.update(id, {
          body: this.build({ kind: 'trade', id, bot, trade: trade.data }),
          settled: true,
        });
      }
    });
    this.kick();
  };

  private add(n: NewItem): boolean {
    const box = this.outbox!;
    const r = box.add(n);
    this.queueProblem = null;
    for (const old of r.evicted) {
      this.unsettled.delete(old.id);
      if (old.kind === 'trade') {
        this.tradesEvicted++;
        this.o.log.error(
          { id: old.id, bot: old.bot, max_items: box.maxItems, alert: true },
          "Mission Control outbox full: oldest trade dropped (it stays in the bot's journal and state)",
        );
      }
    }
    this.reportSize();
    this.kick();
    return r.stored;
  }

  private reportSize(): void {
    this.o.onOutboxSize?.(this.outbox?.size ?? 0);
  }

  private readState(botId: string): Record<string, unknown> {
    const file = this.o.stateFile?.(botId) ?? path.join(this.o.home, 'bots', botId, 'state.json');
    try {
      const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }

  /**
   * Builds the payload for an event from the runtime, each state.json and the backtest summary.
   *
   * @throws ZodError when the payload does not validate (the caller's guard logs and alerts it).
   */
  private build(event: PayloadEvent): Payload {
    const runtime = this.o.source.snapshot();
    const states = Object.fromEntries(runtime.bots.map((b) => [b.name, this.readState(b.name)]));
    const summary = readBacktestSummary(this.o.home);
    if (summary.problem !== this.summaryProblem) {
      this.summaryProblem = summary.problem;
      if (summary.problem) this.o.log.warn({ problem: summary.problem }, 'backtest summary ignored');
    }
    return buildPayload({ runtime, states, tables: payloadTables(summary.tables), now: this.now(), event });
  }

  private kick(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Waits for a kick (new work, stop) or `ms`. */
  private idle(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let t: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(t);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      this.wake = done;
      if (ms !== undefined) t = setTimeout(done, ms);
    });
  }

  private async loop(): Promise<void> {
    const box = this.outbox!;
    while (!this.stopping) {
      const item = box.head();
      if (!item) {
        await this.idle();
        continue;
      }
      const now = this.now();
      const settleAt = this.unsettled.has(item.id) ? item.enqueuedAt + (this.o.settleMs ?? 2000) : 0;
      const wait = Math.max(this.retryAt, settleAt) - now;
      if (wait > 0) {
        await this.idle(wait);
        continue;
      }
      const outcome = await this.post(item, this.o.requestTimeoutMs ?? 10_000);
      try {
        this.apply(item, outcome);
      } catch (err) {
        // Deleting a delivered item failed (the disk, say): keep delivering; at worst it is sent again.
        this.o.log.error({ err, id: item.id, alert: true }, 'Mission Control outbox update failed');
        this.retryAt = this.now() + this.backoff.baseMs;
      }
    }
  }

  private async post(item: OutboxItem, timeoutMs: number): Promise<Outcome> {
    const f = this.o.fetch ?? fetch;
    try {
      const res = await f(this.url!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-status-secret': this.o.secret!,
          'idempotency-key': item.id,
          'user-agent': 'dualbot-sync',
        },
        body: JSON.stringify(item.body),
        // The secret header must not follow a redirect to another address.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.deadline.signal]),
      });
      // Read the body so the connection is reused; its content does not matter.
      await res.arrayBuffer().catch(() => undefined);
      return classifyStatus(res.status, res.headers.get('retry-after'), this.now());
    } catch (err) {
      return classifyError(err);
    }
  }

  /** Applies one attempt's outcome; returns false when delivery should pause (a retryable failure). */
  private apply(item: OutboxItem, outcome: Outcome): boolean {
    const box = this.outbox!;
    const now = this.now();
    const ctx = { id: item.id, kind: item.kind, ...(item.bot ? { bot: item.bot } : {}) };
    if (outcome.kind === 'retry') {
      this.failures++;
      this.failingSince ??= now;
      this.lastError = outcome.reason;
      const delay = retryDelayMs(this.backoff, this.failures, this.o.random ?? Math.random, outcome.afterMs);
      this.retryAt = now + delay;
      this.o.log.warn(
        { ...ctx, reason: outcome.reason, attempt: this.failures, retry_in_ms: delay, pending: box.size },
        'Mission Control post failed; will retry',
      );
      return false;
    }
    if (this.failures > 0)
      this.o.log.info(
        { failures: this.failures, down_ms: now - (this.failingSince ?? now) },
        'Mission Control reachable again',
      );
    this.failures = 0;
    this.retryAt = 0;
    this.failingSince = null;
    // An item rebuilt or replaced while it was in flight is newer than what the board got: keep it.
    if (box.get(item.id) === item) box.remove(item.id);
    this.unsettled.delete(item.id);
    this.reportSize();
    if (outcome.kind === 'drop') {
      this.lastError = outcome.reason;
      this.lastRefusal = outcome.reason;
      this.o.log.error(
        { ...ctx, status: outcome.status, reason: outcome.reason, alert: true },
        'Mission Control refused the item; dropped, not retried',
      );
    } else {
      this.lastError = null;
      this.lastRefusal = null;
      this.delivered++;
      this.lastDeliveredAt = now;
      this.o.log.debug({ ...ctx, status: outcome.status }, 'Mission Control item delivered');
    }
    return true;
  }

  /**
   * Stops delivery, queues a final snapshot (call it after the bots have stopped, so it says so) and
   * tries each pending item once within `flushTimeoutMs`. Never throws; what is left stays in the outbox.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.outbox) return;
      const box = this.outbox;
      clearInterval(this.interval);
      this.cancelStartup?.();
      this.o.source.off('trade', this.onTrade);
      this.o.source.off('cycle', this.onCycle);
      const flushMs = this.o.flushTimeoutMs ?? 5000;
      const started = this.now();
      // An attempt in flight may finish within the flush deadline; past it, it is abandoned (and stays queued).
      const timer = setTimeout(() => this.deadline.abort(), flushMs);
      this.kick();
      await this.loopDone;
      this.snapshot('shutdown');
      let sent = 0;
      try {
        for (const item of [...box.list()]) {
          const left = started + flushMs - this.now();
          if (left <= 0 || this.deadline.signal.aborted) break;
          const outcome = await this.post(item, Math.min(left, this.o.requestTimeoutMs ?? 10_000));
          if (!this.apply(item, outcome)) break;
          sent++;
        }
      } catch (err) {
        this.o.log.error({ err }, 'Mission Control flush failed; pending items stay in the outbox');
      } finally {
        clearTimeout(timer);
      }
      this.o.log.info(
        { sent, left_in_outbox: box.size },
        box.size === 0
          ? 'Mission Control flushed'
          : 'Mission Control flush incomplete; the rest is sent at the next start',
      );
    })();
    return this.stopping;
  }

  /** Health alerts about sync (the runtime adds them to its own). */
  alerts(): string[] {
    const out: string[] = [];
    if (this.offReason && this.o.url) out.push(`Mission Control sync is off: ${this.offReason}`);
    const now = this.now();
    if (this.failingSince !== null && now - this.failingSince >= (this.o.alertAfterMs ?? 300_000)) {
      out.push(
        `Mission Control unreachable for ${Math.round((now - this.failingSince) / 60_000)} min (${this.outbox?.size ?? 0} items waiting): ${this.lastError ?? 'unknown error'}`,
      );
    }
    if (this.queueProblem) out.push(`Mission Control: ${this.queueProblem}`);
    if (this.lastRefusal) out.push(`Mission Control refused the last post (${this.lastRefusal})`);
    if (this.tradesEvicted > 0)
      out.push(
        `Mission Control outbox full: ${this.tradesEvicted} trades dropped (still in each bot's journal)`,
      );
    return out;
  }

  status(): SyncStatus {
    return {
      state: !this.enabled ? 'off' : this.failures > 0 ? 'retrying' : 'ok',
      target: this.enabled && this.url ? redactUrl(this.url) : null,
      pending: this.outbox?.size ?? 0,
      delivered: this.delivered,
      lastDeliveredAt: this.lastDeliveredAt,
      lastError: this.lastError,
      failingSince: this.failingSince,
    };
  }

  /** Items an earlier run left, counted without opening the outbox (sync is off). */
  private leftoverCount(): number {
    try {
      return existsSync(this.outboxDir)
        ? readdirSync(this.outboxDir).filter((n) => /^\d{12}-(trade|snapshot)\.json$/.test(n)).length
        : 0;
    } catch {
      return 0;
    }
  }
}

/** Creates the sync actor (idle when `url` or `secret` is missing). */
export function createSyncActor(o: SyncActorOptions): SyncActor {
  return new SyncActor(o);
}
