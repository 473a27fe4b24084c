/**
 * Window rules: the backtester's fast path (`runRuleBatch`, a loop compiled per rule) against the `decide`
 * derived from the same rule (the per-bar path live bots run), the window layout, and the contract breaks.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { randomWalk } from '../bench/random-walk.js';
import { candleAt, columnsFrom } from '../core/candles.js';
import {
  DECISION,
  decisionAt,
  defineStrategy,
  runStrategyBatch,
  type StrategyDefinition,
  type StrategySpec,
  StrategyStream,
  type WindowRule,
} from '../core/signal/index.js';
import { sma3xShort, smaCrossover } from '../strategies/production/index.js';
import { candlesArb } from './helpers/candles-arb.js';
import { ROOT } from './helpers/cli.js';

/** The same strategy without its rule: `runStrategyBatch` then calls the derived `decide` bar by bar. */
const viaDecide = <P>(def: StrategyDefinition<P>): StrategyDefinition<P> => ({ ...def, rule: undefined });

const closes = (xs: readonly number[]) =>
  columnsFrom(
    xs.map((c, i) => ({ ts: i * 3_600_000, open: c, high: c + 1, low: c - 1, close: c, volume: 10 + i })),
  );

/** A rule-based strategy over SMA(1) of the close (`x`, equal to the close) and SMA(2) (`m`). */
function ruleStrategy(
  lookback: number,
  rule: Partial<WindowRule> & Pick<WindowRule, 'pick'>,
  name = 'rule_test',
): StrategyDefinition<Record<string, never>> {
  const spec: StrategySpec<Record<string, never>> = {
    name,
    interfaceVersion: 1,
    description: 'a rule for tests',
    paramsSchema: smaCrossover.paramsSchema as never,
    lookback,
    indicators: () => ({
      x: { kind: 'sma', source: 'close', period: 1 },
      m: { kind: 'sma', source: 'close', period: 2 },
    }),
    rule: {
      inputs: ['x', 'm', { price: 'volume' }],
      outcomes: [
        { target: null, reason: 'hold' },
        { target: 'LONG', reason: 'up' },
        { target: 'SHORT', reason: 'down' },
        { target: 'FLAT', reason: 'out' },
      ],
      ...rule,
    },
  };
  return defineStrategy(spec);
}

