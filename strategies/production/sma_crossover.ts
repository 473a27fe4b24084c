import { z } from 'zod';
import { defineStrategy } from '../types.js';
import { crossoverRule } from './crossover.js';

export const smaCrossoverParams = z
  .strictObject({
    fast_period: z.number().int().min(1).max(1000).default(20).describe('Fast SMA period in bars'),
    slow_period: z.number().int().min(2).max(5000).default(50).describe('Slow SMA period in bars'),
  })
  .refine((p) => p.fast_period < p.slow_period, {
    message: 'fast_period must be smaller than slow_period',
    path: ['fast_period'],
  });

export type SmaCrossoverParams = z.infer<typeof smaCrossoverParams>;

/**
 * SMA crossover, crossover-only: flat until the first cross seen after warm-up; a golden cross targets
 * LONG, a death cross targets SHORT (FLAT for a long-only bot); between crosses the target stays.
 */
export const smaCrossover = defineStrategy<SmaCrossoverParams>({
  name: 'sma_crossover',
  interfaceVersion: 1,
  description: 'SMA fast/slow crossover (20/50): long on a golden cross, flat or short on a death cross',
  paramsSchema: smaCrossoverParams,
  lookback: 1,
  indicators: (p) => ({
    fast: { kind: 'sma', source: 'close', period: p.fast_period },
    slow: { kind: 'sma', source: 'close', period: p.slow_period },
  }),
  rule: crossoverRule,
});
