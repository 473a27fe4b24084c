/**
 * `dualbot promote` and `dualbot parity`: each gate on synthetic candles and a synthetic paper record, a
 * passing promotion into a temp copy of the package's strategies/, the rollback when the build fails, and
 * the dry run (through the built program) changing nothing.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { type JournalEntry, JournalWriter } from '../actors/persistence/journal.js';
import { type StateFile, writeStateFile } from '../actors/persistence/state-file.js';
import { runBacktest } from '../backtest/engine.js';
import { PROMOTE_DEFAULTS, type PromoteOptions, pointBotAt, promote } from '../backtest/promotion/promote.js';
import { resolveSettings } from '../backtest/settings.js';
import type { CandleColumns } from '../core/index.js';
import { loadDevelopmentStrategies } from '../strategies/registry.js';
import { ROOT, runBuilt, tempDir } from './helpers/cli.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Daily candles: `cycles` of 10 rising bars (x up) and 10 falling bars (x down), then the `tail` moves. */
function candles(cycles: number, up: number, down: number, tail: number[] = []): CandleColumns {
  const closes = [100];
  for (let c = 0; c < cycles; c++) {
    for (let i = 0; i < 10; i++) closes.push(closes[closes.length - 1]! * up);
    for (let i = 0; i < 10; i++) closes.push(closes[closes.length - 1]! * down);
  }
  for (const m of tail) closes.push(closes[closes.length - 1]! * m);
  const n = closes.length;
  const col = () => new Float64Array(n);
  const c: CandleColumns = { ts: col(), open: col(), high: col(), low: col(), close: col(), volume: col() };
  for (let i = 0; i < n; i++) {
    const close = Number(closes[i]!.toFixed(6));
    const open = i === 0 ? close : c.close[i - 1]!;
    c.ts[i] = T0 + i * DAY;
    c.open[i] = open;
    c.close[i] = close;
    c.high[i] = Number((Math.max(open, close) * 1.001).toFixed(6));
    c.low[i] = Number((Math.min(open, close) * 0.999).toFixed(6));
    c.volume[i] = 1;
  }
  return c;
}

/** Beats buy and hold in full and out of sample with 8 trades and a ~2 % drawdown. */
const PASSING = candles(8, 1.02, 0.985);
/** A steady rise: the breakout enters late and pays fees; buy and hold wins. */
const RISING = candles(0, 1, 1, Array(160).fill(1.01));
/** Passing cycles, then a steady rise in the last 30 %: out of sample fails, the full data passes. */
const OOS_FAILS = candles(6, 1.02, 0.985, Array(60).fill(1.01));

function csv(c: CandleColumns): string {
  const rows = ['timestamp,open,high,low,close,volume'];
  for (let i = 0; i < c.ts.length; i++) {
    rows.push(`${c.ts[i]},${c.open[i]},${c.high[i]},${c.low[i]},${c.close[i]},${c.volume[i]}`);
  }
  return `${rows.join('\n')}\n`;
}

const BOT = 'paper';

function botConfig(o: { maxDrawdown?: number; strategy?: string } = {}): string {
  const params =
    (o.strategy ?? 'breakout') === 'breakout' ? '  params:\n    lookback_bars: 5   # tuned by hand\n' : '';
  return [
    '# paper bot earning a record for breakout',
    'name: Paper breakout',
    'exchange: coinbase',
    'mode: spot',
    'strategy:',
    `  name: ${o.strategy ?? 'breakout'}`,
    `${params}trading:`,
    '  pair: TEST-USD',
    '  leverage: 1',
    'risk:',
    `  max_drawdown: ${o.maxDrawdown ?? 0.2}`,
    'dry_run: true',
    'timeframe: 1d',
    'market_data:',
    '  source: replay',
    '  replay:',
    '    file: candles.csv',
    '',
  ].join('\n');
}

