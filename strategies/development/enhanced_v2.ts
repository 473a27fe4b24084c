import { z } from 'zod';
import { defineStrategy } from '../types.js';

export const enhancedV2Params = z
  .strictObject({
    fast_period: z.number().int().min(1).max(1000).default(20).describe('Fast SMA period'),
    slow_period: z.number().int().min(2).max(5000).default(50).describe('Slow SMA period'),
    rsi_period: z.number().int().min(2).max(500).default(14).describe('RSI period'),
    rsi_overbought: z.number().gt(50).lt(100).default(70).describe('Skip longs when RSI is above this'),
    rsi_oversold: z.number().gt(0).lt(50).default(30).describe('Skip shorts when RSI is below this'),
    slope_bars: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(5)
      .describe('Bars over which the slow SMA slope is read'),
  })
  .refine((p) => p.fast_period < p.slow_period, {
    message: 'fast_period must be smaller than slow_period',
    path: ['fast_period'],
  });

export type EnhancedV2Params = z.infer<typeof enhancedV2Params>;

/**
 * SMA crossover with two filters: a cross is taken only when RSI leaves room to move (not overbought for a
 * long, not oversold for a short) and the slow SMA slopes the same way over `slope_bars`. A filtered cross
 * changes nothing; a death cross always leaves a long (FLAT), so the filters never keep a losing side.
 */
export const enhancedV2 = defineStrategy<EnhancedV2Params>({
  name: 'enhanced_v2',
  interfaceVersion: 1,
  description: 'SMA 20/50 crossover filtered by RSI 14 (70/30) and the slow SMA slope',
  paramsSchema: enhancedV2Params,
  lookback: 50, // reads the slow SMA up to slope_bars (max 50) back
  indicators: (p) => ({
    fast: { kind: 'sma', source: 'close', period: p.fast_period },
    slow: { kind: 'sma', source: 'close', period: p.slow_period },
    rsi: { kind: 'rsi', source: 'close', period: p.rsi_period },
  }),
  decide: (ctx, p) => {
    const f0 = ctx.value('fast');
    const s0 = ctx.value('slow');
    const f1 = ctx.value('fast', 1);
    const s1 = ctx.value('slow', 1);
    const sPast = ctx.value('slow', p.slope_bars);
    const r = ctx.value('rsi');
    if ([f0, s0, f1, s1, sPast, r].some(Number.isNaN)) return { target: null, reason: 'warm-up' };
    const rising = s0 > sPast;
    if (f1 <= s1 && f0 > s0) {
      if (r >= p.rsi_overbought) return { target: null, reason: 'golden cross skipped: RSI overbought' };
      if (!rising) return { target: 'FLAT', reason: 'golden cross against a falling trend: stay flat' };
      return { target: 'LONG', reason: 'golden cross, RSI and trend agree' };
    }
    if (f1 >= s1 && f0 < s0) {
      if (!ctx.allowShort) return { target: 'FLAT', reason: 'death cross (long only)' };
      if (r <= p.rsi_oversold || rising)
        return { target: 'FLAT', reason: 'death cross, short filtered: flat' };
      return { target: 'SHORT', reason: 'death cross, RSI and trend agree' };
    }
    return { target: null, reason: 'no cross' };
  },
});
