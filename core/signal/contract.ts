/**
 * The strategy contract (interface version 1).
 *
 * A strategy is a named module with a zod schema for its params, the indicators it needs, and a pure
 * `decide` function. `decide` sees only closed candles up to and including bar t, through a context that
 * cannot index past t, and returns a target position or "no change". The same definition runs in the
 * backtester (indicators computed in batch over Float64Arrays) and in live/paper bots (streaming
 * indicators updated once per closed candle); both feed `decide` identical numbers.
 */
import type { z } from 'zod';
import { checkRule, ruleDecide } from './rule.js';

export { PRICE_SOURCES } from './sources.js';

export const STRATEGY_INTERFACE_VERSION = 1;

/** What a strategy asks the engine to compute. Every indicator reads closed candles only. */
export type IndicatorSpec =
  | { readonly kind: 'sma'; readonly source: PriceSource; readonly period: number }
  | { readonly kind: 'ema'; readonly source: PriceSource; readonly period: number }
  | { readonly kind: 'rsi'; readonly source: PriceSource; readonly period: number }
  | { readonly kind: 'atr'; readonly period: number }
  | {
      readonly kind: 'bollinger';
      readonly band: 'upper' | 'middle' | 'lower';
      readonly source: PriceSource;
      readonly period: number;
      readonly k: number;
    }
  | {
      readonly kind: 'macd';
      readonly line: 'macd' | 'signal' | 'histogram';
      readonly source: PriceSource;
      readonly fast: number;
      readonly slow: number;
      readonly signal: number;
    }
  /** Highest high / lowest low (or close) of the previous `period` bars, excluding the current bar. */
  | { readonly kind: 'highest' | 'lowest'; readonly source: PriceSource; readonly period: number };

export type PriceSource = 'open' | 'high' | 'low' | 'close' | 'volume';

/** A target position, or `null` for "no change: keep the previous target". */
export type StrategyTarget = 'LONG' | 'SHORT' | 'FLAT';

export interface Decision {
  readonly target: StrategyTarget | null;
  readonly reason: string;
}

/** What `decide` may read at bar t. `back` counts bars into the past (0 = bar t); never the future. */
export interface DecideContext {
  /** Index of the current bar in the run (0-based); bars after it do not exist for the strategy. */
  readonly t: number;
  /** Indicator value `back` bars before t (NaN during warm-up or before the first bar). */
  value(name: string, back?: number): number;
  /** Candle field `back` bars before t (NaN before the first bar). */
  price(source: PriceSource, back?: number): number;
  /** Whether the bot may hold a short (false for long-only bots). */
  readonly allowShort: boolean;
}

/** A price read by a window rule (a bare string input is an indicator name). */
export interface PriceInput {
  readonly price: PriceSource;
}

/**
 * A strategy's decision written as a rule over a small window of numbers instead of a `decide` function: the
 * fast form for the backtester and sweeps, where `decide` through a context costs more than everything else
 * in a run. The engine fills the window for bar t and `pick` returns which of `outcomes` applies.
 *
 * No lookahead by construction: the window holds only bars t-lookback..t, filled by the engine. In the
 * window, `w[back * inputs.length + k]` is input k read `back` bars before t (`back` 0..lookback), NaN during
 * warm-up and before the first bar. So with `inputs: ['fast', 'slow']` and lookback 1: `w[0]` is fast at t,
 * `w[1]` slow at t, `w[2]` fast at t-1, `w[3]` slow at t-1.
 *
 * A SHORT outcome reaches a bot that may not short as FLAT, its reason suffixed with " (long only)".
 * `defineStrategy` derives the strategy's `decide` from the rule, and live bots run that: one rule, one set
 * of decisions, whichever path evaluates it.
 */
export interface WindowRule<P = unknown> {
  /** Indicator names (keys of `indicators`) and prices, in window order. */
  readonly inputs: readonly (string | PriceInput)[];
  /** Every decision the rule can take; `pick` returns an index into it. */
  readonly outcomes: readonly Decision[];
  /** Pure: the index of the outcome at bar t. Must not keep the window or any state between calls. */
  pick(w: Float64Array, params: P): number;
}

export interface StrategyDefinition<P = Record<string, unknown>> {
  readonly name: string;
  readonly interfaceVersion: typeof STRATEGY_INTERFACE_VERSION;
  readonly description: string;
  /** Params schema; unknown keys are errors and every field has a default. */
  readonly paramsSchema: z.ZodType<P>;
  /** The indicators to compute, by the name `decide` reads them with. */
  indicators(params: P): Readonly<Record<string, IndicatorSpec>>;
  /** How many bars of history `decide` reads beyond bar t (1 for a cross of t-1 and t). */
  readonly lookback: number;
  /** Pure decision at bar t. Must not keep state between calls. Derived from `rule` when there is one. */
  decide(ctx: DecideContext, params: P): Decision;
  /** The same decisions as a window rule, which the backtester runs instead of `decide` (see `WindowRule`). */
  readonly rule?: WindowRule<P>;
}

/** What a strategy module declares: either a `decide` function or a window `rule`, not both. */
export type StrategySpec<P> = Omit<StrategyDefinition<P>, 'decide' | 'rule'> &
  (
    | { decide(ctx: DecideContext, params: P): Decision; readonly rule?: undefined }
    | { readonly rule: WindowRule<P>; readonly decide?: undefined }
  );

/**
 * Declares a strategy, keeping the generic params type. A strategy given as a window rule gets its `decide`
 * derived from the rule.
 *
 * @throws TypeError when the rule is malformed (no inputs, no outcomes, an outcome that is not a decision) or
 *   comes with a `decide` as well.
 */
export function defineStrategy<P>(spec: StrategySpec<P>): StrategyDefinition<P> {
  if (spec.rule === undefined) return spec as StrategyDefinition<P>;
  // (The types already forbid both; a plain-JS module or a cast can still pass them.)
  if ((spec as { decide?: unknown }).decide !== undefined) {
    throw new TypeError(`strategy ${spec.name}: give either decide or rule, not both`);
  }
  const rule = checkRule(spec.name, spec.rule);
  return { ...spec, rule, decide: ruleDecide(spec.name, rule, spec.lookback) };
}

export const NO_CHANGE_WARMUP: Decision = { target: null, reason: 'warm-up' };
