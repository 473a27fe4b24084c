/**
 * The runtime: one process, several bots. It spawns a supervised bot actor per config, serves health,
 * metrics and the dashboard, and shuts down gracefully (each bot finishes its cycle and persists, within a
 * deadline). `createRuntime` is the programmatic API; `dualbot run` is a thin wrapper around it.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { InspectionEvent } from 'xstate';
import { parseTimeframe } from '../backtest/data/index.js';
import type { LoadedBot } from '../config/index.js';
import { type BotHandle, type CreateBotOptions, createBot } from './bot/create-bot.js';
import type { SessionSnapshot } from './bot/session.js';
import { HealthMonitor } from './health-monitor.js';
import { renderDashboard } from './http/dashboard.js';
import { startHttpServer } from './http/server.js';
import type { Logging } from './log.js';
import { createMetrics } from './metrics.js';
import type { TradeRecord } from './persistence/state-file.js';
import {
  BotSupervisor,
  DEFAULT_RESTART_POLICY,
  type RestartPolicy,
  type SupervisedStatus,
} from './supervisor.js';
import { createSyncActor, type SyncActor, type SyncOptions, type SyncStatus } from './sync/index.js';

export interface RuntimeOptions {
  /** Folder holding bots/<name>/. */
  readonly home: string;
  readonly logging: Logging;
  readonly http?: { readonly host: string; readonly port: number } | false;
  readonly adminToken?: string;
  /** Longest a bot may take to finish its cycle at shutdown (default 60 s). */
  readonly shutdownTimeoutMs?: number;
  /** Overrides every bot's restart policy (tests); otherwise each bot's `restart` config or the default. */
  readonly restartPolicy?: RestartPolicy;
  /** How often the health monitor checks the bots (default 5 minutes). */
  readonly healthIntervalMs?: number;
  /** Optional URL the health monitor POSTs each new alert to. */
  readonly alertWebhookUrl?: string;
  readonly inspect?: (e: InspectionEvent) => void;
  /** Mission Control sync (url, secret, interval, ...); without a url sync is off. */
  readonly sync?: SyncOptions;
}

export interface BotView {
  readonly name: string;
  /** The config's `name` (e.g. "Long Only Bot"). */
  readonly displayName: string;
  readonly exchange: string;
  readonly mode: string;
  readonly pair: string;
  readonly strategy: string;
  readonly dryRun: boolean;
  readonly leverage: number;
  readonly status: SupervisedStatus;
  readonly machineState: string;
  readonly restarts: number;
  readonly lastError: string | null;
  readonly lastCycleAt: number | null;
  readonly expectedIntervalMs: number;
  readonly session: SessionSnapshot | null;
  readonly equityCurve: readonly [number, number][];
}

export interface RuntimeSnapshot {
  readonly startedAt: number;
  readonly bots: readonly BotView[];
  readonly alerts: readonly string[];
  readonly missionControl: SyncStatus | null;
}

export interface SpawnOptions {
  readonly exchange?: CreateBotOptions['exchange'];
  readonly feed?: CreateBotOptions['feed'];
  /** Folder for the bot's state and logs (default HOME/bots/<name>). */
  readonly dir?: string;
  readonly beforeEvaluate?: () => void;
  /** How long orders are waited for and looked up (tests shorten it). */
  readonly orderSettle?: CreateBotOptions['orderSettle'];
}

interface Entry {
  readonly bot: LoadedBot;
  readonly dir: string;
  readonly sup: BotSupervisor;
  readonly expectedIntervalMs: number;
  machineState: string;
  lastCycleAt: number | null;
  session: SessionSnapshot | null;
  equityCurve: [number, number][];
  /** The machine's counters as last seen, to turn them into metric increments. */
  skipped: number;
  orderErrors: number;
}

const CURVE_POINTS = 500;

export class Runtime extends EventEmitter {
  private readonly bots = new Map<string, Entry>();
  private readonly startedAt = Date.now();
  private readonly metrics = createMetrics();
  private http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  private stopping: Promise<void> | undefined;
  private monitor: HealthMonitor | undefined;
  private sync: SyncActor | undefined;

