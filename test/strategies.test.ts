import path from 'node:path';
import { fc, test as fcTest } from '@fast-check/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCandlesFile } from '../backtest/data/index.js';
import { type CandleColumns, candleAt, columnsFrom, sliceColumns } from '../core/candles.js';
import {
  DECISION,
  type DecideContext,
  defineStrategy,
  runStrategyBatch,
  type StrategyDefinition,
  StrategyError,
  StrategyStream,
} from '../core/signal/index.js';
import { PRODUCTION_STRATEGIES, rsiMomentum, smaCrossover } from '../strategies/production/index.js';
import { loadDevelopmentStrategies } from '../strategies/registry.js';
import { candlesArb } from './helpers/candles-arb.js';
import { ROOT } from './helpers/cli.js';

const closesToCandles = (closes: readonly number[]): CandleColumns =>
  columnsFrom(
    closes.map((c, i) => ({ ts: i * 60_000, open: c, high: c * 1.01, low: c * 0.99, close: c, volume: 1 })),
  );

function allStrategies(dev: ReadonlyMap<string, StrategyDefinition<unknown>>): StrategyDefinition<unknown>[] {
  return [...PRODUCTION_STRATEGIES.values(), ...dev.values()];
}

function streamDecisions<P>(
  def: StrategyDefinition<P>,
  params: P,
  c: CandleColumns,
  allowShort: boolean,
): Int8Array {
  const s = new StrategyStream(def, params, allowShort);
  const out = new Int8Array(c.close.length);
  for (let i = 0; i < c.close.length; i++) {
    const d = s.onCandle(candleAt(c, i));
    out[i] = d.target === null ? DECISION.NONE : DECISION[d.target];
  }
  return out;
}

