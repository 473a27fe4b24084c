import { z } from 'zod';
import { defineStrategy } from '../types.js';

export const rsiMomentumParams = z
  .strictObject({
    rsi_period: z.number().int().min(2).max(500).default(14).describe('RSI period (Wilder smoothing)'),
    sma_period: z.number().int().min(1).max(1000).default(20).describe('Trend SMA period'),
    upper: z.number().gt(0).lt(100).default(60).describe('Go long while RSI is above this'),
    lower: z
      .number()
      .gt(0)
      .lt(100)
      .default(40)
      .describe('Go short (flat when long only) while RSI is below this'),
  })
  .refine((p) => p.lower < p.upper, { message: 'lower must be below upper', path: ['lower'] });

export type RsiMomentumParams = z.infer<typeof rsiMomentumParams>;

/** RSI momentum: LONG while RSI > upper and close > SMA; SHORT (or FLAT) while RSI < lower and close < SMA. */
export const rsiMomentum = defineStrategy<RsiMomentumParams>({
  name: 'rsi_momentum',
  interfaceVersion: 1,
  description: 'RSI 14 momentum with an SMA 20 trend filter, thresholds 60/40',
  paramsSchema: rsiMomentumParams,
  lookback: 0,
  indicators: (p) => ({
    rsi: { kind: 'rsi', source: 'close', period: p.rsi_period },
    sma: { kind: 'sma', source: 'close', period: p.sma_period },
  }),
  decide: (ctx, p) => {
    const rsi = ctx.value('rsi');
    const sma = ctx.value('sma');
    const close = ctx.price('close');
    if (Number.isNaN(rsi) || Number.isNaN(sma)) return { target: null, reason: 'warm-up' };
    if (rsi > p.upper && close > sma) return { target: 'LONG', reason: `RSI ${rsi.toFixed(1)} > ${p.upper}` };
    if (rsi < p.lower && close < sma) {
      return ctx.allowShort
        ? { target: 'SHORT', reason: `RSI ${rsi.toFixed(1)} < ${p.lower}` }
        : { target: 'FLAT', reason: `RSI ${rsi.toFixed(1)} < ${p.lower} (long only)` };
    }
    return { target: 'FLAT', reason: 'no momentum' };
  },
});
