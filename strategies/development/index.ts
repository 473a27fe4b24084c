/**
 * Development strategies: experiments. A live bot never loads these; a paper bot may, which is how a
 * strategy earns its paper-trading record before promotion. Loaded only through a dynamic import in
 * `strategies/registry.ts` so that production code has no static path to this folder.
 */
import type { StrategyDefinition } from '../types.js';
import { enhancedV2 } from './enhanced_v2.js';
import { breakout } from './experimental/breakout.js';
import { macdCross } from './experimental/macd_cross.js';

export const DEVELOPMENT_STRATEGIES: ReadonlyMap<string, StrategyDefinition<unknown>> = new Map(
  ([enhancedV2, breakout, macdCross] as StrategyDefinition<unknown>[]).map((s) => [s.name, s]),
);
