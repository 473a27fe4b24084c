/**
 * Relative strength index with Wilder's smoothing.
 *
 * The first average gain/loss is the simple mean of the first `period` changes, so the first RSI is at index
 * `period`; after that `avg = (avg * (period - 1) + current) / period`. RSI = 100 - 100 / (1 + avgGain /
 * avgLoss), and 100 when avgLoss is 0 -- including a perfectly flat window where both averages are 0. That
 * matches technicalindicators (it tests avgLoss === 0 first); some libraries give 50 or 0 there instead.
 *
 * Unlike technicalindicators the result is not rounded to two decimals. Both forms share {@link rsiFrom} and
 * do the same additions in the same order, so batch and streaming are bit-identical.
 */
import { assertPeriod } from './validate.js';

/**
 * Returns the index of the first defined RSI value (`period`): it needs `period` changes, i.e. `period + 1`
 * values.
 *
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function rsiWarmup(period: number): number {
  assertPeriod('RSI period', period);
  return period;
}

/** Maps Wilder averages to RSI; 100 whenever there is no average loss (see the module comment). */
function rsiFrom(avgGain: number, avgLoss: number): number {
  return avgLoss === 0 ? 100 : 100 - 100 / (1 + avgGain / avgLoss);
}

/**
 * Computes the RSI of `values` over `period` changes.
 *
 * @returns An array of the same length; `NaN` before index `period`.
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function rsi(values: Float64Array, period: number): Float64Array {
  assertPeriod('RSI period', period);
  const n = values.length;
  const out = new Float64Array(n);
  const pm1 = period - 1;
  const head = Math.min(period, n);
  let gainSum = 0;
  let lossSum = 0;
  if (n > 0) out[0] = NaN;
  // Changes 1..period-1 are only summed; change `period` completes the seed.
  for (let i = 1; i < head; i++) {
    const d = values[i]! - values[i - 1]!;
    gainSum = gainSum + Math.max(d, 0);
    lossSum = lossSum + Math.max(-d, 0);
    out[i] = NaN;
  }
  if (n <= period) return out;
  const d0 = values[period]! - values[period - 1]!;
  gainSum = gainSum + Math.max(d0, 0);
  lossSum = lossSum + Math.max(-d0, 0);
  let avgGain = gainSum / period;
  let avgLoss = lossSum / period;
  out[period] = rsiFrom(avgGain, avgLoss);
  for (let i = period + 1; i < n; i++) {
    const d = values[i]! - values[i - 1]!;
    avgGain = (avgGain * pm1 + Math.max(d, 0)) / period;
    avgLoss = (avgLoss * pm1 + Math.max(-d, 0)) / period;
    out[i] = rsiFrom(avgGain, avgLoss);
  }
  return out;
}

/** Streaming RSI: O(1) per value, bit-identical to {@link rsi}. */
export class RsiStream {
  readonly period: number;
  /** Values seen so far, capped at `period + 1` once warm. */
  private seen = 0;
  private prev = NaN;
  private gainSum = 0;
  private lossSum = 0;
  private avgGain = NaN;
  private avgLoss = NaN;
  private current = NaN;

  /** @throws RangeError if `period` is not an integer >= 1. */
  constructor(period: number) {
    assertPeriod('RSI period', period);
    this.period = period;
  }

  /** Adds one value and returns the RSI for that bar (`NaN` during warm-up). */
  update(x: number): number {
    const p = this.period;
    const seen = this.seen;
    if (seen === 0) {
      this.prev = x;
      this.seen = 1;
      return this.current;
    }
    const d = x - this.prev;
    this.prev = x;
    const gain = Math.max(d, 0);
    const loss = Math.max(-d, 0);
    if (seen > p) {
      this.avgGain = (this.avgGain * (p - 1) + gain) / p;
      this.avgLoss = (this.avgLoss * (p - 1) + loss) / p;
      this.current = rsiFrom(this.avgGain, this.avgLoss);
    } else {
      this.gainSum = this.gainSum + gain;
      this.lossSum = this.lossSum + loss;
      this.seen = seen + 1;
      if (seen === p) {
        this.avgGain = this.gainSum / p;
        this.avgLoss = this.lossSum / p;
        this.current = rsiFrom(this.avgGain, this.avgLoss);
      }
    }
    return this.current;
  }

  /** The value returned by the last {@link RsiStream.update} (`NaN` before warm-up). */
  get value(): number {
    return this.current;
  }

  /** Whether {@link RsiStream.value} is defined (`period + 1` values seen). */
  get ready(): boolean {
    return this.seen > this.period;
  }
}
