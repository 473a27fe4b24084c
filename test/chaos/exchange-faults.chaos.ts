/**
 * Exchange faults: both bots run many accelerated cycles in one runtime against the paper exchange behind a
 * wrapper that makes about 20% of calls fail, the way a real venue does: 5xx and 429 on reads, orders whose
 * answer is lost after the venue accepted them, orders that time out before the venue saw them, and
 * partial fills. Reads go through the same `withRetry` the live adapters use (faults below it, as on the
 * wire). Afterwards the books must agree: the exchange accepted no client order id twice, and the journal's
 * fills, state.json and the paper account hold the same position.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fillModelFor, marginTermsFor } from '../../actors/bot/create-bot.js';
import { ExchangeError } from '../../actors/exchanges/errors.js';
import { PaperExchange } from '../../actors/exchanges/paper.js';
import type { ExchangePort, OrderRequest, OrderState } from '../../actors/exchanges/port.js';
import { withRetry } from '../../actors/exchanges/retry.js';
import type { CandleFeed } from '../../actors/market/feed.js';
import { readJournal } from '../../actors/persistence/journal.js';
import { readStateFile } from '../../actors/persistence/state-file.js';
import { loadCandlesFile, parseTimeframe } from '../../backtest/data/index.js';
import type { Candle } from '../../core/candles.js';
import {
  createLogging,
  createRuntime,
  type LoadedBot,
  loadHome,
  ReplayFeed,
  type Runtime,
} from '../../index.js';
import { runBuilt } from '../helpers/cli.js';
import { recordFigures, seeded, sleep, steps } from './support.js';

const CYCLES = Number(process.env['CHAOS_CYCLES'] ?? 10_000);
const FAULT_RATE = 0.2;
const SEED = Number(process.env['CHAOS_SEED'] ?? 20_261_125);

type FaultKind =
  | 'read-5xx'
  | 'read-429'
  | 'order-not-accepted'
  | 'order-lost-response'
  | 'order-5xx'
  | 'partial-fill';

/** The paper exchange with faults injected "on the wire", and reads retried above them like the live adapters. */
class FaultyExchange implements ExchangePort {
  readonly id = 'paper';
  readonly live = false;
  readonly faults: Record<FaultKind, number> = {
    'read-5xx': 0,
    'read-429': 0,
    'order-not-accepted': 0,
    'order-lost-response': 0,
    'order-5xx': 0,
    'partial-fill': 0,
  };
  calls = 0;
  /** How many times the venue accepted (booked) each client order id: must never exceed 1. */
  readonly accepted = new Map<string, number>();
  /** How many times the bot sent each client order id (a resend is safe, but worth knowing about). */
  readonly sent = new Map<string, number>();

  constructor(
    readonly paper: PaperExchange,
    private readonly rnd: () => number,
  ) {}

  private wire<T>(fn: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.rnd() < FAULT_RATE) {
      const rateLimited = this.rnd() < 0.5;
      this.faults[rateLimited ? 'read-429' : 'read-5xx']++;
      return Promise.reject(
        new ExchangeError(
          rateLimited ? 'EXCHANGE_RATE_LIMIT' : 'EXCHANGE_DOWN',
          rateLimited ? 'injected 429' : 'injected 503',
        ),
      );
    }
    return fn();
  }

  /** Reads: three immediate retries of retryable errors, as `DEFAULT_RETRY` does (without the waiting). */
  private read<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(() => this.wire(fn), {
      retries: 3,
      baseMs: 0,
      maxMs: 0,
      sleep: async () => {},
      random: this.rnd,
    });
  }

  market(pair: string) {
    return this.read(() => this.paper.market(pair));
  }
  fetchTicker(pair: string) {
    return this.read(() => this.paper.fetchTicker(pair));
  }
  fetchBalances() {
    return this.read(() => this.paper.fetchBalances());
  }
  fetchPositions(pair: string) {
    return this.read(() => this.paper.fetchPositions(pair));
  }
  fetchOrder(pair: string, id: string) {
    return this.read(() => this.paper.fetchOrder(pair, id));
  }
  fetchOrderByClientId(pair: string, id: string) {
    return this.read(() => this.paper.fetchOrderByClientId(pair, id));
  }
  cancelOrder(pair: string, id: string) {
    return this.read(() => this.paper.cancelOrder(pair, id));
  }
  fetchOpenOrders(pair: string) {
    return this.read(() => (this.paper as ExchangePort).fetchOpenOrders(pair));
  }
  fetchFreeCollateral(pair: string) {
    return this.read(() => this.paper.fetchFreeCollateral(pair));
  }
  fetchMyTrades(pair: string, since: number) {
    return this.read(() => this.paper.fetchMyTrades(pair, since));
  }
  async close() {}

  private async submit(req: OrderRequest): Promise<OrderState> {
    const known = await this.paper.fetchOrderByClientId(req.pair, req.clientOrderId);
    const order = await this.paper.placeOrder(req);
    if (!known) this.accepted.set(req.clientOrderId, (this.accepted.get(req.clientOrderId) ?? 0) + 1);
    return order;
  }

  async placeOrder(req: OrderRequest): Promise<OrderState> {
    this.calls++;
    this.sent.set(req.clientOrderId, (this.sent.get(req.clientOrderId) ?? 0) + 1);
    const r = this.rnd();
    const slice = FAULT_RATE / 4;
    if (r < slice) {
      this.faults['order-not-accepted']++;
      throw new ExchangeError('EXCHANGE_UNKNOWN_OUTCOME', 'injected timeout before the venue saw the order');
    }
    if (r < 2 * slice) {
      this.faults['order-5xx']++;
      throw new ExchangeError('EXCHANGE_DOWN', 'injected 503 on placement (nothing was sent)');
    }
    if (r < 3 * slice) {
      await this.submit(req);
      this.faults['order-lost-response']++;
      throw new ExchangeError(
        'EXCHANGE_UNKNOWN_OUTCOME',
        'injected timeout after the venue accepted the order',
      );
    }
    if (r < 4 * slice) {
      // An IOC-like partial fill: half is filled, the rest cancelled.
      const half = Math.floor((req.amount / 2) * 1e8) / 1e8;
      if (half >= 1e-8) {
        this.faults['partial-fill']++;
        const o = await this.submit({ ...req, amount: half });
        return { ...o, amount: req.amount, status: 'canceled' };
      }
    }
    return this.submit(req);
  }
}

