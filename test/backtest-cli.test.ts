import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBuilt, tempDir } from './helpers/cli.js';

const BTC = 'data/binance_BTC-USDT_1d.csv';

function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('dualbot backtest (built program)', () => {
  it('--json prints one object with the documented fields', () => {
    const r = runBuilt([
      'backtest',
      '--strategy',
      'sma_crossover',
      '--param',
      'fast_period=20',
      '--param',
      'slow_period=50',
      '--data',
      BTC,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The short names of the example (`--param fast=20 --param slow=50`) are the same run.
    const short = runBuilt([
      'backtest',
      '--strategy',
      'sma_crossover',
      '--param',
      'fast=20',
      '--param',
      'slow=50',
      '--data',
      BTC,
      '--json',
    ]);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout).toBe(r.stdout);
    const o = json(r.stdout);
    for (const k of [
      'strategy',
      'params',
      'mode',
      'leverage',
      'bars',
      'trades',
      'return_pct',
      'buy_hold_pct',
      'outperform',
      'max_drawdown_pct',
      'sharpe',
      'sortino',
      'win_rate',
      'profit_factor',
      'exposure_pct',
      'fees_paid',
      'liquidations',
    ]) {
      expect(o, k).toHaveProperty(k);
    }
    expect(o).toMatchObject({
      strategy: 'sma_crossover',
      mode: 'long_only',
      leverage: 1,
      bars: 3142,
      liquidations: 0,
    });
    expect(o['params']).toEqual({ fast_period: 20, slow_period: 50 });
    // Buy and hold: last close / first close - 1 of the bundled file (4285.08 -> 66,783.66 on 2026-03-30).
    const closes = readFileSync(BTC, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[4]));
    expect(o['buy_hold_pct']).toBeCloseTo((closes.at(-1)! / closes[0]! - 1) * 100, 9);
    expect(o['outperform']).toBeCloseTo((o['return_pct'] as number) - (o['buy_hold_pct'] as number), 9);
    expect(o['max_drawdown_pct']).toBeGreaterThan(0);
    const pf = o['profit_factor'];
    expect(pf === null || (typeof pf === 'number' && Number.isFinite(pf))).toBe(true);
  });

  it('prints a readable table without --json, and runs development strategies', () => {
    const r = runBuilt([
      'backtest',
      '--strategy',
      'macd_cross',
      '--data',
      BTC,
      '--mode',
      'leveraged',
      '--leverage',
      '2',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/macd_cross/);
    expect(r.stdout).toMatch(/leveraged 2x/);
    expect(r.stdout).toMatch(/return\s+-?[\d.]+ %/);
    expect(r.stdout).toMatch(/buy & hold/);
  });

  it('--from/--to restrict the traded bars; fees and slippage can be set', () => {
    const r = runBuilt([
      'backtest',
      '--strategy',
      'rsi_momentum',
      '--data',
      BTC,
      '--from',
      '2024-01-01',
      '--to',
      '2024-12-31',
      '--fee-bps',
      '0',
      '--slippage-bps',
      '0',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const o = json(r.stdout);
    expect(o).toMatchObject({ bars: 366, from: '2024-01-01T00:00:00.000Z', to: '2024-12-31T00:00:00.000Z' });
    expect(o['fees_paid']).toBe(0);
  });

  it('bad input exits 78 with a clear message', () => {
    const cases: [string[], RegExp][] = [
      [
        ['--param', 'fast_period=60'],
        /invalid params for sma_crossover: fast_period: fast_period must be smaller than slow_period/,
      ],
      [['--param', 'fast_period=abc'], /fast_period: .*number/],
      [
        ['--param', 'nope=1'],
        /--param nope: unknown param for sma_crossover; its params: fast_period, slow_period/,
      ],
      [['--param', 'fast=5', '--param', 'fast_period=6'], /--param fast_period is given twice/],
      [['--leverage', '2'], /long_only trades spot at 1x/],
      [['--mode', 'leveraged', '--leverage', '4'], /between 1 and 3/],
      [['--stop-loss', 'x'], /--stop-loss: expected a number/],
      [['--from', '2040-01-01'], /no candles in the requested range/],
      [['--mode', 'sideways'], /invalid/i],
    ];
    for (const [extra, message] of cases) {
      const r = runBuilt(['backtest', '--strategy', 'sma_crossover', '--data', BTC, ...extra]);
      expect(r.code, extra.join(' ')).toBe(78);
      expect(r.stderr, extra.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const unknown = runBuilt(['backtest', '--strategy', 'nope', '--data', BTC]);
    expect(unknown.code).toBe(78);
    expect(unknown.stderr).toMatch(/unknown strategy "nope"; production: sma_crossover/);
  });

  it('bad data files exit 65 naming file:line and the rule', () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'timestamp,open,high,low,close,volume\n1000,1,2,0.5,1.5,1\n2000,1,1.2,0.9,1.4,1\n');
    const r = runBuilt(['backtest', '--strategy', 'sma_crossover', '--data', bad]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(
      `${bad}:3: high 1.2 is below max(open, close) 1.4 (rule: high >= max(open, close))`,
    );
    const missing = runBuilt([
      'backtest',
      '--strategy',
      'sma_crossover',
      '--data',
      path.join(dir, 'none.csv'),
    ]);
    expect(missing.code).toBe(65);
    expect(missing.stderr).toMatch(/none\.csv: cannot read the file \(ENOENT\)/);
  });

  it("--bot runs the bot's strategy, mode, leverage and risk with equity sizing (or --sizing bot)", () => {
    const r = runBuilt(['backtest', '--bot', 'bots/kraken/config.yaml', '--json']);
    expect(r.code).toBe(0);
    const o = json(r.stdout);
    expect(o).toMatchObject({
      strategy: 'sma_3x_short',
      mode: 'leveraged',
      leverage: 3,
      exchange: 'kraken',
      stop_loss: 0.1,
      take_profit: 0.2,
      max_drawdown: 0.4,
      sizing: 'equity_fraction',
      starting_cash: 1000,
    });
    const fixed = json(
      runBuilt(['backtest', '--bot', 'bots/coinbase/config.yaml', '--sizing', 'bot', '--json']).stdout,
    );
    expect(fixed).toMatchObject({ strategy: 'sma_crossover', mode: 'long_only', sizing: 'fixed_usd' });
    const clash = runBuilt(['backtest', '--bot', 'bots/kraken/config.yaml', '--mode', 'long_only']);
    expect(clash.code).toBe(78);
    expect(clash.stderr).toMatch(/--mode: with --bot these come from the bot's config/);
  });

  it('--report DIR writes the JSON, HTML and PNG report of the run', () => {
    const dir = tempDir();
    const r = runBuilt(['backtest', '--strategy', 'sma_crossover', '--data', BTC, '--report', dir, '--json']);
    expect(r.code).toBe(0);
    JSON.parse(r.stdout);
    const files = [...r.stderr.matchAll(/^report: (.+)$/gm)].map((m) => m[1]!);
    expect(files.map((f) => path.extname(f))).toEqual(['.json', '.html', '.png']);
    for (const f of files) expect(existsSync(f), f).toBe(true);
    const report = JSON.parse(readFileSync(files[0]!, 'utf8')) as {
      series: { equity: number[] };
      metrics: object;
    };
    expect(report.series.equity).toHaveLength(3142);
  });

  it('--summary writes backtest/results/summary.json under --home and prints it', () => {
    const home = tempDir();
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
    const r = runBuilt(['backtest', '--summary', '--home', home, '--json']);
    expect(r.code).toBe(0);
    const printed = json(r.stdout);
    const file = path.join(home, 'backtest', 'results', 'summary.json');
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(printed);
    for (const p of ['1mo', '6mo', '1yr']) {
      for (const k of [`strategies_${p}`, `long_only_${p}`, `leveraged_${p}`])
        expect(printed, k).toHaveProperty(k);
      // 2 bots x 3 production strategies x 2 modes.
      expect(printed[`strategies_${p}`]).toHaveLength(12);
    }
    const rec = (printed['strategies_6mo'] as Record<string, unknown>[])[0]!;
    expect(Object.keys(rec)).toEqual(
      expect.arrayContaining([
        'strategy',
        'return_pct',
        'hold_pct',
        'outperform',
        'trades',
        'max_dd',
        'mode',
      ]),
    );
  });
});
