/**
 * Bollinger bands: middle = SMA(period), upper/lower = middle +/- k * population standard deviation of the
 * same window.
 *
 * The middle band uses exactly the running sum of {@link sma}, so it is bit-identical to `sma(values,
 * period)`. The variance is kept as M2 = sum of squared deviations from the mean, slid in O(1) with the
 * Welford-style update `M2 += (x - old) * ((x - mean) + (old - prevMean))`, which avoids the catastrophic
 * cancellation of sum-of-squares minus squared mean at high price levels. A sliding update still carries an
 * absolute error of a few ulps of the largest M2 recently seen, and the square root turns that into a large
 * relative error once the window goes (nearly) flat after a volatile stretch. So M2 is recomputed exactly
 * (two-pass over the window, oldest to newest):
 * - once every `period` values, so rounding never accumulates over a long live run, and
 * - whenever M2 falls below {@link CANCELLATION_RATIO} of its peak since the last exact value, i.e. when the
 *   update has just cancelled most of its own magnitude.
 * That is amortised O(1) per value (O(period) on the bars that resync). The batch form resyncs on exactly the
 * same bars and sums in the same order, so batch and streaming are bit-identical.
 */
import { assertNonNegativeFinite, assertPeriod } from './validate.js';

/**
 * Resync threshold: after the sliding update, an M2 below this fraction of its recent peak is recomputed.
 * At 2^-10 the sliding error stays below ~period * 2^-42 of M2 (relative), and a resync is rare on real
 * prices (it needs the variance to fall ~1000x within one window).
 */
const CANCELLATION_RATIO = 2 ** -10;

/** Bollinger bands as columns, each the length of the input. */
export interface BollingerBands {
  readonly middle: Float64Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
}

/** The bands for one bar. */
export interface BollingerValue {
  readonly middle: number;
  readonly upper: number;
  readonly lower: number;
}

/**
 * Returns the index of the first defined Bollinger value (`period - 1`).
 *
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function bollingerWarmup(period: number): number {
  assertPeriod('Bollinger period', period);
  return period - 1;
}

/** Returns `acc` plus the squared deviations from `mean` of `w[from..to)`, summed in index order. */
function sumSquaredDeviations(w: Float64Array, from: number, to: number, mean: number, acc: number): number {
  let s = acc;
  for (let j = from; j < to; j++) {
    const d = w[j]! - mean;
    s = s + d * d;
  }
  return s;
}

/**
 * Computes Bollinger bands of `values` over `period` bars with `k` standard deviations.
 *
 * @returns Middle/upper/lower arrays of the input's length; `NaN` before index `period - 1`.
 * @throws RangeError if `period` is not an integer >= 1 or `k` is not a finite number >= 0.
 */
export function bollinger(values: Float64Array, period: number, k = 2): BollingerBands {
  assertPeriod('Bollinger period', period);
  assertNonNegativeFinite('Bollinger k', k);
  const n = values.length;
  const middle = new Float64Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const head = Math.min(period, n);
  let sum = 0;
  for (let i = 0; i < head; i++) {
    sum = sum + values[i]!;
    middle[i] = NaN;
    upper[i] = NaN;
    lower[i] = NaN;
  }
  if (n < period) return { middle, upper, lower };
  let mean = sum / period;
  let m2 = sumSquaredDeviations(values, 0, period, mean, 0);
  let peak = m2;
  let sd = Math.sqrt(m2 / period);
  middle[period - 1] = mean;
  upper[period - 1] = mean + sd * k;
  lower[period - 1] = mean - sd * k;
  // `slot` is the ring-buffer slot the streaming form writes value i into; it resyncs after slot period - 1.
  let slot = 0;
  for (let i = period; i < n; i++) {
    const x = values[i]!;
    const old = values[i - period]!;
    sum = sum - old + x;
    const prevMean = mean;
    mean = sum / period;
    let exact = slot === period - 1;
    if (!exact) {
      m2 = m2 + (x - old) * (x - mean + (old - prevMean));
      if (m2 < peak * CANCELLATION_RATIO) exact = true;
      else if (m2 > peak) peak = m2;
    }
    if (exact) {
      m2 = sumSquaredDeviations(values, i - period + 1, i + 1, mean, 0);
      peak = m2;
    }
    slot = slot === period - 1 ? 0 : slot + 1;
    sd = Math.sqrt(Math.max(m2, 0) / period);
    middle[i] = mean;
    upper[i] = mean + sd * k;
    lower[i] = mean - sd * k;
  }
  return { middle, upper, lower };
}

/**
 * Streaming Bollinger bands: amortised O(1) per value, bit-identical to {@link bollinger}.
 *
 * {@link BollingerStream.update} returns the stream itself as a read-only {@link BollingerValue} (no
 * allocation per bar); read or copy the fields before the next update.
 */
export class BollingerStream implements BollingerValue {
  readonly period: number;
  readonly k: number;
  /** Ring buffer of the window; `next` is the slot of the oldest value once full. */
  private readonly window: Float64Array;
  private next = 0;
  private filled = 0;
  private sum = 0;
  private mean = NaN;
  private m2 = 0;
  private peak = 0;
  private mid = NaN;
  private up = NaN;
  private low = NaN;

  /** @throws RangeError if `period` is not an integer >= 1 or `k` is not a finite number >= 0. */
  constructor(period: number, k = 2) {
    assertPeriod('Bollinger period', period);
    assertNonNegativeFinite('Bollinger k', k);
    this.period = period;
    this.k = k;
    this.window = new Float64Array(period);
  }

  /** Adds one value and returns the bands for that bar (all `NaN` during warm-up). */
  update(x: number): BollingerValue {
    const p = this.period;
    const w = this.window;
    const i = this.next;
    const wraps = i === p - 1;
    this.next = wraps ? 0 : i + 1;
    let exact = wraps;
    if (this.filled < p) {
      this.sum = this.sum + x;
      this.filled++;
      w[i] = x;
      // The window first fills on slot p - 1, so `exact` is set exactly then.
      if (!wraps) return this;
      this.mean = this.sum / p;
    } else {
      const old = w[i]!;
      this.sum = this.sum - old + x;
      w[i] = x;
      const prevMean = this.mean;
      this.mean = this.sum / p;
      if (!exact) {
        this.m2 = this.m2 + (x - old) * (x - this.mean + (old - prevMean));
        if (this.m2 < this.peak * CANCELLATION_RATIO) exact = true;
        else if (this.m2 > this.peak) this.peak = this.m2;
      }
    }
    const mean = this.mean;
    if (exact) {
      // Oldest to newest: slots next..p-1, then 0..next-1 (the batch form's order).
      const start = this.next;
      this.m2 = sumSquaredDeviations(w, 0, start, mean, sumSquaredDeviations(w, start, p, mean, 0));
      this.peak = this.m2;
    }
    const sd = Math.sqrt(Math.max(this.m2, 0) / p);
    this.mid = mean;
    this.up = mean + sd * this.k;
    this.low = mean - sd * this.k;
    return this;
  }

  /** The middle band (SMA) of the last bar (`NaN` before warm-up). */
  get middle(): number {
    return this.mid;
  }

  /** The upper band of the last bar (`NaN` before warm-up). */
  get upper(): number {
    return this.up;
  }

  /** The lower band of the last bar (`NaN` before warm-up). */
  get lower(): number {
    return this.low;
  }

  /** Whether a full window has been seen, i.e. the bands are defined. */
  get ready(): boolean {
    return this.filled === this.period;
  }
}
