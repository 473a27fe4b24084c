/** Fixtures for the promotion tests: synthetic candles, a paper record and a temp copy of strategies/. */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type JournalEntry, JournalWriter } from '../../actors/persistence/journal.js';
import { type StateFile, writeStateFile } from '../../actors/persistence/state-file.js';
import { runBacktest } from '../../backtest/engine.js';
import { PROMOTE_DEFAULTS, type PromoteOptions, promote } from '../../backtest/promotion/promote.js';
import { resolveSettings } from '../../backtest/settings.js';
import type { CandleColumns } from '../../core/index.js';
import { loadDevelopmentStrategies } from '../../strategies/registry.js';
import { ROOT, tempDir } from './cli.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1);

/** Daily candles: `cycles` of 10 rising bars (x up) and 10 falling bars (x down), then the `tail` moves. */
export function candles(cycles: number, up: number, down: number, tail: number[] = []): CandleColumns {
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
export const PASSING = candles(8, 1.02, 0.985);
/** A steady rise: the breakout enters late and pays fees; buy and hold wins. */
export const RISING = candles(0, 1, 1, Array(160).fill(1.01));
/** Passing cycles, then a steady rise in the last 30 %: out of sample fails, the full data passes. */
export const OOS_FAILS = candles(6, 1.02, 0.985, Array(60).fill(1.01));

export function csv(c: CandleColumns): string {
  const rows = ['timestamp,open,high,low,close,volume'];
  for (let i = 0; i < c.ts.length; i++) {
    rows.push(`${c.ts[i]},${c.open[i]},${c.high[i]},${c.low[i]},${c.close[i]},${c.volume[i]}`);
  }
  return `${rows.join('\n')}\n`;
}

export const BOT = 'paper';

export function botConfig(o: { maxDrawdown?: number; strategy?: string } = {}): string {
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

export function state(strategy: string, lastCandleTs: number): StateFile {
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

export interface PaperOptions {
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
export async function writePaperRecord(
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

export interface Fixture {
  readonly root: string;
  readonly packageRoot: string;
  readonly home: string;
  readonly botDir: string;
}

/** A temp package root (a copy of strategies/) and a home with one paper bot on `c`. */
export async function fixture(
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
export async function run(
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
export function snapshot(dir: string): Map<string, string> {
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

export const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
