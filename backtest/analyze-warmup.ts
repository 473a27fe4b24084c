/**
 * Warm-up check: does an indicator's value at a bar depend on how much history came before it? Each
 * indicator a strategy declares is computed on the full series and on the series started k bars later;
 * after the indicator's own warm-up the two should agree. Windowed indicators (SMA, Bollinger, highest,
 * lowest) agree exactly (up to rounding); recursive ones (EMA, RSI, ATR, MACD) carry their seed forward and
 * converge only gradually, so a bot started with too little history trades on different numbers than a
 * backtest. Pure.
 */
import { type CandleColumns, sliceColumns } from '../core/index.js';
import { computeIndicator, type IndicatorSpec, specKey } from '../core/signal/index.js';
import type { StrategyDefinition } from '../strategies/types.js';

/** How the check runs. */
export interface WarmupOptions {
  /** History removed from the start, in bars; default 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000. */
  readonly offsets?: readonly number[];
  /** Relative difference under which a value counts as converged; default 1e-6. */
  readonly tolerance?: number;
  /** Relative difference below which values count as equal (float rounding); default 1e-9. */
  readonly noise?: number;
}

/** One offset's result. */
export interface WarmupOffset {
  /** Bars of history removed. */
  readonly offset: number;
  /** Largest relative difference after the indicator's own warm-up. */
  readonly maxRelDiff: number;
  /**
   * Bars of data needed (counted from the truncated start) until the difference stays below the tolerance;
   * null when it never does within the data.
   */
  readonly barsToConverge: number | null;
}

/** One indicator's result. */
export interface WarmupIndicator {
  readonly name: string;
  readonly spec: string;
  /** Bars until the indicator's first defined value (its own warm-up). */
  readonly ownWarmup: number;
  /** True when values after the own warm-up differ beyond rounding for some offset. */
  readonly historyDependent: boolean;
  /** Worst case over the offsets; null when some offset never converged within the data. */
  readonly barsToConverge: number | null;
  readonly offsets: readonly WarmupOffset[];
}

/** What {@link analyzeWarmup} found. */
export interface WarmupReport {
  readonly strategy: string;
  readonly bars: number;
  readonly tolerance: number;
  readonly indicators: readonly WarmupIndicator[];
  /**
   * History a bot needs before its first decision for every indicator to be within the tolerance of a
   * full-history value (worst indicator + the strategy's lookback); null when some never converged.
   */
  readonly recommendedWarmup: number | null;
}

const DEFAULT_OFFSETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

function firstDefined(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i]!)) return i;
  return a.length;
}

/** Compares one truncated computation with the full one; `scale` keeps near-zero values (MACD) meaningful. */
function compareOffset(
  full: Float64Array,
  sub: Float64Array,
  offset: number,
  scale: number,
  tolerance: number,
): WarmupOffset {
  const w = firstDefined(sub);
  let maxRelDiff = 0;
  let lastBad = -1;
  for (let j = w; j < sub.length; j++) {
    const f = full[offset + j]!;
    const d = Math.abs(sub[j]! - f) / Math.max(Math.abs(f), scale);
    if (!(d < tolerance)) lastBad = j;
    if (d > maxRelDiff || Number.isNaN(d)) maxRelDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  const converged = lastBad === -1 ? w : lastBad + 1;
  return { offset, maxRelDiff, barsToConverge: converged >= sub.length ? null : converged + 1 };
}

/** Computes one indicator's warm-up report over `candles`. */
export function analyzeIndicator(
  name: string,
  spec: IndicatorSpec,
  candles: CandleColumns,
  opts: WarmupOptions = {},
): WarmupIndicator {
  const n = candles.ts.length;
  const tolerance = opts.tolerance ?? 1e-6;
  const noise = opts.noise ?? 1e-9;
  const full = computeIndicator(spec, candles);
  const ownWarmup = firstDefined(full);
  let sumAbs = 0;
  let count = 0;
  for (let i = ownWarmup; i < n; i++) {
    sumAbs += Math.abs(full[i]!);
    count++;
  }
  const scale = count > 0 && sumAbs > 0 ? sumAbs / count : Number.MIN_VALUE;
  const offsets: WarmupOffset[] = [];
  for (const k of opts.offsets ?? DEFAULT_OFFSETS) {
    // Leave enough bars after the offset for the indicator to warm up and be compared at all.
    if (!(k > 0 && k + ownWarmup + 2 < n)) continue;
    const sub = computeIndicator(spec, sliceColumns(candles, k, n));
    offsets.push(compareOffset(full, sub, k, scale, tolerance));
  }
  const historyDependent = offsets.some((o) => o.maxRelDiff > noise);
  let barsToConverge: number | null = ownWarmup + 1;
  for (const o of offsets) {
    if (o.barsToConverge === null) barsToConverge = null;
    else if (barsToConverge !== null) barsToConverge = Math.max(barsToConverge, o.barsToConverge);
  }
  return { name, spec: specKey(spec), ownWarmup: ownWarmup + 1, historyDependent, barsToConverge, offsets };
}

/** Checks every indicator the strategy declares for `params`. */
export function analyzeWarmup<P>(
  def: StrategyDefinition<P>,
  params: P,
  candles: CandleColumns,
  opts: WarmupOptions = {},
): WarmupReport {
  const indicators = Object.entries(def.indicators(params)).map(([name, spec]) =>
    analyzeIndicator(name, spec, candles, opts),
  );
  let worst: number | null = 0;
  for (const i of indicators) {
    if (i.barsToConverge === null) worst = null;
    else if (worst !== null) worst = Math.max(worst, i.barsToConverge);
  }
  return {
    strategy: def.name,
    bars: candles.ts.length,
    tolerance: opts.tolerance ?? 1e-6,
    indicators,
    recommendedWarmup: worst === null ? null : worst + def.lookback,
  };
}
