/**
 * Supervises one bot: starts its machine actor, restarts it from persisted state with exponential backoff
 * when it fails, within a budget, and past the budget leaves it `failed` (with an alert) while the rest of
 * the runtime runs on. A fault in one bot never reaches another: each bot has its own actor, session,
 * state and logger, and every error is caught at its actor.
 */

import type { BotHandle } from './bot/create-bot.js';
import { botContext } from './bot-context.js';
import type { Logger } from './log.js';

export interface RestartPolicy {
  /** First backoff (ms); doubles per restart up to `maxMs`. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** At most this many restarts within `windowMs`; one more and the bot stays failed. */
  readonly budget: number;
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseMs: 1000,
  maxMs: 300_000,
  budget: 5,
  windowMs: 600_000,
};

export type SupervisedStatus = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

export interface SupervisorEvents {
  onStatus?(id: string, status: SupervisedStatus, detail?: string): void;
  onState?(id: string, machineState: string, handle: BotHandle): void;
}

/** Backoff for the n-th restart (0-based): base * 2^n, capped. */
export function backoffMs(policy: RestartPolicy, n: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** n);
}

export class BotSupervisor {
  status: SupervisedStatus = 'starting';
  handle: BotHandle | undefined;
  lastError: string | null = null;
  restarts = 0;
  private restartTimes: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private stoppedWaiters: (() => void)[] = [];
  /** The previous session closing once its work in flight has ended; a new one starts only after it. */
  private draining: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    private readonly create: () => Promise<BotHandle>,
    private readonly log: Logger,
    private readonly policy: RestartPolicy,
    private readonly events: SupervisorEvents = {},
    private readonly now: () => number = Date.now,
  ) {}

  private setStatus(s: SupervisedStatus, detail?: string): void {
    this.status = s;
    this.events.onStatus?.(this.id, s, detail);
  }

  async start(): Promise<void> {
    this.setStatus(this.restarts === 0 ? 'starting' : 'restarting');
    let handle: BotHandle;
    try {
      // Two sessions on one bot folder would both book and write state.json: an order the old one still has
      // on its way is settled and saved by it before the new one restores and reconciles.
      await this.draining;
      // Everything the bot does from here runs in its context, so stray errors can be attributed to it.
      handle = await botContext.run({ bot: this.id }, () => this.create());
    } catch (err) {
      this.fail(`cannot start: ${err instanceof Error ? err.message : String(err)}`, true);
      return;
    }
    this.handle = handle;
    const actor = handle.actor;
    let last = '';
    actor.subscribe({
      next: (snap) => {
        const value = typeof snap.value === 'string' ? snap.value : JSON.stringify(snap.value);
        if (value === last) return;
        last = value;
        this.events.onState?.(this.id, value, handle);
        if (value === 'idle' || value === 'evaluating' || value === 'ordering' || value === 'halted') {
          if (this.status !== 'running') this.setStatus('running');
        }
        if (value === 'failed') {
          const why = snap.context.lastError ?? 'unknown error';
          // A bot that failed while starting (corrupt or unreadable state) cannot be fixed by a restart.
          const permanent = /state|journal|paper account|schema/i.test(why) && snap.context.cycles === 0;
          this.fail(why, permanent);
        }
        if (value === 'stopped') this.onStopped();
      },
      error: (err) => {
        // An error that escaped the machine (e.g. in an action): the actor is dead; restart it.
        this.fail(`actor error: ${err instanceof Error ? err.message : String(err)}`, false);
      },
    });
    botContext.run({ bot: this.id }, () => actor.start());
  }

  /** Treats an error that escaped the bot's actor as a failure of that bot (restart within the budget). */
  crash(why: string): boolean {
    if (this.status === 'failed' || this.status === 'stopped' || this.stopping) return false;
    this.fail(why, false);
    return true;
  }

  private fail(why: string, permanent: boolean): void {
    this.lastError = why;
    this.teardown();
    if (this.stopping) {
      this.onStopped();
      return;
    }
    const now = this.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < this.policy.windowMs);
    if (permanent || this.restartTimes.length >= this.policy.budget) {
      this.log.error(
        { error: why, restarts: this.restarts, alert: true },
        permanent ? 'bot failed and stays down' : 'bot failed: restart budget exhausted, it stays down',
      );
      this.setStatus('failed', why);
      return;
    }
    const delay = backoffMs(this.policy, this.restartTimes.length);
    this.restartTimes.push(now);
    this.restarts++;
    this.log.warn(
      { error: why, restart_in_ms: delay, restarts: this.restarts },
      'bot failed: restarting from persisted state',
    );
    this.setStatus('restarting', why);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.start();
    }, delay);
  }

  private teardown(): void {
    const h = this.handle;
    this.handle = undefined;
    if (!h) return;
    try {
      h.actor.stop();
    } catch {
      // already stopped
    }
    this.draining = h.session.closeWhenIdle().catch((err: unknown) => {
      this.log.error(
        { error: err instanceof Error ? err.message : String(err) },
        'closing the session failed',
      );
    });
  }

  private onStopped(): void {
    this.teardown();
    if (this.status !== 'failed') this.setStatus('stopped');
    for (const w of this.stoppedWaiters.splice(0)) w();
  }

  /** Asks the bot to finish its cycle, persist and stop; resolves when it has, or after `deadlineMs`. */
  async stop(deadlineMs: number): Promise<'clean' | 'deadline'> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const h = this.handle;
    if (!h || this.status === 'failed' || this.status === 'stopped') {
      this.onStopped();
      return 'clean';
    }
    const done = new Promise<'clean'>((resolve) => this.stoppedWaiters.push(() => resolve('clean')));
    h.actor.send({ type: 'STOP' });
    let t: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      t = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    const res = await Promise.race([done, deadline]);
    clearTimeout(t);
    if (res === 'deadline') {
      // The cycle did not finish in time: abandon it. Its state (with any order in flight) was saved before
      // the exchange was called, so the next start reconciles it.
      this.log.error(
        { deadline_ms: deadlineMs },
        'cycle did not finish before the shutdown deadline; abandoned',
      );
      this.onStopped();
    }
    return res;
  }

  /** A restart through the normal shutdown path (after a promotion). */
  async restart(deadlineMs: number): Promise<void> {
    await this.stop(deadlineMs);
    this.stopping = false;
    this.restarts++;
    await this.start();
  }

  send(event: { type: 'PAUSE'; reason?: string } | { type: 'RESUME' }): boolean {
    if (!this.handle) return false;
    this.handle.actor.send(event);
    return true;
  }
}