function state(strategy: string, lastCandleTs: number): StateFile {
  return {
    version: 1,
    bot: BOT,
    position: 'NONE',
    entry_price: 0,
    quantity: 0,
    leverage: 1,
    last_signal: null,
    trading_pair: 'TEST-USD',
    strategy,
    unrealized_pnl: 0,
    trades: [],
    updated_at: new Date(T0).toISOString(),
    dry_run: true,
    account: {
      startingCash: 1000,
      cash: 1000,
      position: { side: 'NONE', qty: 0, entryPrice: 0, leverage: 1, openedAt: 0, lastRolloverAt: 0 },
      realizedPnl: 0,
      feesPaid: 0,
      marginCostsPaid: 0,
      lossWrittenOff: 0,
      equityPeak: 1000,
      halted: null,
      liquidations: 0,
      tradeCount: 0,
    },
    last_acted_target: null,
    last_candle_ts: lastCandleTs,
    last_price: null,
    pending_order: null,
    machine: {
      state: 'idle',
      halt_reason: null,
      context: { cycles: 40, ordersPlaced: 4, skippedCycles: 0, orderErrors: 0, lastError: null },
    },
  };
}

interface PaperOptions {
  /** Hours between journal entries (4 entries per order). */
  readonly stepHours?: number;
  /** Multiplies every paper price (1.001 = 0.1 % off the backtest). */
  readonly priceFactor?: number;
  readonly flipFirstSide?: boolean;
  readonly rejected?: boolean;
}

/**
 * Writes a paper record for breakout on `c`: the fills a backtest makes from bar `from` on, journaled as a
 * paper bot does (intent with the decision candle, submitted, acknowledged, fill).
 */
async function writePaperRecord(
  dir: string,
  c: CandleColumns,
  from: number,
  o: PaperOptions = {},
): Promise<number> {
  const def = (await loadDevelopmentStrategies()).get('breakout')!;
  const run = runBacktest({
    strategy: def,
    params: def.paramsSchema.parse({ lookback_bars: 5 }),
    candles: c,
    timeframeMs: DAY,
    start: from,
    config: resolveSettings({ mode: 'long_only' }).config,
  });
  const w = new JournalWriter(path.join(dir, 'journal.jsonl'));
  let t = Date.UTC(2025, 0, 1);
  const step = (o.stepHours ?? 4) * HOUR;
  const add = (e: JournalEntry) => {
    w.append(e);
    t += step;
  };
  run.fills.forEach((f, i) => {
    const id = `${BOT}-${f.ts}-${i}`;
    const side = o.flipFirstSide && i === 0 ? (f.side === 'buy' ? 'sell' : 'buy') : f.side;
    const decision = f.ts - DAY; // decided on the previous candle's close, filled at this one's open
    add({
      type: 'intent',
      ts: t,
      client_order_id: id,
      decision_ts: decision,
      side,
      qty: 1,
      target: side === 'buy' ? 'LONG' : 'FLAT',
      reason: 'breakout',
      paper: true,
    });
    add({ type: 'submitted', ts: t, client_order_id: id });
    if (o.rejected && i === 0) {
      add({ type: 'rejected', ts: t, client_order_id: id, error: 'insufficient funds' });
      return;
    }
    add({ type: 'acknowledged', ts: t, client_order_id: id, order_id: `o${i}` });
    const price = f.price * (o.priceFactor ?? 1.001);
    add({
      type: 'fill',
      ts: t,
      client_order_id: id,
      order_id: `o${i}`,
      side,
      qty: 1,
      price,
      fee: 0.1,
      reason: 'breakout',
      paper: true,
    });
  });
  w.close();
  writeStateFile(path.join(dir, 'state.json'), state('breakout', c.ts[c.ts.length - 1]!));
  return run.fills.length;
}

interface Fixture {
  readonly root: string;
  readonly packageRoot: string;
  readonly home: string;
  readonly botDir: string;
}

