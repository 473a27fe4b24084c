/**
 * Exponential moving average, alpha = 2 / (period + 1), seeded with the simple mean of the first `period`
 * values (so the value at index `period - 1` is that SMA, as in technicalindicators and TA-Lib).
 *
 * The step is written `(x - ema) * alpha + ema` (one multiply, as technicalindicators does) in both forms so
 * batch and streaming are bit-identical.
 */
import { assertPeriod } from './validate.js';

/**
 * Returns the index of the first defined EMA value (`period - 1`).
 *
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function emaWarmup(period: number): number {
  assertPeriod('EMA period', period);
  return period - 1;
}

/**
 * Computes the exponential moving average of `values`.
 *
 * @returns An array of the same length; `NaN` before index `period - 1`.
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function ema(values: Float64Array, period: number): Float64Array {
  assertPeriod('EMA period', period);
  const n = values.length;
  const out = new Float64Array(n);
  const alpha = 2 / (period + 1);
  const head = Math.min(period, n);
  let sum = 0;
  for (let i = 0; i < head; i++) {
    sum = sum + values[i]!;
    out[i] = NaN;
  }
  if (n < period) return out;
  let e = sum / period;
  out[period - 1] = e;
  for (let i = period; i < n; i++) {
    e = (values[i]! - e) * alpha + e;
    out[i] = e;
  }
  return out;
}

/** Streaming exponential moving average: O(1) per value, bit-identical to {@link ema}. */
export class EmaStream {
  readonly period: number;
  private readonly alpha: number;
  private seen = 0;
  private sum = 0;
  private current = NaN;

  /** @throws RangeError if `period` is not an integer >= 1. */
  constructor(period: number) {
    assertPeriod('EMA period', period);
    this.period = period;
    this.alpha = 2 / (period + 1);
  }

  /** Adds one value and returns the EMA for that bar (`NaN` during warm-up). */
  update(x: number): number {
    const p = this.period;
    if (this.seen >= p) {
      this.current = (x - this.current) * this.alpha + this.current;
    } else {
      this.sum = this.sum + x;
      this.seen++;
      if (this.seen === p) this.current = this.sum / p;
    }
    return this.current;
  }

  /** The value returned by the last {@link EmaStream.update} (`NaN` before warm-up). */
  get value(): number {
    return this.current;
  }

  /** Whether the seed window is complete, i.e. {@link EmaStream.value} is defined. */
  get ready(): boolean {
    return this.seen >= this.period;
  }
}
