/**
 * Lookahead check: a strategy's decision at bar t must not change when the bars after t are removed. The
 * strategy is rerun on truncated copies of the data (a sample of cut points: evenly spaced ones plus the
 * last bars) and every decision up to the cut is compared with the full run's. The core's context already
 * refuses `back < 0`, so a difference means the strategy reached the future some other way (module state,
 * a closure over the data, a cache shared between runs). Pure.
 */
import { type CandleColumns, sliceColumns } from '../core/index.js';
import { type DecisionCode, runStrategyBatch, StrategyError } from '../core/signal/index.js';
import type { StrategyDefinition } from '../strategies/types.js';

/** How the check samples cut points. */
export interface LookaheadOptions {
  /** Evenly spaced cut points over the series; default 50. */
  readonly cuts?: number;
  /** The last bars, each a cut point too (where a strategy peeking one bar ahead shows first); default 20. */
  readonly tail?: number;
  /** Which `allowShort` settings to check (strategies branch on it); default both. */
  readonly allowShort?: readonly boolean[];
  /** Stop collecting differences after this many (all are still counted); default 100. */
  readonly maxReported?: number;
}

/** A decision that changed when future bars were removed. */
export interface LookaheadViolation {
  readonly bar: number;
  readonly ts: number;
  /** Last bar kept in the truncated run. */
  readonly cut: number;
  readonly allowShort: boolean;
  /** Decision codes (`DECISION`), or `error` when the truncated run threw at this bar. */
  readonly full: DecisionCode;
  readonly truncated: DecisionCode | 'error';
  readonly message?: string;
}

/** What {@link analyzeLookahead} found. */
export interface LookaheadReport {
  readonly strategy: string;
  readonly bars: number;
  /** Cut points checked (index of the last bar kept). */
  readonly cuts: readonly number[];
  /** Differences found (all of them counted, at most `maxReported` listed). */
  readonly count: number;
  readonly violations: readonly LookaheadViolation[];
}

/** Returns the cut points: `cuts` evenly spaced indices plus the last `tail` bars, sorted and distinct. */
export function cutPoints(n: number, cuts: number, tail: number): number[] {
  const set = new Set<number>();
  if (n <= 0) return [];
  for (let k = 1; k <= cuts; k++) set.add(Math.min(n - 1, Math.max(0, Math.round((k * n) / (cuts + 1)) - 1)));
  for (let i = Math.max(0, n - tail); i < n; i++) set.add(i);
  return [...set].sort((a, b) => a - b);
}

/**
 * Reruns the strategy on truncated data and reports every decision that differs from the full run.
 *
 * @throws StrategyError when the full run itself throws.
 */
export function analyzeLookahead<P>(
  def: StrategyDefinition<P>,
  params: P,
  candles: CandleColumns,
  opts: LookaheadOptions = {},
): LookaheadReport {
  const n = candles.ts.length;
  const cuts = cutPoints(n, opts.cuts ?? 50, opts.tail ?? 20);
  const max = opts.maxReported ?? 100;
  const violations: LookaheadViolation[] = [];
  let count = 0;
  const report = (v: LookaheadViolation) => {
    count++;
    if (violations.length < max) violations.push(v);
  };
  for (const allowShort of opts.allowShort ?? [false, true]) {
    const full = runStrategyBatch(def, params, candles, { allowShort });
    for (const cut of cuts) {
      // No indicator cache: its columns belong to one series, and sharing them would hide the very leak
      // this looks for.
      let part: Int8Array;
      try {
        part = runStrategyBatch(def, params, sliceColumns(candles, 0, cut + 1), { allowShort });
      } catch (e) {
        if (!(e instanceof StrategyError)) throw e;
        report({
          bar: e.bar,
          ts: candles.ts[e.bar] ?? Number.NaN,
          cut,
          allowShort,
          full: full[e.bar] as DecisionCode,
          truncated: 'error',
          message: e.message,
        });
        continue;
      }
      for (let t = 0; t <= cut; t++) {
        if (part[t] !== full[t]) {
          report({
            bar: t,
            ts: candles.ts[t]!,
            cut,
            allowShort,
            full: full[t] as DecisionCode,
            truncated: part[t] as DecisionCode,
          });
        }
      }
    }
  }
  return { strategy: def.name, bars: n, cuts, count, violations };
}
