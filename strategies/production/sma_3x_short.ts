import { defineStrategy } from '../types.js';
import { crossoverRule } from './crossover.js';
import { type SmaCrossoverParams, smaCrossover, smaCrossoverParams } from './sma_crossover.js';

export const sma3xShortParams = smaCrossoverParams;
export type Sma3xShortParams = SmaCrossoverParams;

/**
 * The Kraken bot's default: the SMA crossover rule taking both sides (same params and indicators as
 * sma_crossover). Leverage (up to 3x) comes from the bot's `trading.leverage`, so the strategy stays a pure
 * signal; shorts come from the bot allowing them.
 */
export const sma3xShort = defineStrategy<Sma3xShortParams>({
  name: 'sma_3x_short',
  interfaceVersion: 1,
  description: 'SMA 20/50 crossover taking longs and shorts, meant for a margin bot at up to 3x',
  paramsSchema: sma3xShortParams,
  lookback: 1,
  indicators: smaCrossover.indicators,
  rule: crossoverRule,
});
