import { fc } from '@fast-check/vitest';
import { type Candle, columnsFrom } from '../../core/candles.js';

/** Random but valid hourly OHLCV candles (1 to `maxLength` of them): a multiplicative random walk. */
export const candlesArb = (maxLength = 400) =>
  fc.array(fc.double({ min: -0.08, max: 0.08, noNaN: true }), { minLength: 1, maxLength }).map((rets) => {
    let p = 100;
    const out: Candle[] = [];
    rets.forEach((r, i) => {
      const open = p;
      p = Math.max(0.01, p * (1 + r));
      out.push({
        ts: i * 3_600_000,
        open,
        high: Math.max(open, p) * 1.005,
        low: Math.min(open, p) * 0.995,
        close: p,
        volume: 1 + i,
      });
    });
    return columnsFrom(out);
  });
