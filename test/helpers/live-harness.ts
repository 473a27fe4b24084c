/**
 * A live-configured bot run by the real runtime through the real ccxt adapter against the fake exchange on
 * 127.0.0.1, with candles handed over one at a time by the test and a scripted strategy: each candle's
 * volume says what the strategy wants (1 LONG, 2 SHORT, 3 FLAT, anything else no change, 9 throws).
 * So a test says "this candle, this price, this decision" and then looks at the exchange's own book.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ExchangePort } from '../../actors/exchanges/port.js';
import { readJournal } from '../../actors/persistence/journal.js';
import { readStateFile, type StateFile } from '../../actors/persistence/state-file.js';
import type { Candle } from '../../core/candles.js';
import { defineStrategy, type StrategyDefinition } from '../../core/signal/contract.js';
import {
  botConfigFromObject,
  coinbaseExample,
  createLogging,
  createRuntime,
  krakenExample,
  type LoadedBot,
  type Runtime,
} from '../../index.js';
import { fakeCredentials, livePortOnFake } from '../fake-exchange/live.js';
import { type FakeExchange, type FakeExchangeOptions, startFakeExchange } from '../fake-exchange/server.js';
import { ROOT, tempDir } from './cli.js';
import { waitFor } from './runtime.js';

export const DAY = 86_400_000;
export const LONG = 1;
export const SHORT = 2;
export const FLAT = 3;
export const HOLD = 0;
export const THROW = 9;

/** The scripted strategy: it decides what the candle's volume says. */
export const scripted: StrategyDefinition<Record<string, never>> = defineStrategy({
  name: 'scripted',
  interfaceVersion: 1,
  description: 'test: the candle volume is the decision',
  paramsSchema: z.object({}) as never,
  indicators: () => ({}),
  lookback: 1,
  decide(ctx) {
    const v = ctx.price('volume');
    if (v === THROW) throw new Error('scripted strategy threw');
    if (v === LONG) return { target: 'LONG', reason: 'script: long' };
    if (v === SHORT) return { target: 'SHORT', reason: 'script: short' };
    if (v === FLAT) return { target: 'FLAT', reason: 'script: flat' };
    return { target: null, reason: 'script: hold' };
  },
});

/** Candles handed over by the test, one `push` at a time. */
export class ScriptedFeed {
  private queue: Candle[] = [];
  private waiting: ((c: Candle | null) => void) | null = null;
  private ended = false;
  /** Candles the feed calls stale (closed while the bot was down). */
  stale = new Set<number>();
  constructor(private readonly warm: Candle[]) {}
  async history(upTo: number | null): Promise<Candle[]> {
    return upTo === null ? this.warm : this.warm.filter((c) => c.ts <= upTo);
  }
  push(c: Candle): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(c);
    } else this.queue.push(c);
  }
  end(): void {
    this.ended = true;
    this.waiting?.(null);
  }
  next(_after: number | null, signal: AbortSignal): Promise<Candle | null> {
    const c = this.queue.shift();
    if (c) return Promise.resolve(c);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      signal.addEventListener('abort', () => {
        this.waiting = null;
        reject(signal.reason ?? new Error('aborted'));
      });
    });
  }
  nextOpen(): number | undefined {
    return undefined;
  }
  isStale(c: Candle): boolean {
    return this.stale.has(c.ts);
  }
  close(): void {}
}

export interface HarnessOptions {
  readonly venue: 'kraken' | 'coinbase';
  readonly fake?: Partial<Omit<FakeExchangeOptions, 'venue'>>;
  /** Changes to the example config (dry_run false and live data are already set). */
  readonly config?: (c: Record<string, unknown>) => void;
  readonly availableCapital?: number;
  readonly orderSettle?: {
    timeoutMs?: number;
    pollMs?: number;
    notFoundRetries?: number;
    absentAfterMs?: number;
  };
  /** Adapter options (e.g. a short timeout). */
  readonly portTimeoutMs?: number;
}

export interface Harness {
  readonly fake: FakeExchange;
  readonly port: ExchangePort;
  readonly bot: LoadedBot;
  readonly home: string;
  readonly dir: string;
  readonly feed: ScriptedFeed;
  rt: Runtime;
  /** Hands over a candle (price also set on the venue) and waits until the bot has processed it. */
  candle(
    decision: number,
    close: number,
    range?: { high?: number; low?: number },
    timeoutMs?: number,
  ): Promise<StateFile>;
  state(): StateFile;
  /** The open time of the next candle (each call moves on by a day). */
  tick(): number;
  journal(): ReturnType<typeof readJournal>['entries'];
  /** The venue's signed position (margin) or base balance (spot). */
  venueHolds(): number;
  /** Stops the bot's runtime (the exchange and the folder stay). */
  stopRuntime(): Promise<void>;
  /** Starts a new runtime on the same folder and venue (a restart); returns when the bot reconciled. */
  restart(feed?: ScriptedFeed): Promise<void>;
  close(): Promise<void>;
}

