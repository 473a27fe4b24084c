import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../backtest/settings.js';
import { runSweep } from '../backtest/sweep.js';
import { runTask } from '../backtest/sweep-task.js';
import type { CandleColumns } from '../core/index.js';
import { smaCrossover } from '../strategies/production/sma_crossover.js';
import type { StrategyDefinition } from '../strategies/types.js';

// runSweep in-process (as the runtime will call it). The worker file is the built one (`npm test` builds).

const HOUR = 3_600_000;

function walk(n: number): CandleColumns {
  const c: CandleColumns = {
    ts: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  let p = 100;
  let s = 12345;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  for (let i = 0; i < n; i++) {
    const o = p;
    const cl = o * Math.exp((rnd() - 0.5) * 0.02);
    c.ts[i] = i * HOUR;
    c.open[i] = o;
    c.close[i] = cl;
    c.high[i] = Math.max(o, cl) * 1.002;
    c.low[i] = Math.min(o, cl) * 0.998;
    c.volume[i] = 1;
    p = cl;
  }
  return c;
}

const config = resolveSettings({ mode: 'leveraged', stopLoss: 0.05 }).config;
const combos = [5, 10, 15, 20].flatMap((fast) =>
  [30, 60].map((slow) => ({ fast_period: fast, slow_period: slow })),
);

describe('runSweep on a Piscina pool', () => {
  it('workers compute exactly what the engine computes in-process, and the event loop stays responsive', async () => {
    const candles = walk(60_000);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const out = await runSweep({
      strategy: 'sma_crossover',
      combos,
      candles,
      timeframeMs: HOUR,
      config,
      workers: 2,
      start: 1000,
    });
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
    // Loose bound (a shared CI box): the main thread only posts tasks and receives small results.
    expect(h.percentile(99) / 1e6).toBeLessThan(100);
  });

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