describe('window rules', () => {
  fcTest.prop(
    [candlesArb(300), fc.integer({ min: 2, max: 60 }), fc.integer({ min: 1, max: 80 }), fc.boolean()],
    {
      numRuns: 80,
    },
  )(
    'the compiled batch loop, the derived decide and the stream take the same decisions',
    (c, a, b, short) => {
      if (a === b) return;
      const params = { fast_period: Math.min(a, b), slow_period: Math.max(a, b) };
      for (const def of [smaCrossover, sma3xShort]) {
        const batch = runStrategyBatch(def, params, c, { allowShort: short });
        expect([...runStrategyBatch(viaDecide(def), params, c, { allowShort: short })]).toEqual([...batch]);
        const stream = new StrategyStream(def, params, short);
        const streamed = Array.from({ length: c.close.length }, (_, i) => {
          const d = stream.onCandle(candleAt(c, i));
          return d.target === null ? DECISION.NONE : DECISION[d.target];
        });
        expect(streamed).toEqual([...batch]);
      }
    },
  );

  it('fills the window as documented: w[back * inputs + k] is input k at t - back, NaN before the data', () => {
    const seen: number[][] = [];
    const def = ruleStrategy(2, {
      pick(w) {
        seen.push([...w]);
        return 0;
      },
    });
    const c = closes([10, 20, 40, 80]);
    for (const d of [def, viaDecide(def)]) {
      seen.length = 0;
      runStrategyBatch(d, {}, c, { allowShort: true });
      // inputs: x (the close), m (SMA 2 of the close), volume; three rows: t, t-1, t-2.
      expect(seen).toEqual([
        [10, Number.NaN, 10, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN],
        [20, 15, 11, 10, Number.NaN, 10, Number.NaN, Number.NaN, Number.NaN],
        [40, 30, 12, 20, 15, 11, 10, Number.NaN, 10],
        [80, 60, 13, 40, 30, 12, 20, 15, 11],
      ]);
    }
  });

  it('a window too large to unroll runs the generic loop and decides the same', () => {
    // 3 inputs x 101 rows = 303 slots.
    const def = ruleStrategy(100, {
      pick: (w) => (Number.isNaN(w[300]!) ? 0 : w[0]! > w[300]! ? 1 : w[0]! < w[300]! ? 2 : 3),
    });
    const c = closes(Array.from({ length: 400 }, (_, i) => 100 + 30 * Math.sin(i / 7)));
    const batch = runStrategyBatch(def, {}, c, { allowShort: false });
    expect([...runStrategyBatch(viaDecide(def), {}, c, { allowShort: false })]).toEqual([...batch]);
    expect(batch.slice(0, 100).every((x) => x === DECISION.NONE)).toBe(true);
    expect(new Set(batch.slice(100))).toEqual(new Set([DECISION.LONG, DECISION.FLAT]));
  });

  it('a SHORT outcome reaches a long-only bot as FLAT, "(long only)" in its reason', () => {
    const def = ruleStrategy(0, { pick: () => 2 });
    const c = closes([1, 2]);
    expect(decisionAt(def, {}, c, 1, true)).toEqual({ target: 'SHORT', reason: 'down' });
    expect(decisionAt(def, {}, c, 1, false)).toEqual({ target: 'FLAT', reason: 'down (long only)' });
    expect([...runStrategyBatch(def, {}, c, { allowShort: false })]).toEqual([DECISION.FLAT, DECISION.FLAT]);
    expect(new StrategyStream(def, {}, false).onCandle(candleAt(c, 0))).toEqual({
      target: 'FLAT',
      reason: 'down (long only)',
    });
    expect(decisionAt(smaCrossover, { fast_period: 1, slow_period: 2 }, closes([3, 2, 1]), 1, false)).toEqual(
      {
        target: null,
        reason: 'warm-up',
      },
    );
  });

  it.each([
    ['past the outcomes', 4],
    ['negative', -1],
    ['fractional', 1.5],
    ['NaN', Number.NaN],
    ['a string', '1'],
  ])('a pick that returns an index %s is a contract break on every path', (_, bad) => {
    const def = ruleStrategy(0, { pick: (w) => (w[0] === 30 ? (bad as number) : 0) });
    const c = closes([10, 20, 30, 40]);
    const message = /strategy rule_test at bar 2: its rule picked .*; expected an index into its 4 outcomes/;
    expect(() => runStrategyBatch(def, {}, c, { allowShort: true })).toThrowError(message);
    expect(() => runStrategyBatch(viaDecide(def), {}, c, { allowShort: true })).toThrowError(message);
    const stream = new StrategyStream(def, {}, true);
    stream.onCandle(candleAt(c, 0));
    stream.onCandle(candleAt(c, 1));
    expect(() => stream.onCandle(candleAt(c, 2))).toThrowError(message);
  });

  it('a throwing pick is a StrategyError naming the strategy and bar', () => {
    const def = ruleStrategy(1, {
      pick(w) {
        if (w[0] === 40) throw new Error('kaboom');
        return 0;
      },
    });
    const c = closes([10, 20, 30, 40]);
    expect(() => runStrategyBatch(def, {}, c, { allowShort: true })).toThrowError(
      expect.objectContaining({
        code: 'STRATEGY_THREW',
        bar: 3,
        message: 'strategy rule_test at bar 3: kaboom',
      }),
    );
    expect(() => runStrategyBatch(viaDecide(def), {}, c, { allowShort: true })).toThrowError(
      'strategy rule_test at bar 3: kaboom',
    );
  });

  it('an input that names no indicator is refused on both paths', () => {
    const def = ruleStrategy(0, { inputs: ['x', 'nope'], pick: () => 0 });
    const c = closes([1, 2]);
    for (const d of [def, viaDecide(def)]) {
      expect(() => runStrategyBatch(d, {}, c, { allowShort: true })).toThrowError(
        expect.objectContaining({ code: 'STRATEGY_UNKNOWN_INDICATOR' }),
      );
    }
  });

  it.each([
    ['no inputs', { inputs: [] }, /reads no inputs/],
    ['an empty input name', { inputs: [''] }, /neither an indicator name nor \{ price: open/],
    ['no outcomes', { outcomes: [] }, /has no outcomes/],
    ['a bad outcome', { outcomes: [{ target: 'BUY', reason: '' }] }, /outcome 0 is not a decision/],
    ['no pick', { pick: undefined }, /has no pick function/],
    [
      'an unknown price source',
      { inputs: [{ price: 'vwap' }] },
      /neither an indicator name nor \{ price: open/,
    ],
  ])('a malformed rule (%s) is refused when the strategy is declared', (_, change, message) => {
    expect(() => ruleStrategy(0, { pick: () => 0, ...(change as object) })).toThrowError(message);
  });

  it('with code generation switched off, the backtester falls back to the generic loop and decides the same', () => {
    // A child process with `--disallow-code-generation-from-strings` (as under a strict CSP) runs the compiled
    // dist; the parent compares its decisions with its own.
    const script = `
      const { runStrategyBatch } = await import(${JSON.stringify(path.join(ROOT, 'dist/core/signal/index.js'))});
      const { smaCrossover } = await import(${JSON.stringify(path.join(ROOT, 'dist/strategies/production/index.js'))});
      const { randomWalk } = await import(${JSON.stringify(path.join(ROOT, 'dist/bench/random-walk.js'))});
      let denied = false;
      try { new Function('return 1'); } catch { denied = true; }
      const codes = runStrategyBatch(smaCrossover, { fast_period: 5, slow_period: 12 }, randomWalk(3000, 3), { allowShort: true });
      console.log(JSON.stringify({ denied, codes: [...codes] }));`;
    const r = spawnSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { denied: boolean; codes: number[] };
    expect(out.denied).toBe(true);
    const here = runStrategyBatch(smaCrossover, { fast_period: 5, slow_period: 12 }, randomWalk(3000, 3), {
      allowShort: true,
    });
    expect(out.codes).toEqual([...here]);
    expect(out.codes.filter((c) => c !== DECISION.NONE).length).toBeGreaterThan(50);
  });

  it('a strategy cannot give both decide and rule', () => {
    const spec = { ...smaCrossover, decide: () => ({ target: null, reason: '' }) };
    expect(() => defineStrategy(spec as never)).toThrowError(/either decide or rule, not both/);
  });
});
