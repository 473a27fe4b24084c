/**
 * Performance figures of the backtester, printed as ratios measured in one run (`npm run bench`). Nothing is
 * asserted: each figure is printed with its goal and whether this machine met it.
 *
 * 1. Engine throughput: `runBacktest` on sma_crossover 20/50 (batch indicators + the strategy's window rule
 *    per bar + the core's broker step per bar + the equity curve's totals) against a hand-written single-threaded Float64Array loop doing the same work
 *    (two running-sum SMAs, crossover, long/flat fills at the next open with slippage and fees, equity
 *    marked at every close). Goal: engine time within 1.5x of the loop.
 * 2. Sweep speed-up with 2 workers over 1 (goal >= 1.8x), on the grid of the example (174 valid
 *    combinations of sma_crossover), start-up included: that is what a caller waits for.
 * 3. Main-thread event-loop delay p99 while a sweep runs on every core (goal < 10 ms).
 *
 * Data: a deterministic random walk of hourly candles (seeded PRNG), large enough for stable timings.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runBacktest } from '../backtest/engine.js';
import { resolveSettings } from '../backtest/settings.js';
import { defaultWorkers, runSweep } from '../backtest/sweep.js';
import { type CandleColumns, createSimContext, createSimState, runSeries } from '../core/index.js';
import { type IndicatorCache, indicatorColumns, runStrategyBatch } from '../core/signal/index.js';
import { smaCrossover } from '../strategies/production/sma_crossover.js';
import { randomWalk } from './random-walk.js';

const HOUR = 3_600_000;
const BARS = Number(process.env['BENCH_BARS'] ?? 1_000_000);

/**
 * The hand-written reference: the same strategy and fills as the engine run below, with nothing but
 * Float64Arrays and scalars. Returns the final equity so the two can be checked against each other.
 */
function handLoop(
  c: CandleColumns,
  fast: number,
  slow: number,
  feeBps: number,
  slipBps: number,
  cash0: number,
): number {
  const n = c.close.length;
  const close = c.close;
  const open = c.open;
  const f = new Float64Array(n);
  const s = new Float64Array(n);
  let sf = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    sf += close[i]!;
    ss += close[i]!;
    if (i >= fast) sf -= close[i - fast]!;
    if (i >= slow) ss -= close[i - slow]!;
    f[i] = i >= fast - 1 ? sf / fast : Number.NaN;
    s[i] = i >= slow - 1 ? ss / slow : Number.NaN;
  }
  const fee = feeBps / 10_000;
  const slip = slipBps / 10_000;
  const equity = new Float64Array(n);
  let cash = cash0;
  let qty = 0;
  let entry = 0;
  let want = 0; // 1 long, 0 flat: the target decided at the previous close
  let acted = 0;
  for (let i = 0; i < n; i++) {
    if (want !== acted) {
      acted = want;
      if (want === 1 && qty === 0) {
        const px = open[i]! * (1 + slip);
        qty = cash / (px * (1 + fee));
        entry = px;
        cash -= qty * px * fee;
      } else if (want === 0 && qty > 0) {
        const px = open[i]! * (1 - slip);
        cash += qty * (px - entry) - qty * px * fee;
        qty = 0;
      }
    }
    equity[i] = cash + qty * (close[i]! - entry);
    if (i > 0) {
      const f0 = f[i]!;
      const s0 = s[i]!;
      const f1 = f[i - 1]!;
      const s1 = s[i - 1]!;
      if (f1 <= s1 && f0 > s0) want = 1;
      else if (f1 >= s1 && f0 < s0) want = 0;
    }
  }
  return equity[n - 1]!;
}

/**
 * Times `a` and `b` in alternating blocks and returns the fastest run of each: on a shared machine
 * interference only ever adds time, so the minimum is the best estimate of the work itself, and alternating
 * exposes both to the same conditions.
 */
async function fastestOf(
  reps: number,
  a: () => unknown,
  b: () => unknown,
  block = 3,
): Promise<[number, number]> {
  let ta = Number.POSITIVE_INFINITY;
  let tb = Number.POSITIVE_INFINITY;
  // In blocks (a few runs of one, then of the other) rather than one by one: each side allocates tens of
  // megabytes of columns per run, and a run right after the other side pays for its garbage (the engine
  // measured 34 ms in a block of its own and 44 ms when alternating with the hand loop).
  for (let r = 0; r < reps; r += block) {
    for (let k = 0; k < block; k++) {
      const t0 = performance.now();
      await a();
      ta = Math.min(ta, performance.now() - t0);
    }
    for (let k = 0; k < block; k++) {
      const t0 = performance.now();
      await b();
      tb = Math.min(tb, performance.now() - t0);
    }
  }
  return [ta, tb];
}

