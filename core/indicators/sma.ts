/**
 * Simple moving average.
 *
 * Both forms keep a running sum (add the new value, subtract the one leaving the window) rather than summing
 * the window afresh: O(1) per value. A running sum can drift from a fresh sum by a few ulps of the largest
 * sum seen; that is far below any trading threshold, and what matters here is that the batch and streaming
 * forms do the same additions in the same order, so they are bit-identical. The first window is summed as
 * `((0 + x0) + x1) + ...` and every later step as `(sum - leaving) + entering`.
 */
import { assertPeriod } from './validate.js';

/**
 * Returns the index of the first defined SMA value (`period - 1`).
 *
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function smaWarmup(period: number): number {
  assertPeriod('SMA period', period);
  return period - 1;
}

/**
 * Computes the simple moving average of `values` over `period` bars.
 *
 * @returns An array of the same length; `NaN` before index `period - 1`.
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function sma(values: Float64Array, period: number): Float64Array {
  assertPeriod('SMA period', period);
  const n = values.length;
  const out = new Float64Array(n);
  const head = Math.min(period, n);
  let sum = 0;
  for (let i = 0; i < head; i++) {
    sum = sum + values[i]!;
    out[i] = NaN;
  }
  if (n >= period) out[period - 1] = sum / period;
  for (let i = period; i < n; i++) {
    sum = sum - values[i - period]! + values[i]!;
    out[i] = sum / period;
  }
  return out;
}

/** Streaming simple moving average: O(1) per value, bit-identical to {@link sma}. */
export class SmaStream {
  readonly period: number;
  private readonly window: Float64Array;
  private next = 0;
  private filled = 0;
  private sum = 0;
  private current = NaN;

  /** @throws RangeError if `period` is not an integer >= 1. */
  constructor(period: number) {
    assertPeriod('SMA period', period);
    this.period = period;
    this.window = new Float64Array(period);
  }

  /** Adds one value and returns the SMA for that bar (`NaN` during warm-up). */
  update(x: number): number {
    const p = this.period;
    const i = this.next;
    if (this.filled < p) {
      this.sum = this.sum + x;
      this.filled++;
    } else {
      this.sum = this.sum - this.window[i]! + x;
    }
    this.window[i] = x;
    this.next = i + 1 === p ? 0 : i + 1;
    this.current = this.filled === p ? this.sum / p : NaN;
    return this.current;
  }

  /** The value returned by the last {@link SmaStream.update} (`NaN` before warm-up). */
  get value(): number {
    return this.current;
  }

  /** Whether a full window has been seen, i.e. {@link SmaStream.value} is defined. */
  get ready(): boolean {
    return this.filled === this.period;
  }
}