/** The replay, counted and stopped after `limit` candles (the bot then waits in idle, as with no new candle). */
class CountedFeed implements CandleFeed {
  delivered = 0;
  constructor(
    private readonly inner: ReplayFeed,
    private readonly limit: number,
    private readonly onCandle: (c: Candle) => void,
  ) {}
  history(upToTs: number | null) {
    return this.inner.history(upToTs);
  }
  async next(afterTs: number | null, signal: AbortSignal) {
    if (this.delivered >= this.limit) {
      return new Promise<null>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason ?? new Error('aborted')), { once: true }),
      );
    }
    const c = await this.inner.next(afterTs, signal);
    if (c) {
      this.delivered++;
      this.onCandle(c);
    }
    return c;
  }
  nextOpen() {
    return this.inner.nextOpen();
  }
  /** The feed outlives a restarted bot: closing it is the test's business. */
  close() {}
}

describe('chaos: exchange faults', () => {
  const home = mkdtempSync(path.join('/dev/shm', 'dualbot-chaos-faults-'));
  let rt: Runtime | undefined;
  afterAll(async () => {
    await rt?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it(`${CYCLES} cycles per bot with ~${FAULT_RATE * 100}% of exchange calls failing: books agree, both bots healthy`, async () => {
    console.log(`[chaos] exchange faults: seed ${SEED}, ${CYCLES} cycles per bot, fault rate ${FAULT_RATE}`);
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
    const loaded = await loadHome(home);
    rt = createRuntime({
      home,
      logging: createLogging({ stdout: false, logDir: path.join(home, 'logs') }),
      http: false,
      // Any failure must come back quickly, and often enough to notice; the assertions catch real ones.
      restartPolicy: { baseMs: 10, maxMs: 100, budget: 1000, windowMs: 60_000 },
    });
    await rt.start([]);
    const rnd = seeded(SEED);
    const setups = new Map<string, { ex: FaultyExchange; feed: CountedFeed; bot: LoadedBot }>();
    for (const bot of loaded.bots) {
      const c = bot.config;
      const tf = parseTimeframe(c.timeframe);
      const candles = (await loadCandlesFile(bot.replayFile!)).candles;
      // Fast as the timers allow: one candle per timer tick.
      const replay = new ReplayFeed({ candles, timeframeMs: tf, speed: 1e12, warmupBars: 200, loop: true });
      let lastTs = 0;
      const paper = new PaperExchange({
        pair: c.trading.pair,
        mode: c.mode,
        maxLeverage: c.trading.leverage,
        startingBalance: c.paper.starting_balance,
        fill: fillModelFor(bot),
        margin: marginTermsFor(bot),
        referencePrice: () => replay.nextOpen(),
        now: () => lastTs + tf,
      });
      // Candles pass over the venue's account (rollover, liquidation), as createBot does for an unwrapped
      // paper exchange.
      const feed = new CountedFeed(replay, CYCLES, (candle) => {
        lastTs = candle.ts;
        paper.onCandle(candle, tf);
      });
      const ex = new FaultyExchange(paper, seeded(Math.floor(rnd() * 2 ** 32)));
      setups.set(bot.id, { ex, feed, bot });
      // The same exchange and feed across restarts: the venue does not forget orders when the bot restarts.
      await rt.spawnBot(bot, { feed, exchange: () => ex });
    }
    const r = rt;
    const started = Date.now();
    const resumes: Record<string, number> = {};
    const unexpectedHalts: string[] = [];
    const view = (id: string) => r.snapshot().bots.find((b) => b.name === id)!;
    // A person would resume a drawdown or funds halt; anything else (a disagreement) is a finding.
    const tend = () => {
      for (const id of setups.keys()) {
        const b = view(id);
        if (b.machineState !== 'halted') continue;
        const why = b.session?.halted ?? b.lastError ?? '';
        if (/drawdown|insufficient funds|reconciliation error: injected/.test(why)) {
          resumes[id] = (resumes[id] ?? 0) + 1;
          r.resumeBot(id);
        } else if (!unexpectedHalts.includes(`${id}: ${why}`)) unexpectedHalts.push(`${id}: ${why}`);
      }
    };
    const deadline = Date.now() + 300_000;
    while ([...setups.values()].some((s) => s.feed.delivered < CYCLES)) {
      tend();
      if (unexpectedHalts.length) break;
      if (Date.now() > deadline) throw new Error('the bots did not finish their cycles in 5 minutes');
      await sleep(20);
    }
    // Quiescence: both machines back in idle (waiting for a candle that will not come) or halted.
    let calm = 0;
    while (calm < 10 && !unexpectedHalts.length) {
      tend();
      const states = [...setups.keys()].map((id) => view(id).machineState);
      calm = states.every((s) => s === 'idle' || s === 'halted') ? calm + 1 : 0;
      await sleep(20);
    }
    const elapsed = (Date.now() - started) / 1000;
    expect(unexpectedHalts, 'halts other than drawdown/funds/exhausted retries').toEqual([]);
    for (const id of setups.keys()) {
      const b = view(id);
      expect(b.status, `${id} supervised status`).toBe('running');
      expect(['idle', 'halted'], `${id} machine state`).toContain(b.machineState);
    }
    const snapshotViews = [...setups.keys()].map((id) => view(id));
    await r.stop();
    rt = undefined;

    const figures = [];
    for (const [id, { ex, feed }] of setups) {
      const dir = path.join(home, 'bots', id);
      const state = readStateFile(path.join(dir, 'state.json'))!;
      const fills = readJournal(path.join(dir, 'journal.jsonl')).entries.filter((e) => e.type === 'fill');
      const ids = fills.map((f) => f.client_order_id);
      expect(new Set(ids).size, `${id}: a client order id booked twice`).toBe(ids.length);
      const twice = [...ex.accepted].filter(([, n]) => n > 1);
      expect(twice, `${id}: client order ids the exchange accepted twice`).toEqual([]);
      // Every order the venue accepted was booked by the bot (nothing forgotten), and nothing else was.
      expect(new Set(ids), `${id}: journal fills vs orders the exchange accepted`).toEqual(
        new Set(ex.accepted.keys()),
      );
      const journalQty = fills.reduce((q, f) => q + steps(f.side, f.qty), 0);
      const ours = steps(state.account.position.side, state.account.position.qty);
      const theirs = steps(ex.paper.account.position.side, ex.paper.account.position.qty);
      // Positions in 1e-8 steps: the bot, the venue and the sum of the journal's fills agree exactly. (A venue
      // that rounded large amounts up once left the journal up to 31 steps off; a "dust" allowance hid it.)
      expect(ours, `${id}: state vs exchange`).toBe(theirs);
      expect(journalQty, `${id}: state vs journal`).toBe(ours);
      expect(state.pending_order).toBeNull();
      const injected = Object.values(ex.faults).reduce((a, b) => a + b, 0);
      const resent = [...ex.sent.values()].filter((n) => n > 1).length;
      const v = snapshotViews.find((x) => x.name === id)!;
      figures.push(
        { figure: `${id}: cycles`, value: String(feed.delivered), threshold: `>= ${CYCLES}` },
        { figure: `${id}: exchange calls`, value: String(ex.calls) },
        {
          figure: `${id}: faults injected`,
          value: `${injected} (${((100 * injected) / ex.calls).toFixed(1)}% of calls; ${Object.entries(
            ex.faults,
          )
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')})`,
        },
        {
          figure: `${id}: orders accepted / fills journaled`,
          value: `${ex.accepted.size} / ${fills.length}`,
        },
        { figure: `${id}: client ids accepted twice`, value: '0', threshold: '0' },
        { figure: `${id}: client ids sent more than once`, value: String(resent) },
        {
          figure: `${id}: halts resumed (drawdown, funds, retries exhausted)`,
          value: String(resumes[id] ?? 0),
        },
        { figure: `${id}: supervisor restarts`, value: String(v.restarts) },
        {
          figure: `${id}: position state / journal / exchange (1e-8 steps)`,
          value: `${ours} / ${journalQty} / ${theirs}`,
        },
      );
    }
    figures.push({ figure: 'wall time', value: `${elapsed.toFixed(1)} s` });
    recordFigures('1 exchange faults', figures);
  });
});
