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
  /** Pure decision at bar t. Must not keep state between calls. */
  decide(ctx: DecideContext, params: P): Decision;
}

/** Helper that keeps the generic params type when declaring a strategy. */
export function defineStrategy<P>(def: StrategyDefinition<P>): StrategyDefinition<P> {
  return def;
}

export const NO_CHANGE_WARMUP: Decision = { target: null, reason: 'warm-up' };
