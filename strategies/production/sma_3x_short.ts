import { z } from 'zod';
import { defineStrategy } from '../types.js';
import { crossoverDecision } from './crossover.js';

export const sma3xShortParams = z
  .strictObject({
    fast_period: z.number().int().min(1).max(1000).default(20).describe('Fast SMA period in bars'),
    slow_period: z.number().int().min(2).max(5000).default(50).describe('Slow SMA period in bars'),
  })
  .refine((p) => p.fast_period < p.slow_period, {
    message: 'fast_period must be smaller than slow_period',
    path: ['fast_period'],
  });

export type Sma3xShortParams = z.infer<typeof sma3xShortParams>;

/**
 * The Kraken bot's default: the SMA crossover rule taking both sides. Leverage (up to 3x) comes from the
 * bot's `trading.leverage`, so the strategy stays a pure signal.
 */
export const sma3xShort = defineStrategy<Sma3xShortParams>({
  name: 'sma_3x_short',
  interfaceVersion: 1,
  description: 'SMA 20/50 crossover taking longs and shorts, meant for a margin bot at up to 3x',
  paramsSchema: sma3xShortParams,
  lookback: 1,
  indicators: (p) => ({
    fast: { kind: 'sma', source: 'close', period: p.fast_period },
    slow: { kind: 'sma', source: 'close', period: p.slow_period },
  }),
  decide: (ctx) => crossoverDecision(ctx),
});
