/**
 * The production strategies: the only strategy code a live bot may load. Nothing here may import from
 * `strategies/development/` (a test walks the import graph).
 */
import type { StrategyDefinition } from '../types.js';
import { rsiMomentum } from './rsi_momentum.js';
import { sma3xShort } from './sma_3x_short.js';
import { smaCrossover } from './sma_crossover.js';

export const PRODUCTION_STRATEGIES: ReadonlyMap<string, StrategyDefinition<unknown>> = new Map(
  ([smaCrossover, rsiMomentum, sma3xShort] as StrategyDefinition<unknown>[]).map((s) => [s.name, s]),
);

export { rsiMomentum, sma3xShort, smaCrossover };
