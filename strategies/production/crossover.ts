import type { WindowRule } from '../types.js';

/**
 * The crossover rule shared by sma_crossover and sma_3x_short, over the indicators `fast` and `slow` at t and
 * t-1 (lookback 1). A golden cross at t needs fast <= slow at t-1 and fast > slow at t, with both averages
 * defined at t-1 and t, so a warm-up bar can never produce a cross. A death cross targets SHORT, which a
 * long-only bot receives as FLAT ("death cross (long only)").
 */
export const crossoverRule: WindowRule = {
  inputs: ['fast', 'slow'],
  outcomes: [
    { target: null, reason: 'warm-up' },
    { target: null, reason: 'no cross' },
    { target: 'LONG', reason: 'golden cross' },
    { target: 'SHORT', reason: 'death cross' },
  ],
  pick(w) {
    // w: fast and slow at t, then fast and slow at t-1.
    const f0 = w[0]!;
    const s0 = w[1]!;
    const f1 = w[2]!;
    const s1 = w[3]!;
    if (Number.isNaN(f0) || Number.isNaN(s0) || Number.isNaN(f1) || Number.isNaN(s1)) return 0;
    if (f1 <= s1 && f0 > s0) return 2;
    if (f1 >= s1 && f0 < s0) return 3;
    return 1;
  },
};