const verdict = (ok: boolean) => (ok ? 'goal met' : 'goal NOT met');

async function main(): Promise<void> {
  const candles = randomWalk(BARS, 42);
  const settings = resolveSettings({ mode: 'long_only' });
  const { takerFeeBps, slippageBps } = settings.config.fill;
  const load = () => os.loadavg()[0]!.toFixed(2);
  console.log(
    `bench data: ${BARS.toLocaleString('en')} hourly random-walk candles (seed 42); ${defaultWorkers()} CPUs, load average ${load()}`,
  );

  // 1. Engine vs hand loop (the first round also warms the JIT up).
  let engineEquity = 0;
  let loopEquity = 0;
  const [engineMs, loopMs] = await fastestOf(
    15,
    () => {
      const run = runBacktest({
        strategy: smaCrossover,
        params: { fast_period: 20, slow_period: 50 },
        candles,
        timeframeMs: HOUR,
        config: settings.config,
      });
      engineEquity = run.equity[run.equity.length - 1]!;
    },
    () => {
      loopEquity = handLoop(candles, 20, 50, takerFeeBps, slippageBps, settings.config.startingCash);
    },
  );
  // Where the engine's time goes: indicators, the strategy runner (its window rule per bar on cached indicators)
  // and the core's broker loop (runSeries on the same decisions), each timed alone.
  const params = { fast_period: 20, slow_period: 50 };
  const cache: IndicatorCache = new Map();
  let codes: Int8Array = new Int8Array(0);
  const [indicatorMs, decideMs] = await fastestOf(
    7,
    () => indicatorColumns(smaCrossover.indicators(params), candles),
    () => {
      codes = runStrategyBatch(smaCrossover, params, candles, { allowShort: false, cache });
    },
  );
  // The same backtest in `detail: 'metrics'` (what a sweep runs: no fill, trade or curve kept).
  const [leanMs] = await fastestOf(
    7,
    () =>
      runBacktest({
        strategy: smaCrossover,
        params,
        candles,
        timeframeMs: HOUR,
        config: settings.config,
        detail: 'metrics',
      }),
    () => undefined,
  );
  const ctx = createSimContext({ ...settings.config, barMs: HOUR });
  const [brokerMs] = await fastestOf(
    7,
    () =>
      runSeries(candles, codes, 0, BARS, createSimState(settings.config.startingCash), ctx, {
        equity: new Float64Array(BARS),
        fills: [],
        events: [],
      }),
    () => undefined,
  );
  const ratio = engineMs / loopMs;
  const agree = Math.abs(engineEquity / loopEquity - 1);
  console.log(
    `backtest throughput: engine ${(((BARS / engineMs) * 1000) / 1e6).toFixed(2)} M bars/s (${engineMs.toFixed(1)} ms), ` +
      `hand loop ${(((BARS / loopMs) * 1000) / 1e6).toFixed(2)} M bars/s (${loopMs.toFixed(1)} ms); ` +
      `ratio ${ratio.toFixed(2)}x (goal <= 1.5x: ${verdict(ratio <= 1.5)}); final equity agrees to ${agree.toExponential(1)}`,
  );
  console.log(
    `  engine breakdown: indicators ${indicatorMs.toFixed(1)} ms, strategy (its window rule, per bar) ${decideMs.toFixed(1)} ms, ` +
      `core broker loop (runSeries) ${brokerMs.toFixed(1)} ms; the whole run with detail 'metrics' (as a sweep runs it) ` +
      `${leanMs.toFixed(1)} ms, ${(leanMs / loopMs).toFixed(2)}x the hand loop`,
  );

  // 2. Sweep speed-up, 2 workers vs 1 (pool start-up included: that is what a caller waits for).
  // The grid of the example (`--grid fast=5..50:5 --grid slow=20..200:10`); fast >= slow is skipped.
  const combos: Record<string, number>[] = [];
  for (let fast = 5; fast <= 50; fast += 5)
    for (let slow = 20; slow <= 200; slow += 10) combos.push({ fast_period: fast, slow_period: slow });
  // Time from the call to the first finished task: pool start-up, the workers' imports and a cold first task.
  const firstResult: Record<number, number> = {};
  // Combinations per second once started: from the quarter mark to the last result, past pool start-up and
  // the workers' JIT warm-up (the best run of each worker count). It separates how well the workers scale
  // from the fixed cost of starting them, which a 1M-bar sweep of a few seconds pays in full.
  const steadyRate: Record<number, number> = {};
  const sweep = (workers: number) => {
    const t0 = performance.now();
    let first = 0;
    const at: number[] = [];
    return runSweep({
      strategy: 'sma_crossover',
      combos,
      candles,
      timeframeMs: HOUR,
      config: settings.config,
      workers,
      onProgress: (done) => {
        const t = performance.now() - t0;
        if (first === 0) first = t;
        at[done] = t;
      },
    }).then((r) => {
      firstResult[workers] = Math.min(firstResult[workers] ?? Number.POSITIVE_INFINITY, first);
      const total = at.length - 1;
      const quarter = Math.ceil(total / 4);
      const rate = ((total - quarter) / (at[total]! - at[quarter]!)) * 1000;
      steadyRate[workers] = Math.max(steadyRate[workers] ?? 0, rate);
      return r;
    });
  };
  let one: Awaited<ReturnType<typeof sweep>> | undefined;
  let two: Awaited<ReturnType<typeof sweep>> | undefined;
  // CPU time over wall time shows how many CPUs the process actually got (other load on the machine shows here).
  let cpus1 = 0;
  let cpus2 = 0;
  const [ms1, ms2] = await fastestOf(
    3,
    async () => {
      const t0 = performance.now();
      const u0 = process.cpuUsage();
      one = await sweep(1);
      const u = process.cpuUsage(u0);
      cpus1 = Math.max(cpus1, (u.user + u.system) / 1000 / (performance.now() - t0));
    },
    async () => {
      const t0 = performance.now();
      const u0 = process.cpuUsage();
      two = await sweep(2);
      const u = process.cpuUsage(u0);
      cpus2 = Math.max(cpus2, (u.user + u.system) / 1000 / (performance.now() - t0));
    },
    1,
  );
  const same = JSON.stringify(one?.results) === JSON.stringify(two?.results);
  const speedup = ms1 / ms2;
  console.log(
    `sweep speed-up: ${one?.results.length} combinations x ${BARS.toLocaleString('en')} bars, 1 worker ${(ms1 / 1000).toFixed(2)} s, ` +
      `2 workers ${(ms2 / 1000).toFixed(2)} s; speed-up ${speedup.toFixed(2)}x (goal >= 1.8x: ${verdict(speedup >= 1.8)}); ` +
      `results identical: ${same}; CPUs used (process CPU time / wall time): ${cpus1.toFixed(2)} with 1 worker ` +
      `(GC and JIT threads run beside it), ${cpus2.toFixed(2)} with 2; first result after ` +
      `${firstResult[1]?.toFixed(0)} ms with 1 worker, ${firstResult[2]?.toFixed(0)} ms with 2 (start-up)`,
  );
  const r1 = steadyRate[1] ?? Number.NaN;
  const r2 = steadyRate[2] ?? Number.NaN;
  console.log(
    `  after start-up (from the quarter mark on): 1 worker ${r1.toFixed(1)} combinations/s, 2 workers ${r2.toFixed(1)}/s, ` +
      `${(r2 / r1).toFixed(2)}x; the rest of the gap to the whole-sweep speed-up is the fixed cost of starting and ` +
      `warming up each worker (the goal is judged on the whole sweep)`,
  );

  // 3. Event-loop delay of the main thread while a sweep keeps every core busy.
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sweep(defaultWorkers());
  h.disable();
  const p99 = h.percentile(99) / 1e6;
  console.log(
    `event-loop delay during a ${defaultWorkers()}-worker sweep: p99 ${p99.toFixed(2)} ms, max ${(h.max / 1e6).toFixed(2)} ms ` +
      `(goal p99 < 10 ms: ${verdict(p99 < 10)})`,
  );
  console.log(`load average at the end: ${load()} (figures from a busy machine are pessimistic)`);
}

await main();