/** A temp package root (a copy of strategies/) and a home with one paper bot on `c`. */
async function fixture(
  c: CandleColumns,
  o: { maxDrawdown?: number; paper?: PaperOptions; paperFrom?: number; noPaper?: boolean } = {},
): Promise<Fixture> {
  const root = tempDir('dualbot-promote-');
  const packageRoot = path.join(root, 'pkg');
  cpSync(path.join(ROOT, 'strategies'), path.join(packageRoot, 'strategies'), { recursive: true });
  const home = path.join(root, 'home');
  const botDir = path.join(home, 'bots', BOT);
  mkdirSync(botDir, { recursive: true });
  writeFileSync(path.join(botDir, 'config.yaml'), botConfig(o));
  writeFileSync(path.join(botDir, 'candles.csv'), csv(c));
  if (!o.noPaper) await writePaperRecord(botDir, c, o.paperFrom ?? 100, o.paper);
  return { root, packageRoot, home, botDir };
}

/** Runs `promote` on a fixture, collecting its output. */
async function run(
  f: Fixture,
  over: Partial<PromoteOptions> = {},
): Promise<{ code: number; out: string; builds: number; restarts: string[] }> {
  const lines: string[] = [];
  let builds = 0;
  const restarts: string[] = [];
  const code = await promote({
    packageRoot: f.packageRoot,
    home: f.home,
    bot: BOT,
    strategy: 'breakout',
    dryRun: false,
    minTrades: PROMOTE_DEFAULTS.minTrades,
    outOfSamplePct: PROMOTE_DEFAULTS.outOfSamplePct,
    paperHours: PROMOTE_DEFAULTS.paperHours,
    tolerancePct: PROMOTE_DEFAULTS.tolerancePct,
    env: {},
    now: new Date('2025-02-01T00:00:00Z'),
    out: (l) => lines.push(l),
    build: async () => {
      builds++;
      return { ok: true, output: '' };
    },
    restart: async (bot) => {
      restarts.push(bot);
      return 'restarted';
    },
    ...over,
  });
  return { code, out: lines.join('\n'), builds, restarts };
}

