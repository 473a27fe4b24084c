/** The parity report's alignment and comparison rules, on small synthetic candles (pure, no files). */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/engine.js';
import type { PaperFill } from '../backtest/promotion/paper-record.js';
import { paperFills } from '../backtest/promotion/paper-record.js';
import { parityGate, parityReport } from '../backtest/promotion/parity.js';
import {
  addPromoted,
  RegistryFileError,
  readPromoted,
  renderRegion,
} from '../backtest/promotion/registry-file.js';
import {
  canonicalJson,
  disallowedImports,
  paramsHash,
  productionSource,
} from '../backtest/promotion/source-hash.js';
import { resolveSettings } from '../backtest/settings.js';
import type { CandleColumns } from '../core/index.js';
import { loadDevelopmentStrategies } from '../strategies/registry.js';

const DAY = 86_400_000;

/** A zig-zag: 8 bars up 3 %, 8 bars down 3 %, repeated: breakout trades on every leg. */
function zigzag(n: number): CandleColumns {
  const col = () => new Float64Array(n);
  const c: CandleColumns = { ts: col(), open: col(), high: col(), low: col(), close: col(), volume: col() };
  let px = 100;
  for (let i = 0; i < n; i++) {
    const open = px;
    px *= Math.floor(i / 8) % 2 === 0 ? 1.03 : 0.97;
    c.ts[i] = Date.UTC(2024, 0, 1) + i * DAY;
    c.open[i] = open;
    c.close[i] = px;
    c.high[i] = Math.max(open, px) * 1.001;
    c.low[i] = Math.min(open, px) * 0.999;
    c.volume[i] = 1;
  }
  return c;
}

async function setup() {
  const def = (await loadDevelopmentStrategies()).get('breakout')!;
  const params = def.paramsSchema.parse({ lookback_bars: 4 });
  const candles = zigzag(80);
  const settings = resolveSettings({ mode: 'long_only' });
  const run = runBacktest({
    strategy: def,
    params,
    candles,
    timeframeMs: DAY,
    start: 20,
    config: settings.config,
  });
  const fills: PaperFill[] = run.fills.map((f, i) => ({
    client_order_id: `c${i}`,
    side: f.side,
    price: f.price,
    qty: 1,
    ts: i,
    decision_ts: f.ts - DAY,
  }));
  const base = { strategy: def, params, candles, timeframeMs: DAY, settings, tolerancePct: 0.5 };
  return { base, fills };
}

describe('parity report', () => {
  it('matches the backtest of the same period fill for fill', async () => {
    const { base, fills } = await setup();
    expect(fills.length).toBeGreaterThan(2);
    const r = parityReport({ ...base, fills });
    expect(r.pass).toBe(true);
    expect(r.backtest_fills).toBe(fills.length);
    expect(parityGate(r).detail).toMatch(
      /same sides in order; max price difference 0\.00% <= 0\.5% tolerance/,
    );
  });

  it('flags a missing fill as a side/order mismatch', async () => {
    const { base, fills } = await setup();
    const processed = { lastCandleTs: base.candles.ts[79]!, cycles: 60 };
    expect(parityReport({ ...base, fills, processed }).pass).toBe(true);
    const r = parityReport({ ...base, fills: fills.slice(0, -1), processed });
    expect(r.pass).toBe(false);
    expect(r.rows[r.rows.length - 1]!.paper_side).toBeNull();
  });

  it('refuses to compare when the data does not hold the decision candles', async () => {
    const { base, fills } = await setup();
    const r = parityReport({ ...base, fills: fills.map((f) => ({ ...f, decision_ts: f.decision_ts + 1 })) });
    expect(r.pass).toBe(false);
    expect(r.problem).toMatch(/does not hold the paper decision candles/);
  });

  it('compares an idle period (no fill) with the backtest over the processed candles', async () => {
    const { base } = await setup();
    const quiet = parityReport({
      ...base,
      fills: [],
      processed: { lastCandleTs: base.candles.ts[3]!, cycles: 3 },
    });
    expect(quiet.pass).toBe(true);
    const busy = parityReport({
      ...base,
      fills: [],
      processed: { lastCandleTs: base.candles.ts[79]!, cycles: 50 },
    });
    expect(busy.pass).toBe(false);
    expect(parityReport({ ...base, fills: [] }).problem).toMatch(/nothing to align/);
  });

  it('ties journal fills to their intents', () => {
    const fills = paperFills([
      {
        type: 'intent',
        ts: 1,
        client_order_id: 'a',
        decision_ts: 100,
        side: 'buy',
        qty: 1,
        target: 'LONG',
        reason: 'x',
        paper: true,
      },
      {
        type: 'fill',
        ts: 2,
        client_order_id: 'a',
        order_id: 'o',
        side: 'buy',
        qty: 1,
        price: 5,
        fee: 0,
        reason: 'x',
        paper: true,
      },
      {
        type: 'fill',
        ts: 3,
        client_order_id: 'orphan',
        order_id: 'p',
        side: 'sell',
        qty: 1,
        price: 5,
        fee: 0,
        reason: 'x',
        paper: true,
      },
    ]);
    expect(fills).toEqual([{ client_order_id: 'a', side: 'buy', price: 5, qty: 1, ts: 2, decision_ts: 100 }]);
  });
});

describe('promotion helpers', () => {
  it('regenerates the registry region and refuses clashes', () => {
    const text =
      "import { a } from './a.js';\n// promoted:start\nconst PROMOTED = [] as StrategyDefinition<unknown>[];\n// promoted:end\n";
    const one = addPromoted(text, { exportName: 'zeta', module: 'zeta' });
    const two = addPromoted(one, { exportName: 'beta', module: 'beta' });
    expect(readPromoted(two).map((e) => e.module)).toEqual(['beta', 'zeta']);
    expect(two).toContain(
      "import { beta } from './beta.js';\nimport { zeta } from './zeta.js';\n\nconst PROMOTED = [beta, zeta]",
    );
    expect(() => addPromoted(two, { exportName: 'other', module: 'beta' })).toThrow(RegistryFileError);
    expect(() => addPromoted(two, { exportName: 'a', module: 'x' })).toThrow(/already uses the name a/);
    expect(() => addPromoted('no markers', { exportName: 'x', module: 'x' })).toThrow(RegistryFileError);
    const many = renderRegion(
      Array.from({ length: 12 }, (_, i) => ({ exportName: `strategyNumber${i}`, module: `m${i}` })),
    );
    expect(many.every((l) => l.length <= 110)).toBe(true);
    expect(readPromoted(['// promoted:start', ...many, '// promoted:end'].join('\n'))).toHaveLength(12);
  });

  it('allows only zod and the contract as imports, and points the contract at ../types.js', () => {
    const ok = "import { z } from 'zod';\nimport { defineStrategy } from '../../types.js';\n";
    expect(disallowedImports(ok, 'experimental/x.ts')).toEqual([]);
    expect(productionSource(ok, 'experimental/x.ts')).toBe(
      "import { z } from 'zod';\nimport { defineStrategy } from '../types.js';\n",
    );
    expect(disallowedImports(ok, 'x.ts')).toEqual(['../../types.js']);
    expect(
      disallowedImports("import { h } from './helper.js';\nconst m = await import('x');", 'x.ts'),
    ).toEqual(['./helper.js', 'a dynamic import()/require()']);
  });

  it('hashes params independently of key order', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(paramsHash({ a: 1, b: 2 })).toBe(paramsHash({ b: 2, a: 1 }));
  });
});
