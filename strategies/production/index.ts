/**
 * The production strategies: the only strategy code a live bot may load. Nothing here may import from
 * `strategies/development/` (a test walks the import graph).
 */
import type { StrategyDefinition } from '../types.js';
import { rsiMomentum } from './rsi_momentum.js';
import { sma3xShort } from './sma_3x_short.js';
import { smaCrossover } from './sma_crossover.js';

const BUILT_IN = [smaCrossover, rsiMomentum, sma3xShort] as StrategyDefinition<unknown>[];

// Strategies let in by `dualbot promote`: it regenerates the lines between the markers (imports sorted by
// module, then the list) and touches nothing else in this file (backtest/promotion/registry-file.ts).
// promoted:start
const PROMOTED = [] as StrategyDefinition<unknown>[];
// promoted:end

export const PRODUCTION_STRATEGIES: ReadonlyMap<string, StrategyDefinition<unknown>> = new Map(
  [...BUILT_IN, ...PROMOTED].map((s) => [s.name, s]),
);

export { rsiMomentum, sma3xShort, smaCrossover };