  constructor(private readonly o: RuntimeOptions) {
    super();
    this.setMaxListeners(100);
  }

  get url(): string | undefined {
    return this.http?.url;
  }

  async start(bots: readonly LoadedBot[]): Promise<void> {
    this.monitor = new HealthMonitor({
      alerts: () => this.snapshot().alerts,
      intervalMs: this.o.healthIntervalMs ?? 300_000,
      log: this.o.logging.root,
      ...(this.o.alertWebhookUrl ? { webhookUrl: this.o.alertWebhookUrl } : {}),
    });
    this.monitor.start();
    if (this.o.http !== false) {
      const h = this.o.http ?? { host: '127.0.0.1', port: 8081 };
      this.http = await startHttpServer(this.handlers(), {
        host: h.host,
        port: h.port,
        ...(this.o.adminToken ? { adminToken: this.o.adminToken } : {}),
      });
      this.o.logging.root.info({ url: this.http.url }, 'health, metrics and dashboard listening');
    }
    // Sync subscribes before the bots start so that no fill is missed; its start-up snapshot waits for them.
    this.sync = createSyncActor({
      home: this.o.home,
      log: this.o.logging.root.child({ actor: 'sync' }),
      source: this,
      stateFile: (id) =>
        path.join(this.bots.get(id)?.dir ?? path.join(this.o.home, 'bots', id), 'state.json'),
      onOutboxSize: (n) => this.metrics.outboxItems.set(n),
      ...this.o.sync,
    });
    this.sync.start();
    for (const b of bots) {
      if (!b.config.enabled) {
        this.o.logging.root.info({ bot: b.id }, 'bot disabled in its config; not started');
        continue;
      }
      await this.spawnBot(b);
    }
    this.sync.scheduleStartupSnapshot();
  }

  /** Starts a bot at run time (paper bots injected programmatically use this too). */
  async spawnBot(bot: LoadedBot, opts: SpawnOptions = {}): Promise<void> {
    if (this.bots.has(bot.id)) throw new Error(`a bot named ${bot.id} is already running`);
    if (this.stopping) throw new Error('the runtime is shutting down');
    const dir = opts.dir ?? path.join(this.o.home, 'bots', bot.id);
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const log = this.o.logging.forBot(bot.id, path.join(dir, 'logs'));
    const labels = { bot: bot.id };
    const c = bot.config;
    const tf = parseTimeframe(c.timeframe);
    const expectedIntervalMs =
      c.market_data.source === 'replay'
        ? Math.max(1000, (3 * tf) / c.market_data.replay.speed)
        : tf + c.market_data.poll_interval_s * 2000;
    const create = async (): Promise<BotHandle> =>
      createBot({
        bot,
        dir,
        log,
        ...(opts.exchange ? { exchange: opts.exchange } : {}),
        ...(opts.feed ? { feed: opts.feed } : {}),
        ...(opts.beforeEvaluate ? { beforeEvaluate: opts.beforeEvaluate } : {}),
        ...(opts.orderSettle ? { orderSettle: opts.orderSettle } : {}),
        ...(this.o.inspect ? { inspect: this.o.inspect } : {}),
        onTrade: (t: TradeRecord) => {
          this.metrics.orders.inc(labels);
          this.emit('trade', { bot: bot.id, trade: t });
        },
        onCycle: (s: SessionSnapshot) => {
          const e = this.bots.get(bot.id);
          if (!e) return;
          if (s.lastCandleTs !== e.session?.lastCandleTs) {
            e.lastCycleAt = Date.now();
            this.metrics.cycles.inc(labels);
            e.equityCurve.push([s.lastCandleTs ?? 0, s.equity]);
            if (e.equityCurve.length > CURVE_POINTS)
              e.equityCurve.splice(0, e.equityCurve.length - CURVE_POINTS);
          }
          e.session = s;
          this.metrics.equity.set(labels, s.equity);
          if (s.exchange) this.metrics.exchangeFree.set(labels, s.exchange.freeCollateral);
          this.metrics.position.set(labels, s.position === 'SHORT' ? -s.quantity : s.quantity);
          this.emit('cycle', { bot: bot.id, snapshot: s });
        },
      });
    const r = bot.config.restart;
    const policy: RestartPolicy =
      this.o.restartPolicy ??
      (r
        ? {
            baseMs: r.backoff_initial_s * 1000,
            maxMs: r.backoff_max_s * 1000,
            budget: r.max_restarts,
            windowMs: r.window_s * 1000,
          }
        : DEFAULT_RESTART_POLICY);
    const sup = new BotSupervisor(bot.id, create, log, policy, {
      onStatus: (id, status, detail) => {
        this.metrics.up.set(labels, status === 'running' ? 1 : 0);
        if (status === 'restarting') this.metrics.restarts.inc(labels);
        // A bot that goes down alerts at once, not at the next scheduled check.
        if (status === 'failed' || status === 'running') this.monitor?.check();
        this.emit('status', { bot: id, status, detail });
      },
      onState: (id, state, handle) => {
        const e = this.bots.get(id);
        if (!e) return;
        const prev = e.machineState;
        e.machineState = state;
        if (state === 'idle' && prev === 'starting') e.session = handle.session.snapshot();
        const ctx = handle.actor.getSnapshot().context;
        if (ctx.skippedCycles > e.skipped) {
          this.metrics.strategyErrors.inc(labels, ctx.skippedCycles - e.skipped);
          log.error({ error: ctx.lastError, alert: true }, 'strategy error: cycle skipped');
        }
        if (ctx.orderErrors > e.orderErrors) {
          this.metrics.orderErrors.inc(labels, ctx.orderErrors - e.orderErrors);
          log.error({ error: ctx.lastError }, 'order error');
        }
        // A restarted actor starts its counters at zero again.
        e.skipped = ctx.skippedCycles;
        e.orderErrors = ctx.orderErrors;
        this.emit('state', { bot: id, state });
      },
    });
    this.bots.set(bot.id, {
      bot,
      dir,
      sup,
      expectedIntervalMs,
      machineState: 'starting',
      lastCycleAt: null,
      session: null,
      equityCurve: [],
      skipped: 0,
      orderErrors: 0,
    });
    this.metrics.up.set(labels, 0);
    await sup.start();
  }