/** Every file under `dir` with its bytes, to compare trees byte for byte. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = path.join(dir, f);
    try {
      out.set(f, readFileSync(p).toString('base64'));
    } catch {
      // a folder
    }
  }
  return out;
}

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('promote: a passing promotion', () => {
  it('copies, registers, records the evidence, builds and restarts', async () => {
    const f = await fixture(PASSING);
    const devSource = path.join(f.packageRoot, 'strategies', 'development', 'experimental', 'breakout.ts');
    const botBefore = readFileSync(path.join(f.botDir, 'config.yaml'), 'utf8');
    const r = await run(f);
    expect(r.out).not.toContain('FAIL');
    expect(r.code, r.out).toBe(0);
    expect(r.builds).toBe(1);
    expect(r.restarts).toEqual([BOT]);

    const prod = path.join(f.packageRoot, 'strategies', 'production');
    const copied = readFileSync(path.join(prod, 'breakout.ts'), 'utf8');
    expect(copied).toBe(readFileSync(devSource, 'utf8').replace("'../../types.js'", "'../types.js'"));
    const index = readFileSync(path.join(prod, 'index.ts'), 'utf8');
    expect(index).toContain(
      "// promoted:start\nimport { breakout } from './breakout.js';\n\nconst PROMOTED = [breakout] as StrategyDefinition<unknown>[];\n// promoted:end",
    );

    const configText = readFileSync(path.join(prod, 'config.yaml'), 'utf8');
    expect(configText).toContain('# Production strategies and their default params'); // comments kept
    const entry = parseDocument(configText).toJS().strategies.breakout;
    expect(entry.params).toEqual({ lookback_bars: 5 });
    expect(entry.promoted.at).toBe('2025-02-01T00:00:00.000Z');
    expect(entry.promoted.source_hash).toBe(sha256(devSource));
    expect(entry.promoted.params_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.promoted.evidence.backtest.outperform).toBeGreaterThan(0);
    expect(entry.promoted.evidence.out_of_sample.outperform).toBeGreaterThan(0);
    expect(entry.promoted.evidence.paper.fills).toBeGreaterThan(0);
    // The bot already names the strategy: its config is left exactly as it was.
    expect(readFileSync(path.join(f.botDir, 'config.yaml'), 'utf8')).toBe(botBefore);
  });

  it('says the bot picks it up at its next start when no runtime answers', async () => {
    const f = await fixture(PASSING);
    const r = await run(f, {
      restart: async () => {
        throw new Error('cannot reach the runtime');
      },
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/will pick the production strategy up at its next start/);
  });

  it('evaluates a bot that names another strategy with the strategy defaults', async () => {
    const f = await fixture(PASSING);
    writeFileSync(path.join(f.botDir, 'config.yaml'), botConfig({ strategy: 'macd_cross' }));
    const r = await run(f);
    // breakout's default lookback of 30 bars lags these 10-bar cycles: it loses to buy and hold.
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL backtest outperform/);
  });

  it('points a bot config at the strategy, keeping its comments', () => {
    const text = pointBotAt(
      botConfig({ strategy: 'macd_cross' }).replace('macd_cross', 'macd_cross  # was'),
      'breakout',
    );
    expect(text).toContain('# paper bot earning a record for breakout');
    expect(text).toContain('max_drawdown: 0.2');
    expect(parseDocument(text).toJS().strategy).toEqual({ name: 'breakout' });
    const withParams = pointBotAt(botConfig(), 'breakout');
    expect(withParams).toContain('# paper bot earning a record for breakout');
    expect(parseDocument(withParams).toJS().strategy).toEqual({ name: 'breakout' });
  });
});

describe('promote: each failing gate is named with its figure', () => {
  it('backtest underperforms buy and hold', async () => {
    const r = await run(await fixture(RISING, { noPaper: true }), { minTrades: 1 });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL backtest outperform: -\d+\.\d\d% <= 0/);
    expect(r.out).toMatch(/PASS backtest trades/);
  });

  it('drawdown deeper than the bot risk.max_drawdown', async () => {
    const r = await run(await fixture(PASSING, { maxDrawdown: 0.01 }));
    expect(r.code).toBe(1);
    // The bot's drawdown halt is part of its risk settings, so the backtest stops entering at 1 % too.
    expect(r.out).toMatch(/FAIL backtest max drawdown: \d+\.\d\d% > 1\.00%/);
    expect(r.out).toMatch(/FAIL out-of-sample .* max drawdown: \d+\.\d\d% > 1\.00%/);
  });

  it('too few trades', async () => {
    const r = await run(await fixture(PASSING), { minTrades: 100 });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL backtest trades: 8 < 100/);
    expect(r.out.match(/FAIL/g)).toHaveLength(1);
  });

  it('out of sample fails while the full data passes', async () => {
    const r = await run(await fixture(OOS_FAILS, { paperFrom: 60 }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/PASS backtest outperform/);
    expect(r.out).toMatch(
      /FAIL out-of-sample \(last 30%, from \d{4}-\d\d-\d\d\) outperform: -\d+\.\d\d% <= 0/,
    );
  });

  it('paper record too short', async () => {
    const r = await run(await fixture(PASSING, { paper: { stepHours: 0.5 } }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL paper hours: \d+\.\d h < 24 h/);
    expect(r.out.match(/FAIL/g)).toHaveLength(1);
  });

  it('paper errors present', async () => {
    const r = await run(await fixture(PASSING, { paper: { rejected: true } }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL paper errors: 1 rejected\/unknown entries/);
  });

  it('parity mismatch: a side out of order, or prices beyond the tolerance', async () => {
    const sides = await run(await fixture(PASSING, { paper: { flipFirstSide: true } }));
    expect(sides.code).toBe(1);
    expect(sides.out).toMatch(/FAIL parity: 1 side\/order mismatches/);
    const prices = await run(await fixture(PASSING, { paper: { priceFactor: 1.02 } }));
    expect(prices.code).toBe(1);
    expect(prices.out).toMatch(/FAIL parity: .*max price difference 2\.00% > 0\.5% tolerance/);
    expect(prices.out.match(/FAIL/g)).toHaveLength(1);
  });

  it('no paper record at all', async () => {
    const r = await run(await fixture(PASSING, { noPaper: true }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL paper state: no state.json/);
  });

  it('a failed gate changes nothing', async () => {
    const f = await fixture(PASSING);
    const before = snapshot(f.root);
    const r = await run(f, { minTrades: 100 });
    expect(r.code).toBe(1);
    expect(r.builds).toBe(0);
    expect(snapshot(f.root)).toEqual(before);
  });
});

describe('promote: all or nothing', () => {
  it('restores every file byte for byte when the build fails', async () => {
    const f = await fixture(PASSING);
    writeFileSync(path.join(f.botDir, 'config.yaml'), botConfig({ strategy: 'breakout' }));
    const before = snapshot(f.root);
    const r = await run(f, { build: async () => ({ ok: false, output: 'error TS2322: boom' }) });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/promotion failed at the build step: error TS2322: boom/);
    expect(r.out).toMatch(/every file was restored/);
    expect(r.restarts).toEqual([]);
    expect(snapshot(f.root)).toEqual(before);
    expect(existsSync(path.join(f.packageRoot, 'strategies', 'production', 'breakout.ts'))).toBe(false);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const f = await fixture(PASSING);
    const before = snapshot(f.root);
    const r = await run(f, { dryRun: true });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/would write .*strategies\/production\/breakout\.ts \(new\)/);
    expect(r.out).toMatch(/would write .*strategies\/production\/index\.ts/);
    expect(r.out).toMatch(/source_hash: [0-9a-f]{64}/);
    expect(r.builds).toBe(0);
    expect(snapshot(f.root)).toEqual(before);
  });
});

describe('promote and parity commands (built program)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture(PASSING);
  });

  it('promote --dry-run exits 0 and leaves the package and the home untouched', () => {
    const prod = snapshot(path.join(ROOT, 'strategies'));
    const home = snapshot(f.home);
    const r = runBuilt(['promote', 'breakout', '--bot', BOT, '--home', f.home, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PASS parity/);
    expect(r.stdout).toMatch(/dry run: breakout would be promoted; nothing was changed/);
    expect(snapshot(path.join(ROOT, 'strategies'))).toEqual(prod);
    expect(snapshot(f.home)).toEqual(home);
  });

  it('promote exits 1 with every gate line when one fails, 78 on bad input', () => {
    const r = runBuilt(['promote', 'breakout', '--bot', BOT, '--home', f.home, '--min-trades', '50']);
    expect(r.code).toBe(1);
    expect(r.stdout.match(/^(PASS|FAIL) /gm)).toHaveLength(11);
    expect(runBuilt(['promote', 'nope', '--bot', BOT, '--home', f.home]).code).toBe(78);
    expect(runBuilt(['promote', 'breakout', '--bot', 'ghost', '--home', f.home]).code).toBe(78);
    expect(runBuilt(['promote', 'sma_crossover', '--bot', BOT, '--home', f.home]).code).toBe(78);
    expect(runBuilt(['promote', 'breakout', '--bot', BOT, '--home', f.home, '--oos-pct', 'x']).code).toBe(78);
  });

  it('parity writes its report and exits 0 when fills agree', () => {
    const r = runBuilt(['parity', '--bot', BOT, '--home', f.home, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.pass).toBe(true);
    expect(report.paper_fills).toBeGreaterThan(0);
    expect(report.paper_fills).toBe(report.backtest_fills);
    const written = readdirSync(f.botDir).filter((n) => /^parity-\d{4}-\d\d-\d\d\.json$/.test(n));
    expect(written).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(f.botDir, written[0]!), 'utf8'))).toEqual(report);
  });

  it('parity exits 1 on a mismatch beyond the tolerance', async () => {
    const g = await fixture(PASSING, { paper: { priceFactor: 1.01 } });
    const r = runBuilt(['parity', '--bot', BOT, '--home', g.home, '--tolerance-pct', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/parity of breakout: FAIL/);
    expect(r.stdout).toMatch(/DIFF #1/);
    expect(runBuilt(['parity', '--bot', BOT, '--home', g.home, '--tolerance-pct', '2']).code).toBe(0);
  });
});
