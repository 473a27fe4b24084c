/**
 * Rolling maximum / minimum of the previous `period` values, excluding the current one: `highest[t] =
 * max(x[t-period .. t-1])`. This is the Donchian-style level a breakout strategy compares the current bar
 * against (`close[t] > highest(high)[t]`); a window including bar t could never be exceeded by it.
 *
 * Both forms use a monotonic deque (amortised O(1) per value, worst case O(period) on one bar). They do no
 * arithmetic on the values, so batch and streaming agree trivially.
 */
import { assertPeriod } from './validate.js';

/**
 * Returns the index of the first defined `highest` value (`period`).
 *
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function highestWarmup(period: number): number {
  assertPeriod('Highest period', period);
  return period;
}

/**
 * Returns the index of the first defined `lowest` value (`period`).
 *
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function lowestWarmup(period: number): number {
  assertPeriod('Lowest period', period);
  return period;
}

/**
 * Shared batch kernel. `sign` is +1 for max, -1 for min: comparing `sign * a >= sign * b` keeps one loop
 * without a per-value branch on the mode, and negation is exact so no value changes.
 */
function rollingExtreme(values: Float64Array, period: number, sign: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  // Deque of indices into `values`, holding at most period + 1 entries; a ring buffer avoids shifting.
  const cap = period + 1;
  const dq = new Int32Array(cap);
  let head = 0;
  let size = 0;
  for (let t = 0; t < n; t++) {
    const lo = t - period;
    while (size > 0 && dq[head]! < lo) {
      head = head + 1 === cap ? 0 : head + 1;
      size--;
    }
    out[t] = t >= period ? values[dq[head]!]! : NaN;
    const x = sign * values[t]!;
    while (size > 0) {
      let back = head + size - 1;
      if (back >= cap) back -= cap;
      if (sign * values[dq[back]!]! > x) break;
      size--;
    }
    let slot = head + size;
    if (slot >= cap) slot -= cap;
    dq[slot] = t;
    size++;
  }
  return out;
}

/**
 * Computes the maximum of the previous `period` values at each index (current value excluded).
 *
 * @returns An array of the same length; `NaN` before index `period`.
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function highest(values: Float64Array, period: number): Float64Array {
  assertPeriod('Highest period', period);
  return rollingExtreme(values, period, 1);
}

/**
 * Computes the minimum of the previous `period` values at each index (current value excluded).
 *
 * @returns An array of the same length; `NaN` before index `period`.
 * @throws RangeError if `period` is not an integer >= 1.
 */
export function lowest(values: Float64Array, period: number): Float64Array {
  assertPeriod('Lowest period', period);
  return rollingExtreme(values, period, -1);
}

/** Streaming monotonic deque shared by {@link HighestStream} and {@link LowestStream}. */
abstract class RollingExtremeStream {
  readonly period: number;
  private readonly sign: number;
  private readonly cap: number;
  /** Deque values (sign-adjusted) and their bar numbers, as a ring buffer. */
  private readonly vals: Float64Array;
  private readonly bars: Float64Array;
  private head = 0;
  private size = 0;
  /** Bar number of the next value; a double so a live run never overflows it. */
  private t = 0;
  private current = NaN;

  protected constructor(what: string, period: number, sign: number) {
    assertPeriod(what, period);
    this.period = period;
    this.sign = sign;
    this.cap = period + 1;
    this.vals = new Float64Array(this.cap);
    this.bars = new Float64Array(this.cap);
  }

  /** Returns the extreme of the previous `period` values, then adds `x` (`NaN` during warm-up). */
  update(x: number): number {
    const cap = this.cap;
    const vals = this.vals;
    const bars = this.bars;
    const t = this.t;
    const lo = t - this.period;
    let head = this.head;
    let size = this.size;
    while (size > 0 && bars[head]! < lo) {
      head = head + 1 === cap ? 0 : head + 1;
      size--;
    }
    this.current = t >= this.period ? this.sign * vals[head]! : NaN;
    const sx = this.sign * x;
    while (size > 0) {
      let back = head + size - 1;
      if (back >= cap) back -= cap;
      if (vals[back]! > sx) break;
      size--;
    }
    let slot = head + size;
    if (slot >= cap) slot -= cap;
    vals[slot] = sx;
    bars[slot] = t;
    this.head = head;
    this.size = size + 1;
    this.t = t + 1;
    return this.current;
  }

  /** The value returned by the last update (`NaN` before warm-up). */
  get value(): number {
    return this.current;
  }

  /** Whether `period` values have been seen before the last one, i.e. the value is defined. */
  get ready(): boolean {
    return this.t > this.period;
  }
}

/** Streaming maximum of the previous `period` values: bit-identical to {@link highest}. */
export class HighestStream extends RollingExtremeStream {
  /** @throws RangeError if `period` is not an integer >= 1. */
  constructor(period: number) {
    super('Highest period', period, 1);
  }
}

/** Streaming minimum of the previous `period` values: bit-identical to {@link lowest}. */
export class LowestStream extends RollingExtremeStream {
  /** @throws RangeError if `period` is not an integer >= 1. */
  constructor(period: number) {
    super('Lowest period', period, -1);
  }
}