let nextTs = Date.UTC(2024, 0, 1);

export async function liveHarness(o: HarnessOptions): Promise<Harness> {
  const fake = await startFakeExchange({ venue: o.venue, ...o.fake });
  const home = tempDir();
  const env = fakeCredentials(o.venue);
  const example = o.venue === 'kraken' ? krakenExample : coinbaseExample;
  const input = parseYaml(example(path.join(ROOT, 'data', 'kraken_LTC-USD_1d.csv')));
  input.dry_run = false;
  input.market_data = { source: 'live' };
  input.live = { available_capital: o.availableCapital ?? 1000 };
  input.trading.pair = fake.pair;
  o.config?.(input);
  const loaded = await botConfigFromObject(input, {
    id: `${o.venue}_live`,
    baseDir: path.join(home, 'bots'),
    env,
  });
  const bot: LoadedBot = {
    ...loaded,
    strategy: { stage: 'production', definition: scripted as never, params: {} },
  };
  const dir = path.join(home, 'bots', bot.id);
  const price0 = fake.book.price(fake.pair);
  const warm: Candle[] = [];
  for (let i = 0; i < 3; i++) {
    nextTs += DAY;
    warm.push({ ts: nextTs, open: price0, high: price0, low: price0, close: price0, volume: HOLD });
  }
  const { port } = await livePortOnFake(fake, {
    env,
    ...(o.portTimeoutMs ? { timeoutMs: o.portTimeoutMs } : {}),
  });
  const logging = createLogging({ stdout: false, logDir: path.join(home, 'logs') });
  let feed = new ScriptedFeed(warm);
  const spawn = async (rt: Runtime, f: ScriptedFeed) => {
    await rt.start([]);
    await rt.spawnBot(bot, {
      feed: f as never,
      exchange: () => port,
      ...(o.orderSettle ? { orderSettle: o.orderSettle } : {}),
    });
  };
  const newRuntime = () => createRuntime({ home, logging, http: false });
  const h: Harness = {
    fake,
    port,
    bot,
    home,
    dir,
    get feed() {
      return feed;
    },
    rt: newRuntime(),
    async candle(decision, close, range = {}, timeoutMs = 20_000) {
      nextTs += DAY;
      const ts = nextTs;
      fake.setPrice(close);
      feed.push({
        ts,
        open: close,
        high: Math.max(close, range.high ?? close),
        low: Math.min(close, range.low ?? close),
        close,
        volume: decision,
      });
      return waitFor(
        () => {
          // Done: the candle reached the books and the machine is back waiting (or halted).
          const s = readStateFile(path.join(dir, 'state.json'));
          const m = botView(h).machineState;
          return s && s.last_candle_ts === ts && (m === 'idle' || m === 'halted') ? s : undefined;
        },
        timeoutMs,
        `candle ${ts} processed`,
      );
    },
    state: () => readStateFile(path.join(dir, 'state.json'))!,
    journal: () => readJournal(path.join(dir, 'journal.jsonl')).entries,
    venueHolds() {
      if (o.venue === 'kraken') {
        const p = fake.book.positions.get(fake.pair);
        return p ? (p.side === 'long' ? p.vol : -p.vol) : 0;
      }
      return fake.book.totals.get(fake.pair.split('-')[0]!) ?? 0;
    },
    async stopRuntime() {
      await h.rt.stop();
    },
    async restart(f) {
      feed = f ?? new ScriptedFeed(warm);
      h.rt = newRuntime();
      await spawn(h.rt, feed);
      await waitFor(
        () => (['idle', 'halted', 'failed'].includes(botView(h).machineState) ? true : undefined),
        30_000,
        'the restarted bot reconciled',
      );
    },
    async close() {
      await h.rt.stop().catch(() => undefined);
      await port.close();
      await fake.close();
      if (!process.env['KEEP_HARNESS_HOME']) rmSync(home, { recursive: true, force: true });
      else console.log(`harness home kept: ${home}`);
    },
    tick() {
      nextTs += DAY;
      return nextTs;
    },
  };
  await spawn(h.rt, feed);
  await waitIdle(h);
  return h;
}

/** The bot's machine state, halt and last error as the runtime reports them. */
export function botView(h: Harness): {
  machineState: string;
  halted: string | null;
  lastError: string | null;
} {
  const b = h.rt.snapshot().bots.find((x) => x.name === h.bot.id);
  return {
    machineState: b?.machineState ?? 'unknown',
    halted: b?.session?.halted ?? null,
    lastError: b?.lastError ?? null,
  };
}

function waitIdle(h: Harness): Promise<true> {
  return waitFor(
    () => (botView(h).machineState === 'idle' ? true : undefined),
    20_000,
    'the bot reconciled and idle',
  );
}
