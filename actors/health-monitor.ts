/**
 * The health monitor: checks every bot on a schedule (every 5 minutes by default) and raises an alert
 * when a bot is down, stale or halted: an error log line, the runtime snapshot's `alerts` (which the
 * dashboard and Mission Control show), and an optional webhook. Each alert is raised once and cleared
 * when it goes away. A webhook that fails is logged and never affects trading.
 */
import type { Logger } from './log.js';

export interface HealthMonitorOptions {
  /** Current alerts, one line each (the runtime computes them from its snapshot). */
  readonly alerts: () => readonly string[];
  readonly intervalMs: number;
  readonly log: Logger;
  /** POSTed `{text, alerts, at}` JSON for each new alert. */
  readonly webhookUrl?: string;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private active = new Set<string>();
  private inflight = new Set<Promise<void>>();

  constructor(private readonly o: HealthMonitorOptions) {}

  start(): void {
    this.timer = setInterval(() => this.check(), this.o.intervalMs);
    this.timer.unref();
  }

  /** Runs one check now (also called when a bot changes status, so a failure alerts at once). */
  check(): readonly string[] {
    const now = this.o.now?.() ?? Date.now();
    const current = new Set(this.o.alerts());
    for (const a of current) {
      if (this.active.has(a)) continue;
      this.o.log.error({ alert: a }, `ALERT: ${a}`);
      if (this.o.webhookUrl)
        this.track(
          this.post({ text: `dualbot: ${a}`, alerts: [...current], at: new Date(now).toISOString() }),
        );
    }
    for (const a of this.active) if (!current.has(a)) this.o.log.info({ alert: a }, `alert cleared: ${a}`);
    this.active = current;
    return [...current];
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async post(body: unknown): Promise<void> {
    try {
      const res = await (this.o.fetch ?? fetch)(this.o.webhookUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) this.o.log.warn({ status: res.status }, 'alert webhook refused the alert');
    } catch (err) {
      this.o.log.warn(
        { error: err instanceof Error ? err.message : String(err) },
        'alert webhook unreachable',
      );
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.inflight]);
  }
}
