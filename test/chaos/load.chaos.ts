/**
 * Load: while a 1,000-combination sweep runs on worker threads (a `dualbot sweep` child process using both
 * cores), the runtime with two bots keeps its promises: both bots keep cycling (their cycle counters keep
 * rising, no stale alert), the runtime's event loop stays responsive, and its memory stays small.
 *
 * The event-loop figure comes from the runtime's own /metrics (`nodejs_eventloop_lag_p99_seconds`, prom-client
 * over `monitorEventLoopDelay` with a 10 ms resolution). Node's histogram records the time between two
 * ticks of that 10 ms timer, so an idle loop already reads about 10-12 ms; the delay the loop adds is the
 * reading minus the 10 ms interval, and that is what the < 10 ms budget is about. Both are printed.
 * prom-client resets the histogram at each scrape, so /metrics is read only at the start and end of a window.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIN, ROOT, runBuilt, tempDir } from '../helpers/cli.js';
import { type Running, setReplaySpeed, startRuntime } from '../helpers/runtime.js';
import { recordFigures, sleep } from './support.js';

const RESOLUTION_S = 0.01;
const BOTS = ['coinbase', 'kraken'] as const;

/** One read of the runtime's /metrics (which also resets its event-loop histogram). */
interface Scrape {
  at: number;
  p99: number;
  rss: number;
  cycles: Record<string, number>;
}

async function scrape(url: string): Promise<Scrape> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
  const cycles: Record<string, number> = {};
  for (const b of BOTS) cycles[b] = num(new RegExp(`dualbot_cycles_total\\{bot="${b}"\\} (\\d+)`));
  return {
    at: Date.now(),
    p99: num(/^nodejs_eventloop_lag_p99_seconds ([\d.e+-]+)/m),
    rss: num(/^process_resident_memory_bytes (\d+)/m),
    cycles,
  };
}

describe('chaos: load', () => {
  const home = tempDir('dualbot-chaos-load-');
  let rt: Running | undefined;
  afterAll(async () => {
    if (rt && rt.child.exitCode === null) {
      rt.child.kill('SIGKILL');
      await rt.exited;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('a 1,000-combination sweep beside the runtime: bots on time, loop delay p99 < 10 ms, RSS < 150 MB', async () => {
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
    // 4 day candles a second per bot: a cycle deadline of 1 s (stale alert after 6 s).
    for (const b of BOTS) setReplaySpeed(home, b, 345_600);
    rt = await startRuntime(home);
    const url = rt.url;
    await sleep(3000); // start-up (warm-up, first writes) is not what is measured
    // A quiet window first: the same reading without the sweep, to tell the sweep's cost from the box's.
    // Only /metrics resets the histogram, so it is read once at the start and once at the end of a window.
    await scrape(url);
    await sleep(6000);
    const quiet = await scrape(url);
    const loadBefore = os.loadavg()[0]!;
    const baseline = await scrape(url);

    // 50 fast x 20 slow periods = 1,000 valid combinations (fast < slow always).
    const args = [MAIN, 'sweep', '--strategy', 'sma_crossover', '--data', 'data/binance_BTC-USDT_1d.csv'];
    args.push(
      '--grid',
      'fast_period=5..54:1',
      '--grid',
      'slow_period=60..250:10',
      '--workers',
      '2',
      '--json',
    );
    const alerts = new Set<string>();
    const sweeps: { ms: number; combos: number }[] = [];
    // Longest time a bot went without a new cycle, as /health reports it.
    let worstGapMs = 0;
    const t0 = Date.now();
    // One sweep takes under a second on two cores: repeated until the load has lasted 20 s.
    while (sweeps.length === 0 || Date.now() - t0 < 20_000) {
      const s0 = Date.now();
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const done = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      let finished = false;
      void done.then(() => {
        finished = true;
      });
      while (!finished) {
        await sleep(250);
        const h = (await (await fetch(`${url}/health`)).json()) as {
          alerts: string[];
          bots: { last_cycle_at: string | null }[];
        };
        for (const a of h.alerts) alerts.add(a);
        for (const b of h.bots)
          worstGapMs = Math.max(worstGapMs, Date.now() - Date.parse(b.last_cycle_at ?? ''));
      }
      expect(await done, err.slice(-2000)).toBe(0);
      const combos = (JSON.parse(out) as unknown[]).length;
      expect(combos).toBe(1000);
      sweeps.push({ ms: Date.now() - s0, combos });
    }
    const last = await scrape(url);
    const p99 = last.p99;
    const maxRss = Math.max(quiet.rss, baseline.rss, last.rss);
    const gained = Object.fromEntries(BOTS.map((b) => [b, last.cycles[b]! - baseline.cycles[b]!]));
    const seconds = (last.at - baseline.at) / 1000;
    const loadAfter = os.loadavg()[0]!;
    recordFigures('5 load', [
      {
        figure: 'machine load average (1 min) before / after the sweeps',
        value: `${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)} on ${os.cpus().length} CPUs`,
      },
      {
        figure: 'event-loop p99, raw reading, 6 s without a sweep',
        value: `${(quiet.p99 * 1000).toFixed(2)} ms`,
      },
      {
        figure: 'sweeps run beside the runtime',
        value: `${sweeps.length} x 1,000 combinations (2 workers), ${(Math.min(...sweeps.map((x) => x.ms)) / 1000).toFixed(1)}-${(Math.max(...sweeps.map((x) => x.ms)) / 1000).toFixed(1)} s each`,
      },
      ...BOTS.map((b) => ({
        figure: `${b}: cycles during the load`,
        value: `${gained[b]} in ${seconds.toFixed(1)} s (${(gained[b]! / seconds).toFixed(1)}/s; replay plays 4/s)`,
      })),
      {
        figure: 'longest time without a new cycle (either bot)',
        value: `${worstGapMs} ms`,
        threshold: '< 6000 ms (stale)',
      },
      {
        figure: 'stale/down alerts during the load',
        value: alerts.size ? [...alerts].join('; ') : 'none',
        threshold: 'none',
      },
      { figure: 'event-loop p99, raw reading, over the sweeps', value: `${(p99 * 1000).toFixed(2)} ms` },
      {
        figure: 'event-loop delay p99 beyond the 10 ms sampling interval, over the sweeps',
        value: `${((p99 - RESOLUTION_S) * 1000).toFixed(2)} ms`,
        threshold: '< 10 ms',
      },
      {
        figure: 'runtime RSS, two bots (max)',
        value: `${(maxRss / 2 ** 20).toFixed(1)} MiB`,
        threshold: '< 150 MB',
      },
    ]);
    for (const b of BOTS) expect(gained[b], `${b} cycles during the sweep`).toBeGreaterThan(seconds);
    expect([...alerts], 'alerts during the sweep').toEqual([]);
    expect(worstGapMs).toBeLessThan(6000);
    expect(p99 - RESOLUTION_S, 'event-loop delay p99 (s)').toBeLessThan(0.01);
    expect(maxRss).toBeLessThan(150e6);
    rt.child.kill('SIGTERM');
    expect(await rt.exited).toBe(0);
  });
});
