import type { DecideContext, Decision } from '../types.js';

const HOLD: Decision = { target: null, reason: 'no cross' };
const WARMUP: Decision = { target: null, reason: 'warm-up' };

/**
 * The crossover rule shared by sma_crossover and sma_3x_short. A golden cross at t needs
 * fast <= slow at t-1 and fast > slow at t, with both averages defined at t-1 and t (NaN compares false,
 * so a warm-up bar can never produce a cross).
 */
export function crossoverDecision(ctx: DecideContext): Decision {
  const f0 = ctx.value('fast', 0);
  const s0 = ctx.value('slow', 0);
  const f1 = ctx.value('fast', 1);
  const s1 = ctx.value('slow', 1);
  if (Number.isNaN(f0) || Number.isNaN(s0) || Number.isNaN(f1) || Number.isNaN(s1)) return WARMUP;
  if (f1 <= s1 && f0 > s0) return { target: 'LONG', reason: 'golden cross' };
  if (f1 >= s1 && f0 < s0) {
    return ctx.allowShort
      ? { target: 'SHORT', reason: 'death cross' }
      : { target: 'FLAT', reason: 'death cross (long only)' };
  }
  return HOLD;
}
