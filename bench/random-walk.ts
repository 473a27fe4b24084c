/**
 * Deterministic synthetic candles for benchmarks and tests: a seeded PRNG (mulberry32) and an hourly
 * random walk with valid OHLC, the same on every machine.
 */
import { allocateColumns, type CandleColumns } from '../core/candles.js';

const HOUR = 3_600_000;

/** Mulberry32: a tiny seeded PRNG, so every run benchmarks the same candles. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hourly random-walk candles with valid OHLC (log-normal steps, about 1% per bar). */
export function randomWalk(n: number, seed: number): CandleColumns {
  const rnd = prng(seed);
  const c = allocateColumns(n);
  let price = 100;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open * Math.exp((rnd() - 0.5) * 0.02);
    c.ts[i] = 1_500_000_000_000 + i * HOUR;
    c.open[i] = open;
    c.close[i] = close;
    c.high[i] = Math.max(open, close) * (1 + rnd() * 0.005);
    c.low[i] = Math.min(open, close) * (1 - rnd() * 0.005);
    c.volume[i] = 1 + rnd() * 100;
    price = close * Math.exp((rnd() - 0.5) * 0.002);
  }
  return c;
}
