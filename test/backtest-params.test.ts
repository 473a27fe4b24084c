import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BacktestInputError } from '../backtest/errors.js';
import {
  checkParams,
  compareParams,
  expandGridValues,
  gridCombos,
  paramNames,
  parseGrid,
  parseParams,
  parseParamValue,
  resolveParamNames,
} from '../backtest/params.js';
import { resolveSettings } from '../backtest/settings.js';
import { rsiMomentum } from '../strategies/production/rsi_momentum.js';
import { smaCrossover } from '../strategies/production/sma_crossover.js';
import type { StrategyDefinition } from '../strategies/types.js';

describe('backtest params', () => {
  it('parses --param values', () => {
    expect(parseParamValue('20')).toBe(20);
    expect(parseParamValue('0.5')).toBe(0.5);
    expect(parseParamValue('true')).toBe(true);
    expect(parseParamValue('')).toBe('');
    expect(parseParamValue(' 1')).toBe(' 1');
    expect(parseParams(['fast_period=20', 'slow_period = 50'])).toEqual({ fast_period: 20, slow_period: 50 });
    expect(() => parseParams(['fast_period'])).toThrow(BacktestInputError);
  });

  it('expands grid ranges inclusively without float drift', () => {
    expect(expandGridValues('5..50:5')).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    expect(expandGridValues('20..200:10')).toHaveLength(19);
    expect(expandGridValues('0.1..0.3:0.1')).toEqual([0.1, 0.2, 0.3]);
    // Numbers typed with an exponent count their places too (these were [60, 61, 61] and [0, 0, 0]).
    expect(expandGridValues('60..61:5e-1')).toEqual([60, 60.5, 61]);
    expect(expandGridValues('1e-3..3e-3:1e-3')).toEqual([0.001, 0.002, 0.003]);
    expect(expandGridValues('-0.25..0.25:0.25')).toEqual([-0.25, 0, 0.25]);
    expect(expandGridValues('1..3')).toEqual([1, 2, 3]);
    expect(expandGridValues('7,9,11')).toEqual([7, 9, 11]);
    expect(() => expandGridValues('5..1:1')).toThrow(BacktestInputError);
    expect(() => expandGridValues('1..5:0')).toThrow(BacktestInputError);
    expect(() => expandGridValues('1..1e9:1')).toThrow(BacktestInputError);
    expect(() => parseGrid(['a=1', 'a=2'])).toThrow(/twice/);
  });

  it('builds every combination over the fixed params', () => {
    const combos = gridCombos(parseGrid(['fast_period=1..2', 'slow_period=3,4']), { extra: 1 });
    expect(combos).toEqual([
      { extra: 1, fast_period: 1, slow_period: 3 },
      { extra: 1, fast_period: 1, slow_period: 4 },
      { extra: 1, fast_period: 2, slow_period: 3 },
      { extra: 1, fast_period: 2, slow_period: 4 },
    ]);
  });

  it("checks params with the strategy's own schema", () => {
    const def = smaCrossover as StrategyDefinition<unknown>;
    expect(checkParams(def, { fast_period: 5 })).toEqual({
      ok: true,
      params: { fast_period: 5, slow_period: 50 },
    });
    const bad = checkParams(def, { fast_period: 60 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/fast_period: fast_period must be smaller than slow_period/);
    const unknown = checkParams(def, { fast: 5 });
    expect(!unknown.ok && unknown.message).toMatch(/fast/);
  });

  it('reads short names on the command line (`fast` for fast_period), and refuses unknown or doubled ones', () => {
    const def = smaCrossover as StrategyDefinition<unknown>;
    expect(paramNames(def)).toEqual(['fast_period', 'slow_period']);
    // The issue's own examples: --param fast=20 --param slow=50, --grid fast=5..50:5.
    expect(resolveParamNames(def, { fast: 20, slow: 50 }, '--param')).toEqual({
      fast_period: 20,
      slow_period: 50,
    });
    expect(resolveParamNames(def, { fast_period: 20 }, '--param')).toEqual({ fast_period: 20 });
    expect(resolveParamNames(def, { slow: [20, 30] }, '--grid')).toEqual({ slow_period: [20, 30] });
    expect(() => resolveParamNames(def, { fst: 1 }, '--param')).toThrow(
      new BacktestInputError(
        '--param fst: unknown param for sma_crossover; its params: fast_period, slow_period',
      ),
    );
    // A prefix must end at an underscore: `fast_p` is not a name of its own.
    expect(() => resolveParamNames(def, { fast_p: 1 }, '--param')).toThrow(/unknown param/);
    expect(() => resolveParamNames(def, { fast: 1, fast_period: 2 }, '--param')).toThrow(
      '--param fast_period is given twice: as fast and as fast_period',
    );
    // rsi_momentum has rsi_period: `rsi` resolves; `period` is nobody's prefix.
    const rsi = rsiMomentum as StrategyDefinition<unknown>;
    expect(resolveParamNames(rsi, { rsi: 10, sma: 30 }, '--param')).toEqual({
      rsi_period: 10,
      sma_period: 30,
    });
    expect(() => resolveParamNames(rsi, { period: 10 }, '--grid')).toThrow(/--grid period: unknown param/);
    // Two params share the start `slow_`: `slow` names neither.
    const two = {
      ...smaCrossover,
      paramsSchema: z.strictObject({ slow_period: z.number(), slow_ma: z.string() }),
    } as unknown as StrategyDefinition<unknown>;
    expect(() => resolveParamNames(two, { slow: 5 }, '--param')).toThrow(
      '--param slow: ambiguous param (slow_period or slow_ma) for sma_crossover; its params: slow_period, slow_ma',
    );
  });

  it('orders params deterministically', () => {
    const ps = [
      { a: 2, b: 1 },
      { a: 1, b: 3 },
      { a: 1, b: 2 },
    ];
    expect(ps.sort(compareParams)).toEqual([
      { a: 1, b: 2 },
      { a: 1, b: 3 },
      { a: 2, b: 1 },
    ]);
  });
});

describe('backtest settings', () => {
  it('defaults per mode: coinbase 1x spot, kraken 3x margin with shorts', () => {
    const lo = resolveSettings({ mode: 'long_only' });
    expect(lo.exchange).toBe('coinbase');
    expect(lo.config.risk).toMatchObject({ mode: 'spot', allowShort: false, leverage: 1 });
    expect(lo.config.fill).toMatchObject({ takerFeeBps: 60, slippageBps: 5 });
    const lev = resolveSettings({ mode: 'leveraged' });
    expect(lev.exchange).toBe('kraken');
    expect(lev.config.risk).toMatchObject({ mode: 'margin', allowShort: true, leverage: 3 });
    expect(lev.config.fill).toMatchObject({ takerFeeBps: 40, slippageBps: 5 });
    expect(lev.config.risk.sizing).toEqual({ kind: 'equity_fraction', fraction: 1 });
  });

  it('refuses contradictions with a clear error', () => {
    expect(() => resolveSettings({ mode: 'long_only', leverage: 2 })).toThrow(/leverage must be 1/);
    expect(() => resolveSettings({ mode: 'leveraged', exchange: 'coinbase' })).toThrow(/spot only/);
    expect(() => resolveSettings({ mode: 'leveraged', leverage: 4 })).toThrow(/between 1 and 3/);
    expect(() => resolveSettings({ mode: 'long_only', stopLoss: 2 })).toThrow(BacktestInputError);
    expect(() => resolveSettings({ mode: 'long_only', feeBps: -1 })).toThrow(BacktestInputError);
  });
});
