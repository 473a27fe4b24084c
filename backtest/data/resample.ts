import { type CandleColumns, copyColumns } from '../../core/candles.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Timeframes the runtime knows, in milliseconds. */
export const TIMEFRAMES = {
  '1m': MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '1h': HOUR,
  '4h': 4 * HOUR,
  '1d': 24 * HOUR,
} as const;

/** A timeframe name accepted by {@link parseTimeframe}. */
export type Timeframe = keyof typeof TIMEFRAMES;

/** True when `s` is a known timeframe name. */
export function isTimeframe(s: string): s is Timeframe {
  return Object.hasOwn(TIMEFRAMES, s);
}

/**
 * Converts a timeframe name (`1m`, `5m`, `15m`, `1h`, `4h`, `1d`) to milliseconds. Names are case-sensitive
 * (`1M` would read as a month elsewhere).
 *
 * @throws {RangeError} for any other string, listing the accepted names.
 */
export function parseTimeframe(tf: string): number {
  if (isTimeframe(tf)) return TIMEFRAMES[tf];
  throw new RangeError(
    `unknown timeframe ${JSON.stringify(tf)} (expected one of ${Object.keys(TIMEFRAMES).join(', ')})`,
  );
}

function checkMs(name: string, ms: number): void {
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new RangeError(`${name} must be a positive integer number of milliseconds, got ${ms}`);
  }
}

/**
 * Aggregates candles of timeframe `fromMs` into candles of timeframe `toMs`. Buckets are aligned to epoch
 * multiples of `toMs` (so `1d` buckets start at 00:00 UTC and `4h` buckets at 00:00, 04:00, ... UTC); each
 * output candle opens at its bucket start with open = first open, high = max high, low = min low,
 * close = last close, volume = sum of volumes.
 *
 * Missing input candles: a bucket is emitted from the candles that exist (a day with 20 of 24 hourly candles
 * still gives a daily candle, whose open/close are then those of the first/last existing hour), and a bucket
 * with no input candle at all is not emitted. Nothing is invented; run `detectGaps` on the input to know
 * where the holes are.
 *
 * The result is freshly allocated, exact-size columns. Input must be in strictly increasing time order (as
 * `parseCandlesCsv` guarantees).
 *
 * @throws {RangeError} when `fromMs`/`toMs` are not positive integers, `toMs` is not a multiple of `fromMs`, or
 * an input candle does not start on a `fromMs` boundary (it could then straddle two output buckets), or the input
 * is not in strictly increasing time order.
 */
export function resample(cols: CandleColumns, fromMs: number, toMs: number): CandleColumns {
  checkMs('fromMs', fromMs);
  checkMs('toMs', toMs);
  if (toMs % fromMs !== 0) {
    throw new RangeError(`toMs ${toMs} is not a multiple of fromMs ${fromMs}`);
  }
  const { ts, open, high, low, close, volume } = cols;
  const n = ts.length;
  // Upper bound on buckets: one per input candle, and no more than the span allows.
  const span = n === 0 ? 0 : Math.floor(ts[n - 1]! / toMs) - Math.floor(ts[0]! / toMs) + 1;
  const cap = Math.min(n, span);
  const oTs = new Float64Array(cap);
  const oOpen = new Float64Array(cap);
  const oHigh = new Float64Array(cap);
  const oLow = new Float64Array(cap);
  const oClose = new Float64Array(cap);
  const oVolume = new Float64Array(cap);

  let k = -1;
  let bucket = Number.NaN;
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    // Out-of-order input would reopen a closed bucket and overrun the size bound above.
    if (!(t > prev)) {
      throw new RangeError(`candle at ${t} (index ${i}) is not after the previous one ${prev}`);
    }
    prev = t;
    // `t - (t % fromMs)` would be wrong for negative t; the floor-based test works on both sides of 1970.
    if (Math.floor(t / fromMs) * fromMs !== t) {
      throw new RangeError(`candle at ${t} (index ${i}) is not aligned to fromMs ${fromMs}`);
    }
    const b = Math.floor(t / toMs) * toMs;
    if (b !== bucket) {
      k++;
      bucket = b;
      oTs[k] = b;
      oOpen[k] = open[i]!;
      oHigh[k] = high[i]!;
      oLow[k] = low[i]!;
      oClose[k] = close[i]!;
      oVolume[k] = volume[i]!;
    } else {
      const h = high[i]!;
      const l = low[i]!;
      if (h > oHigh[k]!) oHigh[k] = h;
      if (l < oLow[k]!) oLow[k] = l;
      oClose[k] = close[i]!;
      oVolume[k] = oVolume[k]! + volume[i]!;
    }
  }
  // Into columns of their own, trimmed: the bound over-estimates when buckets hold several candles or none.
  return copyColumns({ ts: oTs, open: oOpen, high: oHigh, low: oLow, close: oClose, volume: oVolume }, k + 1);
}
