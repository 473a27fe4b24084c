import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN, ROOT, runBuilt, tempDir } from './helpers/cli.js';

/** Writes a deterministic random-walk candle CSV (hourly) with `n` rows; returns the path. */
function writeRandomWalkCsv(file: string, n: number, seed = 7): string {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lines = ['timestamp,open,high,low,close,volume'];
  let price = 100;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open * Math.exp((rnd() - 0.5) * 0.02);
    const high = Math.max(open, close) * (1 + rnd() * 0.005);
    const low = Math.min(open, close) * (1 - rnd() * 0.005);
    lines.push(
      `${1_600_000_000_000 + i * 3_600_000},${open.toFixed(6)},${high.toFixed(6)},${low.toFixed(6)},${close.toFixed(6)},1`,
    );
    price = close;
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const BTC = 'data/binance_BTC-USDT_1d.csv';
const GRID = ['--grid', 'fast_period=5..30:5', '--grid', 'slow_period=20..60:10'];
/** The start every sweep below shares: sma_crossover over the bundled BTC candles. */
const SWEEP_BTC = ['sweep', '--strategy', 'sma_crossover', '--data', BTC];

describe('dualbot sweep (built program)', () => {
  it('gives identical results whatever the worker count, best return first, invalid combinations skipped', () => {
    const one = runBuilt([...SWEEP_BTC, ...GRID, '--workers', '1', '--json']);
    const two = runBuilt([...SWEEP_BTC, ...GRID, '--workers', '2', '--json']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const rows = JSON.parse(one.stdout) as {
      params: { fast_period: number; slow_period: number };
      return_pct: number;
    }[];
    // 6 x 5 = 30 combinations; fast >= slow is invalid for 20/20, 25/20, 30/20, 30/30.
    expect(rows).toHaveLength(26);
    expect(one.stderr).toMatch(/30 combinations: 26 run, 4 skipped \(invalid params\), 0 failed; 1 workers/);
    for (let i = 1; i < rows.length; i++)
      expect(rows[i - 1]!.return_pct).toBeGreaterThanOrEqual(rows[i]!.return_pct);
    // Each element is a full backtest record, equal to a single backtest of those params.
    const best = rows[0]!;
    const single = runBuilt([
      'backtest',
      '--strategy',
      'sma_crossover',
      '--data',
      BTC,
      '--param',
      `fast_period=${best.params.fast_period}`,
      '--param',
      `slow_period=${best.params.slow_period}`,
      '--json',
    ]);
    expect(JSON.parse(single.stdout)).toEqual(best);
  });

  it('prints a table, accepts backtest options, and refuses a grid with no valid combination (exit 78)', () => {
    const r = runBuilt([...SWEEP_BTC, ...GRID, '--mode', 'leveraged', '--top', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^\s*\d+\s+\{/.test(l))).toHaveLength(3);
    // The example, short names and all: 10 x 19 combinations, the 16 with fast >= slow skipped.
    const example = runBuilt([
      'sweep',
      '--strategy',
      'sma_crossover',
      '--grid',
      'fast=5..50:5',
      '--grid',
      'slow=20..200:10',
      '--data',
      BTC,
      '--json',
    ]);
    expect(example.code, example.stderr).toBe(0);
    const rows = JSON.parse(example.stdout) as { params: Record<string, number> }[];
    expect(rows).toHaveLength(174);
    expect(Object.keys(rows[0]!.params).sort()).toEqual(['fast_period', 'slow_period']);
    const typo = runBuilt(['sweep', '--strategy', 'sma_crossover', '--grid', 'fsat=5,10', '--data', BTC]);
    expect(typo.code).toBe(78);
    expect(typo.stderr).toMatch(
      /--grid fsat: unknown param for sma_crossover; its params: fast_period, slow_period/,
    );
    const none = runBuilt([...SWEEP_BTC, '--grid', 'fast_period=50', '--grid', 'slow_period=20']);
    expect(none.code).toBe(78);
    expect(none.stderr).toMatch(/no valid combination .*fast_period must be smaller than slow_period/);
    const badGrid = runBuilt([...SWEEP_BTC, '--grid', 'fast_period=9..1']);
    expect(badGrid.code).toBe(78);
    const badNice = runBuilt([...SWEEP_BTC, ...GRID, '--nice', '-3']);
    expect(badNice.code).toBe(78);
    expect(badNice.stderr).toMatch(/--nice: expected an integer 0-19, was -3/);
  });

  it('Ctrl-C (SIGINT) cancels the pool and exits 130', async () => {
    const dir = tempDir();
    const data = writeRandomWalkCsv(path.join(dir, 'walk.csv'), 60_000);
    const child = spawn(
      process.execPath,
      [
        MAIN,
        'sweep',
        '--strategy',
        'sma_crossover',
        '--data',
        data,
        '--grid',
        'fast_period=2..60',
        '--grid',
        'slow_period=61..120',
        '--workers',
        '1',
      ],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '' } },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    const started = new Promise<void>((resolve) => {
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes('Ctrl-C cancels')) resolve();
      });
    });
    const exited = new Promise<{ code: number | null; ms: number }>((resolve) => {
      let t0 = 0;
      started.then(() => {
        // Let a few tasks run, then interrupt.
        setTimeout(() => {
          t0 = performance.now();
          child.kill('SIGINT');
        }, 300);
      });
      child.on('exit', (code) => resolve({ code, ms: performance.now() - t0 }));
    });
    const { code, ms } = await exited;
    expect(stderr).toMatch(/sweep interrupted/);
    expect(code).toBe(130);
    expect(stdout).toBe('');
    // The 3,540-combination sweep would take minutes; cancelling takes well under 5 s.
    expect(ms).toBeLessThan(5_000);
  });
});
