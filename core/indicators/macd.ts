/**
 * MACD: line = EMA(fast) - EMA(slow), signal = EMA(signalPeriod) of the line, histogram = line - signal.
 *
 * EMAs are those of {@link ema} (SMA-seeded). Both EMAs start at bar 0, so the line exists from index
 * `slow - 1`; the signal EMA starts on that first line value and is seeded with the mean of the first
 * `signalPeriod` line values, so signal and histogram exist from `slow + signalPeriod - 2`. This is
 * technicalindicators' MACD with `SimpleMAOscillator: false, SimpleMASignal: false`.
 */
import { EmaStream, ema } from './ema.js';
import { assertPeriod } from './validate.js';

/** MACD as columns, each the length of the input. */
export interface MacdResult {
  readonly macd: Float64Array;
  readonly signal: Float64Array;
  readonly histogram: Float64Array;
}

/** MACD for one bar. */
export interface MacdValue {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

function assertMacdPeriods(fast: number, slow: number, signal: number): void {
  assertPeriod('MACD fast period', fast);
  assertPeriod('MACD slow period', slow);
  assertPeriod('MACD signal period', signal);
  // fast >= slow is almost certainly swapped config; fail loudly rather than trade on it.
  if (fast >= slow) {
    throw new RangeError(`MACD fast period must be less than slow period, got fast=${fast} slow=${slow}`);
  }
}

/**
 * Returns the index of the first MACD line value (`slow - 1`).
 *
 * @throws RangeError if a period is not an integer >= 1 or `fast >= slow`.
 */
export function macdLineWarmup(fast = 12, slow = 26): number {
  assertMacdPeriods(fast, slow, 1);
  return slow - 1;
}

/**
 * Returns the index of the first bar where line, signal and histogram are all defined
 * (`slow + signal - 2`).
 *
 * @throws RangeError if a period is not an integer >= 1 or `fast >= slow`.
 */
export function macdWarmup(fast = 12, slow = 26, signal = 9): number {
  assertMacdPeriods(fast, slow, signal);
  return slow + signal - 2;
}

/**
 * Computes MACD(fast, slow, signal) of `values`.
 *
 * @returns Line/signal/histogram arrays of the input's length; the line is `NaN` before
 *   {@link macdLineWarmup}, signal and histogram before {@link macdWarmup}.
 * @throws RangeError if a period is not an integer >= 1 or `fast >= slow`.
 */
export function macd(values: Float64Array, fast = 12, slow = 26, signal = 9): MacdResult {
  assertMacdPeriods(fast, slow, signal);
  const n = values.length;
  const line = ema(values, fast);
  const slowEma = ema(values, slow);
  // Reuse the fast EMA's buffer for the line: NaN - x is NaN, so the warm-up needs no special case.
  for (let i = 0; i < n; i++) line[i] = line[i]! - slowEma[i]!;
  const start = slow - 1;
  const sig = new Float64Array(n).fill(NaN);
  const histogram = new Float64Array(n).fill(NaN);
  if (n > start) {
    const tail = ema(line.subarray(start), signal);
    sig.set(tail, start);
    for (let i = start + signal - 1; i < n; i++) histogram[i] = line[i]! - sig[i]!;
  }
  return { macd: line, signal: sig, histogram };
}

/**
 * Streaming MACD: O(1) per value, bit-identical to {@link macd}.
 *
 * {@link MacdStream.update} returns the stream itself as a read-only {@link MacdValue} (no allocation per
 * bar); read or copy the fields before the next update.
 */
export class MacdStream implements MacdValue {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  private readonly fastEma: EmaStream;
  private readonly slowEma: EmaStream;
  private readonly signalEma: EmaStream;
  private line = NaN;
  private sig = NaN;
  private hist = NaN;

  /** @throws RangeError if a period is not an integer >= 1 or `fast >= slow`. */
  constructor(fast = 12, slow = 26, signal = 9) {
    assertMacdPeriods(fast, slow, signal);
    this.fastPeriod = fast;
    this.slowPeriod = slow;
    this.signalPeriod = signal;
    this.fastEma = new EmaStream(fast);
    this.slowEma = new EmaStream(slow);
    this.signalEma = new EmaStream(signal);
  }

  /** Adds one value and returns MACD for that bar (fields `NaN` until each is warm). */
  update(x: number): MacdValue {
    const f = this.fastEma.update(x);
    const s = this.slowEma.update(x);
    if (this.slowEma.ready) {
      this.line = f - s;
      this.sig = this.signalEma.update(this.line);
      this.hist = this.signalEma.ready ? this.line - this.sig : NaN;
    }
    return this;
  }

  /** The MACD line of the last bar (`NaN` before {@link macdLineWarmup}). */
  get macd(): number {
    return this.line;
  }

  /** The signal line of the last bar (`NaN` before {@link macdWarmup}). */
  get signal(): number {
    return this.sig;
  }

  /** The histogram (line - signal) of the last bar (`NaN` before {@link macdWarmup}). */
  get histogram(): number {
    return this.hist;
  }

  /** Whether line, signal and histogram are all defined. */
  get ready(): boolean {
    return this.signalEma.ready;
  }
}
