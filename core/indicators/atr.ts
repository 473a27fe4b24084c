/**
 * Average true range with Wilder's smoothing.
 *
 * Convention (that of technicalindicators and TA-Lib): a true range needs the previous close, so the first
 * true range is at bar 1 and bar 0's high - low is not used. The first ATR is the simple mean of the true
 * ranges of bars 1..period, at index `period`; after that `atr = (atr * (period - 1) + tr) / period`.
 * (technicalindicators writes that step as `(tr - atr) / period + atr`; equal up to rounding.)
 *
 * Both forms use the same expressions in the same order, so batch and streaming are bit-identical.
 */
import { assertPeriod } from './validate.js';

/**
 * Returns the index of the first defined ATR value (`period`).
 *
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function atrWarmup(period: number): number {
  assertPeriod('ATR period', period);
  return period;
}

/** Returns the true range of a bar given the previous bar's close. */
function trueRange(high: number, low: number, prevClose: number): number {
  // Math.max (not comparisons) so a NaN input propagates instead of being silently skipped.
  return Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose));
}

/**
 * Computes the ATR over `period` bars from high, low and close columns of equal length.
 *
 * @returns An array of the same length; `NaN` before index `period`.
 * @throws RangeError if `period` is not an integer >= 1 or the columns differ in length.
 */
export function atr(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
): Float64Array {
  assertPeriod('ATR period', period);
  const n = close.length;
  if (high.length !== n || low.length !== n) {
    throw new RangeError(
      `ATR columns must have equal length, got high=${high.length} low=${low.length} close=${close.length}`,
    );
  }
  const out = new Float64Array(n);
  const pm1 = period - 1;
  const head = Math.min(period, n);
  let sum = 0;
  if (n > 0) out[0] = NaN;
  for (let i = 1; i < head; i++) {
    sum = sum + trueRange(high[i]!, low[i]!, close[i - 1]!);
    out[i] = NaN;
  }
  if (n <= period) return out;
  sum = sum + trueRange(high[period]!, low[period]!, close[period - 1]!);
  let a = sum / period;
  out[period] = a;
  for (let i = period + 1; i < n; i++) {
    a = (a * pm1 + trueRange(high[i]!, low[i]!, close[i - 1]!)) / period;
    out[i] = a;
  }
  return out;
}

/** Streaming ATR: O(1) per bar, bit-identical to {@link atr}. */
export class AtrStream {
  readonly period: number;
  /** Bars seen so far, capped at `period + 1` once warm. */
  private seen = 0;
  private prevClose = NaN;
  private sum = 0;
  private current = NaN;

  /** @throws RangeError if `period` is not an integer >= 1. */
  constructor(period: number) {
    assertPeriod('ATR period', period);
    this.period = period;
  }

  /** Adds one closed bar and returns the ATR for it (`NaN` during warm-up). */
  update(high: number, low: number, close: number): number {
    const p = this.period;
    const seen = this.seen;
    if (seen === 0) {
      this.prevClose = close;
      this.seen = 1;
      return this.current;
    }
    const tr = trueRange(high, low, this.prevClose);
    this.prevClose = close;
    if (seen > p) {
      this.current = (this.current * (p - 1) + tr) / p;
    } else {
      this.sum = this.sum + tr;
      this.seen = seen + 1;
      if (seen === p) this.current = this.sum / p;
    }
    return this.current;
  }

  /** The value returned by the last {@link AtrStream.update} (`NaN` before warm-up). */
  get value(): number {
    return this.current;
  }

  /** Whether {@link AtrStream.value} is defined (`period + 1` bars seen). */
  get ready(): boolean {
    return this.seen > this.period;
  }
}
