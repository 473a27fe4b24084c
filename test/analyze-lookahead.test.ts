import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { analyzeLookahead } from '../backtest/analyze-lookahead.js';
import { loadCandlesFile } from '../backtest/data/index.js';
import type { CandleColumns } from '../core/index.js';
import { DECISION } from '../core/signal/index.js';
import { breakout } from '../strategies/development/experimental/breakout.js';
import { ROOT } from './helpers/cli.js';

// Simulates a buggy indicator: `highest` computed over the *next* bars instead of the previous ones (a
// centred or shifted window is the classic way a backtest sees the future). Every other kind is untouched.
vi.mock('../core/signal/indicators.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../core/signal/indicators.js')>();
  return {
    ...real,
    computeIndicator: (spec: Parameters<typeof real.computeIndicator>[0], c: CandleColumns) => {
      if (spec.kind !== 'highest') return real.computeIndicator(spec, c);
      const src = c[spec.source];
      const out = new Float64Array(src.length).fill(Number.NaN);
      for (let i = 0; i + spec.period < src.length; i++) {
        let m = Number.NEGATIVE_INFINITY;
        for (let k = 1; k <= spec.period; k++) m = Math.max(m, src[i + k]!);
        out[i] = m;
      }
      return out;
    },
  };
});

describe('analyze lookahead: a leaking indicator', () => {
  it('reports the decisions that change when future bars are removed, with bar, time and both decisions', async () => {
    const { candles } = await loadCandlesFile(path.join(ROOT, 'data', 'binance_BTC-USDT_1d.csv'));
    const r = analyzeLookahead(breakout, { lookback_bars: 5 }, candles, {
      cuts: 20,
      tail: 10,
      allowShort: [true],
    });
    expect(r.count).toBeGreaterThan(0);
    for (const v of r.violations) {
      // Only the last `period` bars before a cut can see past it.
      expect(v.bar).toBeLessThanOrEqual(v.cut);
      expect(v.bar).toBeGreaterThan(v.cut - 5);
      expect(v.ts).toBe(candles.ts[v.bar]);
      expect(v.truncated).not.toBe(v.full);
      expect(Object.values(DECISION)).toContain(v.full);
    }
  });
});