  /** Stops one bot through its graceful path; the others run on. */
  async stopBot(name: string): Promise<void> {
    const e = this.bots.get(name);
    if (!e) throw new Error(`no bot named ${name}`);
    await e.sup.stop(this.o.shutdownTimeoutMs ?? 60_000);
    this.bots.delete(name);
  }

  async restartBot(name: string): Promise<void> {
    const e = this.bots.get(name);
    if (!e) throw new Error(`no bot named ${name}`);
    await e.sup.restart(this.o.shutdownTimeoutMs ?? 60_000);
  }

  /** Fails one bot because of an error that escaped its actor (see actors/process-guards.ts). */
  crashBot(name: string, why: string): boolean {
    return this.bots.get(name)?.sup.crash(why) ?? false;
  }

  pauseBot(name: string, reason = 'paused by a person'): boolean {
    return this.bots.get(name)?.sup.send({ type: 'PAUSE', reason }) ?? false;
  }

  resumeBot(name: string): boolean {
    return this.bots.get(name)?.sup.send({ type: 'RESUME' }) ?? false;
  }

  snapshot(): RuntimeSnapshot {
    const bots: BotView[] = [...this.bots.values()].map((e) => ({
      name: e.bot.id,
      displayName: e.bot.config.name,
      exchange: e.bot.config.exchange,
      mode: e.bot.config.mode,
      pair: e.bot.config.trading.pair,
      strategy: e.bot.config.strategy.name,
      dryRun: e.bot.config.dry_run,
      leverage: e.bot.config.trading.leverage,
      status: e.sup.status,
      machineState: e.machineState,
      restarts: e.sup.restarts,
      lastError: e.sup.lastError,
      lastCycleAt: e.lastCycleAt,
      expectedIntervalMs: e.expectedIntervalMs,
      session: e.session,
      equityCurve: e.equityCurve,
    }));
    return {
      startedAt: this.startedAt,
      bots,
      alerts: [...this.alerts(bots), ...(this.sync?.alerts() ?? [])],
      missionControl: this.sync?.status() ?? null,
    };
  }

