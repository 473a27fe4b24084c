import { z } from 'zod';
import { defineStrategy } from '../../types.js';

export const macdCrossParams = z
  .strictObject({
    fast: z.number().int().min(1).max(500).default(12).describe('Fast EMA period'),
    slow: z.number().int().min(2).max(1000).default(26).describe('Slow EMA period'),
    signal: z.number().int().min(1).max(500).default(9).describe('Signal EMA period'),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be smaller than slow', path: ['fast'] });

export type MacdCrossParams = z.infer<typeof macdCrossParams>;

/** MACD histogram sign change: above zero targets LONG, below zero SHORT (FLAT when long only). */
export const macdCross = defineStrategy<MacdCrossParams>({
  name: 'macd_cross',
  interfaceVersion: 1,
  description: 'MACD 12/26/9 histogram crossing zero',
  paramsSchema: macdCrossParams,
  lookback: 1,
  indicators: (p) => ({
    hist: { kind: 'macd', line: 'histogram', source: 'close', fast: p.fast, slow: p.slow, signal: p.signal },
  }),
  decide: (ctx) => {
    const h0 = ctx.value('hist');
    const h1 = ctx.value('hist', 1);
    if (Number.isNaN(h0) || Number.isNaN(h1)) return { target: null, reason: 'warm-up' };
    if (h1 <= 0 && h0 > 0) return { target: 'LONG', reason: 'MACD histogram crossed above zero' };
    if (h1 >= 0 && h0 < 0) {
      return ctx.allowShort
        ? { target: 'SHORT', reason: 'MACD histogram crossed below zero' }
        : { target: 'FLAT', reason: 'MACD histogram crossed below zero (long only)' };
    }
    return { target: null, reason: 'no cross' };
  },
});
