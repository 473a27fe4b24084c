/**
 * Candle columns in shared memory, so a worker pool reads the same memory the main thread loaded: nothing is
 * copied or serialised per task, and each worker builds its column views once. Columns made by the core's
 * `allocateColumns` (the CSV loader, resampling, the bench's data) already live in one SharedArrayBuffer and
 * are shared as they are, slices included; anything else is copied once.
 */
import { CANDLE_FIELDS, type CandleColumns, copyColumns } from '../core/index.js';

/** Where six candle columns lie in a shared buffer. Structured-clones without copying. */
export interface SharedCandles {
  readonly buffer: SharedArrayBuffer;
  /** Candles per column. */
  readonly length: number;
  /** Byte offset of each column, in the order ts, open, high, low, close, volume. */
  readonly offsets: readonly number[];
}

/** The columns as {@link SharedCandles}: in place when they share one SharedArrayBuffer, else a copy. */
export function shareColumns(c: CandleColumns): SharedCandles {
  const buffer = c.ts.buffer;
  const inPlace =
    buffer instanceof SharedArrayBuffer &&
    CANDLE_FIELDS.every((f) => c[f].buffer === buffer && c[f].length === c.ts.length);
  const shared = inPlace ? c : copyColumns(c, c.ts.length);
  return {
    buffer: shared.ts.buffer as SharedArrayBuffer,
    length: shared.ts.length,
    offsets: CANDLE_FIELDS.map((f) => shared[f].byteOffset),
  };
}

/** Returns column views over a shared buffer (no copy). */
export function sharedColumns(s: SharedCandles): CandleColumns {
  const col = (k: number) => new Float64Array(s.buffer, s.offsets[k], s.length);
  return { ts: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}
