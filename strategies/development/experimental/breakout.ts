import { z } from 'zod';
import { defineStrategy } from '../../types.js';

export const breakoutParams = z.strictObject({
  lookback_bars: z.number().int().min(2).max(1000).default(30).describe('Bars in the breakout window'),
});

export type BreakoutParams = z.infer<typeof breakoutParams>;

/** Breakout: close above the highest close of the previous N bars targets LONG, below the lowest SHORT. */
export const breakout = defineStrategy<BreakoutParams>({
  name: 'breakout',
  interfaceVersion: 1,
  description: 'Close breaks the previous 30 closes: long above the high, short (flat when long only) below',
  paramsSchema: breakoutParams,
  lookback: 0,
  indicators: (p) => ({
    hi: { kind: 'highest', source: 'close', period: p.lookback_bars },
    lo: { kind: 'lowest', source: 'close', period: p.lookback_bars },
  }),
  decide: (ctx) => {
    const hi = ctx.value('hi');
    const lo = ctx.value('lo');
    const close = ctx.price('close');
    if (Number.isNaN(hi) || Number.isNaN(lo)) return { target: null, reason: 'warm-up' };
    if (close > hi) return { target: 'LONG', reason: 'breakout above range' };
    if (close < lo) {
      return ctx.allowShort
        ? { target: 'SHORT', reason: 'breakdown below range' }
        : { target: 'FLAT', reason: 'breakdown below range (long only)' };
    }
    return { target: 'FLAT', reason: 'inside range' };
  },
});