  private alerts(bots: readonly BotView[]): string[] {
    const now = Date.now();
    const out: string[] = [];
    for (const b of bots) {
      if (b.status === 'failed') out.push(`${b.name} is down: ${b.lastError ?? 'failed'}`);
      else if (b.machineState === 'halted')
        out.push(`${b.name} is halted, every order stopped: ${b.session?.halted ?? 'needs a person'}`);
      else if (b.session?.halted)
        out.push(`${b.name}: entries halted (${b.session.halted}); stops and exits go on`);
      else if (this.stale(b, now))
        out.push(
          `${b.name} is stale: no cycle for ${Math.round((now - (b.lastCycleAt ?? this.startedAt)) / 1000)} s`,
        );
    }
    return out;
  }

  private stale(b: BotView, now: number): boolean {
    if (b.status !== 'running' || b.machineState === 'halted') return false;
    return now - (b.lastCycleAt ?? this.startedAt) > b.expectedIntervalMs + 5000;
  }

  private handlers() {
    return {
      health: () => {
        const snap = this.snapshot();
        const now = Date.now();
        const ok =
          snap.bots.length > 0 &&
          snap.bots.every((b) => b.status !== 'failed' && b.status !== 'stopped' && !this.stale(b, now));
        return {
          ok,
          body: {
            status: ok ? 'ok' : 'unhealthy',
            uptime_s: Math.round((now - this.startedAt) / 1000),
            alerts: snap.alerts,
            bots: snap.bots.map((b) => ({
              name: b.name,
              status: b.status,
              state: b.machineState,
              last_cycle_at: b.lastCycleAt ? new Date(b.lastCycleAt).toISOString() : null,
              position: b.session?.position ?? 'NONE',
              restarts: b.restarts,
              dry_run: b.dryRun,
            })),
          },
        };
      },
      ready: () => this.bots.size > 0 && [...this.bots.values()].every((e) => e.sup.status === 'running'),
      metrics: async () => ({
        contentType: this.metrics.registry.contentType,
        body: await this.metrics.registry.metrics(),
      }),
      dashboard: () => renderDashboard({ home: this.o.home }),
      snapshot: () => this.snapshot(),
      subscribe: (send: (event: string, data: unknown) => void) => {
        const onCycle = () => send('snapshot', this.snapshot());
        const onTrade = (t: unknown) => send('trade', t);
        this.on('cycle', onCycle);
        this.on('trade', onTrade);
        this.on('status', onCycle);
        send('snapshot', this.snapshot());
        return () => {
          this.off('cycle', onCycle);
          this.off('trade', onTrade);
          this.off('status', onCycle);
        };
      },
      admin: async (bot: string, action: 'pause' | 'resume' | 'restart') => {
        if (!this.bots.has(bot)) return { status: 404, body: { error: `no bot named ${bot}` } };
        if (action === 'pause') this.pauseBot(bot);
        else if (action === 'resume') this.resumeBot(bot);
        else await this.restartBot(bot);
        return { status: 200, body: { ok: true, bot, action } };
      },
    };
  }

  /** Graceful shutdown: no new entries, each bot finishes its cycle and persists, then HTTP and logs close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const deadline = this.o.shutdownTimeoutMs ?? 60_000;
      this.o.logging.root.info(
        { deadline_ms: deadline },
        'shutting down: bots finish their cycle and save state',
      );
      const results = await Promise.all(
        [...this.bots.values()].map(async (e) => [e.bot.id, await e.sup.stop(deadline)] as const),
      );
      for (const [id, r] of results) this.o.logging.root.info({ bot: id, result: r }, 'bot stopped');
      await this.monitor?.stop();
      await this.sync?.stop();
      await this.http?.close();
      this.o.logging.root.info('shutdown complete');
      this.o.logging.flush();
    })();
    return this.stopping;
  }
}

export function createRuntime(o: RuntimeOptions): Runtime {
  return new Runtime(o);
}
