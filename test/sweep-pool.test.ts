import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { lowerThreadPriority } from '../backtest/priority.js';
import { resolveSettings } from '../backtest/settings.js';
import { runSweep } from '../backtest/sweep.js';
import { runTask } from '../backtest/sweep-task.js';
import { randomWalk } from '../bench/random-walk.js';
import type { CandleColumns } from '../core/index.js';
import { smaCrossover } from '../strategies/production/sma_crossover.js';
import type { StrategyDefinition } from '../strategies/types.js';
import { ROOT } from './helpers/cli.js';

// runSweep in-process (as the runtime will call it). The worker file is the built one (`npm test` builds).

const HOUR = 3_600_000;

/** Hourly random-walk candles (seeded: the same on every run). */
const walk = (n: number): CandleColumns => randomWalk(n, 12345);

const config = resolveSettings({ mode: 'leveraged', stopLoss: 0.05 }).config;
const combos = [5, 10, 15, 20].flatMap((fast) =>
  [30, 60].map((slow) => ({ fast_period: fast, slow_period: slow })),
);

/** Nice value of every thread of this process, from /proc (Linux). */
function threadNices(): number[] {
  const nices: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    // Fields after the command name, which may hold spaces: state is field 3, nice field 19.
    nices.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return nices;
}

describe('runSweep on a Piscina pool', () => {
  it('workers compute exactly what the engine computes in-process, and the event loop stays responsive', async () => {
    const candles = walk(60_000);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const request = {
      strategy: 'sma_crossover',
      combos,
      candles,
      timeframeMs: HOUR,
      config,
      workers: 2,
      start: 1000,
    };
    const out = await runSweep(request);
    h.disable();
    expect(out.results).toHaveLength(combos.length);
    expect(out.skipped).toEqual([]);
    const local = runTask(
      {
        strategy: 'sma_crossover',
        config,
        timeframeMs: HOUR,
        start: 1000,
        end: candles.ts.length,
        combos: combos.map((params, index) => ({ index, params })),
      },
      smaCrossover as StrategyDefinition<unknown>,
      candles,
      new Map(),
    );
    for (const r of out.results) {
      const i = combos.findIndex(
        (c) => c.fast_period === r.params['fast_period'] && c.slow_period === r.params['slow_period'],
      );
      const l = local[i]!;
      expect('metrics' in l && l.metrics).toEqual(r.metrics);
    }
    // A column cache too small to keep anything computes the columns again: the same results.
    const tight = await runSweep({ ...request, columnCacheBytes: 0 });
    expect(tight.results).toEqual(out.results);
    // Loose bound (a shared CI box): the main thread only posts tasks and receives small results.
    expect(h.percentile(99) / 1e6).toBeLessThan(100);
  });

  it.runIf(process.platform === 'linux')(
    'workers nice their own threads (default 10), never the caller, so bots get the CPU first',
    async () => {
      const candles = walk(20_000);
      const base = os.getPriority();
      const many = Array.from({ length: 40 }, (_, i) => ({ fast_period: 2 + i, slow_period: 60 }));
      const seen = async (niceIncrement?: number) => {
        let during: number[] = [];
        await runSweep({
          strategy: 'sma_crossover',
          combos: many,
          candles,
          timeframeMs: HOUR,
          config,
          workers: 2,
          ...(niceIncrement !== undefined ? { niceIncrement } : {}),
          onProgress: (done) => {
            if (done > 0 && during.length === 0) during = threadNices();
          },
        });
        return during;
      };
      const byDefault = await seen();
      expect(byDefault.filter((n) => n === Math.min(19, base + 10))).toHaveLength(2);
      expect(os.getPriority()).toBe(base);
      const five = await seen(5);
      expect(five.filter((n) => n === base + 5)).toHaveLength(2);
      const none = await seen(0);
      expect(none.filter((n) => n !== base)).toEqual([]);
      expect(lowerThreadPriority(10, 'darwin')).toBeUndefined();
      await expect(
        runSweep({
          strategy: 'sma_crossover',
          combos,
          candles,
          timeframeMs: HOUR,
          config,
          niceIncrement: 20,
        }),
      ).rejects.toThrow(/niceIncrement must be an integer between 0 and 19/);
    },
  );

  it.runIf(process.platform === 'linux')(
    'a background process (dualbot sweep) nices all its threads, V8 helpers and later workers included',
    () => {
      // In a child: this test process is shared with other tests and must keep its priority.
      const script = `
        import { lowerProcessPriority } from './dist/backtest/priority.js';
        import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
        import { Worker } from 'node:worker_threads';
        const nices = () => readdirSync('/proc/self/task').map((t) => {
          const s = readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
          return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]);
        });
        const before = nices();
        const now = lowerProcessPriority(7);
        const w = new Worker('setTimeout(() => {}, 200)', { eval: true });
        await new Promise((r) => w.once('online', r));
        console.log(JSON.stringify({ before, now, after: nices() }));
        await w.terminate();`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const { before, now, after } = JSON.parse(r.stdout) as {
        before: number[];
        now: number;
        after: number[];
      };
      const base = Math.min(...before);
      expect(now).toBe(base + 7);
      expect(after.length).toBeGreaterThan(before.length); // the worker's thread
      expect(after.filter((n) => n !== base + 7)).toEqual([]);
    },
  );

  it('aborting cancels pending tasks and rejects promptly', async () => {
    const candles = walk(30_000);
    const many = Array.from({ length: 200 }, (_, i) => ({ fast_period: 2 + (i % 40), slow_period: 50 + i }));
    const ac = new AbortController();
    const t0 = performance.now();
    let progress = 0;
    const p = runSweep({
      strategy: 'sma_crossover',
      combos: many,
      candles,
      timeframeMs: HOUR,
      config,
      workers: 2,
      signal: ac.signal,
      onProgress: (done) => {
        progress = done;
        if (done >= 2) ac.abort(new Error('stop'));
      },
    });
    await expect(p).rejects.toThrow('stop');
    expect(progress).toBeLessThan(many.length);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