describe('strategies', () => {
  let dev: ReadonlyMap<string, StrategyDefinition<unknown>>;
  let btc: CandleColumns;
  let ltc: CandleColumns;
  beforeAll(async () => {
    dev = await loadDevelopmentStrategies();
    btc = (await loadCandlesFile(path.join(ROOT, 'data', 'binance_BTC-USDT_1d.csv'))).candles;
    ltc = (await loadCandlesFile(path.join(ROOT, 'data', 'kraken_LTC-USD_1d.csv'))).candles;
  });

  it('every strategy has interface version 1, a name matching its registry key, and valid default params', () => {
    for (const [name, s] of [...PRODUCTION_STRATEGIES, ...dev]) {
      expect(s.name).toBe(name);
      expect(s.interfaceVersion).toBe(1);
      expect(s.paramsSchema.safeParse({}).success, name).toBe(true);
    }
  });

  it('sma_crossover is crossover-only: flat until the first cross, then holds until the opposite cross', () => {
    // fast=2, slow=3 on a hand-made series. SMA2/SMA3 become defined at bars 1/2; crosses need t-1 defined.
    const closes = [10, 10, 10, 9, 8, 9, 11, 12, 12, 11, 9, 8];
    const c = closesToCandles(closes);
    const params = smaCrossover.paramsSchema.parse({ fast_period: 2, slow_period: 3 });
    const d = runStrategyBatch(smaCrossover, params, c, { allowShort: false });
    // bar 3: sma2=9.5 < sma3=9.667, bar 2: 10 vs 10 (equal) -> death cross at 3 (fast >= slow at t-1).
    // bar 6: sma2=10 > sma3=9.333, bar 5: 8.5 <= 8.667 -> golden cross at 6.
    // bar 10: sma2=10 < sma3=10.667, bar 9: 11.5 >= 11.667? no (11.5 < 11.667) -> death cross at 9.
    const sma2 = (t: number) => (closes[t]! + closes[t - 1]!) / 2;
    const sma3 = (t: number) => (closes[t]! + closes[t - 1]! + closes[t - 2]!) / 3;
    const expected = closes.map((_, t) => {
      if (t < 3) return DECISION.NONE;
      if (sma2(t - 1) <= sma3(t - 1) && sma2(t) > sma3(t)) return DECISION.LONG;
      if (sma2(t - 1) >= sma3(t - 1) && sma2(t) < sma3(t)) return DECISION.FLAT;
      return DECISION.NONE;
    });
    expect([...d]).toEqual(expected);
    expect(d[3]).toBe(DECISION.FLAT);
    expect(d[6]).toBe(DECISION.LONG);
    expect(d[9]).toBe(DECISION.FLAT);
    const short = runStrategyBatch(smaCrossover, params, c, { allowShort: true });
    expect(short[9]).toBe(DECISION.SHORT);
  });

  it('rsi_momentum follows its three rules on real candles', () => {
    const params = rsiMomentum.paramsSchema.parse({});
    const d = runStrategyBatch(rsiMomentum, params, btc, { allowShort: true });
    const counts = { [DECISION.LONG]: 0, [DECISION.SHORT]: 0, [DECISION.FLAT]: 0, [DECISION.NONE]: 0 };
    for (const x of d) counts[x as 0 | 1 | 2 | 3]++;
    expect(counts[DECISION.NONE]).toBe(19); // warm-up: SMA20 first defined at bar 19 (RSI14 at bar 14)
    expect(counts[DECISION.LONG]).toBeGreaterThan(100);
    expect(counts[DECISION.SHORT]).toBeGreaterThan(100);
    const longOnly = runStrategyBatch(rsiMomentum, params, btc, { allowShort: false });
    expect(longOnly.includes(DECISION.SHORT)).toBe(false);
  });

  it('batch and streaming give identical decisions on real candles for every strategy', () => {
    for (const def of allStrategies(dev)) {
      const params = def.paramsSchema.parse({});
      for (const [c, allowShort] of [
        [btc, true],
        [ltc, false],
      ] as const) {
        expect([...streamDecisions(def, params, c, allowShort)], def.name).toEqual([
          ...runStrategyBatch(def, params, c, { allowShort }),
        ]);
      }
    }
  });

  fcTest.prop([candlesArb(), fc.boolean()], { numRuns: 60 })(
    'batch and streaming agree on random candles for every strategy',
    (c, allowShort) => {
      for (const def of allStrategies(dev)) {
        const params = def.paramsSchema.parse({});
        expect([...streamDecisions(def, params, c, allowShort)]).toEqual([
          ...runStrategyBatch(def, params, c, { allowShort }),
        ]);
      }
    },
  );

  fcTest.prop([candlesArb(), fc.nat(), candlesArb()], { numRuns: 60 })(
    'no lookahead: changing or removing bars after t never changes the decision at t',
    (c, tSeed, other) => {
      const n = c.close.length;
      const t = tSeed % n;
      // The same history up to t, then different bars after t.
      const prefix = sliceColumns(c, 0, t + 1);
      const tail = sliceColumns(other, 0, Math.min(other.close.length, 50));
      const spliced = columnsFrom([
        ...Array.from({ length: t + 1 }, (_, i) => candleAt(prefix, i)),
        ...Array.from({ length: tail.close.length }, (_, i) => ({
          ...candleAt(tail, i),
          ts: (t + 1 + i) * 3_600_000,
        })),
      ]);
      for (const def of allStrategies(dev)) {
        const params = def.paramsSchema.parse({});
        const full = runStrategyBatch(def, params, c, { allowShort: true });
        const cut = runStrategyBatch(def, params, prefix, { allowShort: true });
        const changed = runStrategyBatch(def, params, spliced, { allowShort: true });
        expect(cut[t], def.name).toBe(full[t]);
        expect(changed[t], def.name).toBe(full[t]);
      }
    },
  );

  /** A paramless strategy that breaks the contract in `decide`, over one SMA(1) of the close named `x`. */
  const breaker = (name: string, lookback: number, decide: StrategyDefinition<unknown>['decide']) =>
    defineStrategy<Record<string, never>>({
      name,
      interfaceVersion: 1,
      description: `breaks the contract (${name})`,
      paramsSchema: smaCrossover.paramsSchema as never,
      lookback,
      indicators: () => ({ x: { kind: 'sma', source: 'close', period: 1 } }),
      decide,
    });
  const c3 = closesToCandles([1, 2, 3]);

  it('a strategy that asks for a future bar is stopped with STRATEGY_LOOKAHEAD', () => {
    const cheat = breaker('cheat', 0, (ctx: DecideContext) => ({
      target: ctx.value('x', -1) > ctx.value('x') ? 'LONG' : 'FLAT',
      reason: '',
    }));
    expect(() => runStrategyBatch(cheat, {}, c3, { allowShort: false })).toThrowError(StrategyError);
    expect(() => new StrategyStream(cheat, {}, false).onCandle(candleAt(c3, 0))).toThrowError(/back=-1/);
  });

  it('a fractional back is refused on both paths (it would read undefined, not a number)', () => {
    const frac = breaker('frac', 1, (ctx) => ({
      target: ctx.value('x', 0.5) > 0 ? 'LONG' : null,
      reason: '',
    }));
    expect(() => runStrategyBatch(frac, {}, c3, { allowShort: false })).toThrowError(/back=0.5/);
    expect(() => new StrategyStream(frac, {}, false).onCandle(candleAt(c3, 0))).toThrowError(/back=0.5/);
  });

  it('a price source that does not exist is a StrategyError on both paths', () => {
    const odd = breaker('odd_price', 0, (ctx) => ({
      target: ctx.price('vwap' as never) > 0 ? 'LONG' : null,
      reason: '',
    }));
    expect(() => runStrategyBatch(odd, {}, c3, { allowShort: false })).toThrowError(
      expect.objectContaining({ code: 'STRATEGY_UNKNOWN_INDICATOR' }),
    );
    expect(() => new StrategyStream(odd, {}, false).onCandle(candleAt(c3, 0))).toThrowError(
      expect.objectContaining({ code: 'STRATEGY_UNKNOWN_INDICATOR', message: expect.stringMatching(/vwap/) }),
    );
  });

  it('a decision with a target outside the contract is a StrategyError on both paths', () => {
    const odd = breaker('odd', 0, (ctx) => ({ target: (ctx.t === 1 ? 'BUY' : null) as never, reason: '' }));
    expect(() => runStrategyBatch(odd, {}, c3, { allowShort: false })).toThrowError(
      /strategy odd at bar 1: decide returned \{"target":"BUY"/,
    );
    const stream = new StrategyStream(odd, {}, false);
    stream.onCandle(candleAt(c3, 0));
    expect(() => stream.onCandle(candleAt(c3, 1))).toThrowError(StrategyError);
  });

  it('the stream refuses a candle that does not come after the last one, and changes nothing', () => {
    const c = closesToCandles([10, 11, 12, 13]);
    const stream = new StrategyStream(smaCrossover, { fast_period: 2, slow_period: 3 }, false);
    stream.warm(candleAt(c, 0));
    stream.warm(candleAt(c, 1));
    stream.onCandle(candleAt(c, 2));
    const before = [stream.t, stream.value('fast'), stream.value('slow')];
    expect(() => stream.onCandle(candleAt(c, 1))).toThrowError(/does not come after the last one/);
    expect(() => stream.warm(candleAt(c, 2))).toThrowError(RangeError);
    expect([stream.t, stream.value('fast'), stream.value('slow')]).toEqual(before);
    expect(() => stream.onCandle(candleAt(c, 3))).not.toThrow();
  });

  it('a throwing strategy becomes a StrategyError naming the strategy and bar', () => {
    const boom = breaker('boom', 0, (ctx) => {
      if (ctx.t === 2) throw new Error('kaboom');
      return { target: null, reason: '' };
    });
    expect(() =>
      runStrategyBatch(boom, {}, closesToCandles([1, 2, 3, 4]), { allowShort: false }),
    ).toThrowError(/strategy boom at bar 2: kaboom/);
  });
});
