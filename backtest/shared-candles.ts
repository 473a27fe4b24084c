/**
 * Candle columns in one SharedArrayBuffer, so a worker pool reads the same memory the main thread loaded:
 * nothing is copied or serialised per task, and each worker builds its column views once.
 */
import type { CandleColumns } from '../core/index.js';

const FIELDS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Candles as one shared buffer of 6 consecutive Float64 columns. Structured-clones without copying. */
export interface SharedCandles {
  readonly buffer: SharedArrayBuffer;
  /** Candles per column. */
  readonly length: number;
}

/** A zeroed shared buffer for `n` candles, to fill with {@link fillShared}. */
export function allocateShared(n: number): SharedCandles {
  return { buffer: new SharedArrayBuffer(FIELDS.length * n * Float64Array.BYTES_PER_ELEMENT), length: n };
}

/** Copies columns into a shared buffer made for as many candles. */
export function fillShared(s: SharedCandles, c: CandleColumns): void {
  if (c.ts.length !== s.length) throw new RangeError(`${c.ts.length} candles for a buffer of ${s.length}`);
  const cols = sharedColumns(s);
  for (const f of FIELDS) cols[f].set(c[f]);
}

/** Returns column views over a shared buffer (no copy). */
export function sharedColumns(s: SharedCandles): CandleColumns {
  const n = s.length;
  const col = (k: number) => new Float64Array(s.buffer, k * n * Float64Array.BYTES_PER_ELEMENT, n);
  return { ts: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}
