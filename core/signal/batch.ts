/**
 * Runs a strategy over whole columns: indicators once in batch, then `decide` per bar through a context
 * that cannot read past bar t. Used by the backtester and the lookahead analysis.
 */
import type { CandleColumns } from '../candles.js';
import type { DecideContext, Decision, IndicatorSpec, PriceSource, StrategyDefinition } from './contract.js';
import { StrategyError } from './errors.js';
import { computeIndicator, specKey } from './indicators.js';

/** Decision codes in a compact column: 0 = no change, then the targets. */
export const DECISION = { NONE: 0, LONG: 1, SHORT: 2, FLAT: 3 } as const;
export type DecisionCode = (typeof DECISION)[keyof typeof DECISION];

export function decisionCode(d: Decision): DecisionCode {
  return d.target === null ? DECISION.NONE : DECISION[d.target];
}

/** Cache of computed indicator columns keyed by spec, so a sweep computes each distinct indicator once. */
export type IndicatorCache = Map<string, Float64Array>;

export function indicatorColumns(
  specs: Readonly<Record<string, IndicatorSpec>>,
  candles: CandleColumns,
  cache: IndicatorCache = new Map(),
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const key = specKey(spec);
    let col = cache.get(key);
    if (!col) {
      col = computeIndicator(spec, candles);
      cache.set(key, col);
    }
    out[name] = col;
  }
  return out;
}

class BatchContext implements DecideContext {
  t = 0;
  constructor(
    private readonly strategy: string,
    private readonly series: Record<string, Float64Array>,
    private readonly candles: CandleColumns,
    readonly allowShort: boolean,
    private readonly lookback: number,
  ) {}

  private checkBack(back: number): void {
    // NaN, negative (the future) and beyond the declared lookback are all contract breaks; the streaming
    // path keeps only `lookback` bars, so the batch path refuses the same lookups to stay identical.
    if (!(back >= 0 && back <= this.lookback)) {
      throw new StrategyError(
        'STRATEGY_LOOKAHEAD',
        this.strategy,
        this.t,
        `asked for back=${back} (lookback ${this.lookback})`,
      );
    }
  }

  value(name: string, back = 0): number {
    const s = this.series[name];
    if (s === undefined) {
      throw new StrategyError(
        'STRATEGY_UNKNOWN_INDICATOR',
        this.strategy,
        this.t,
        `no indicator named "${name}"`,
      );
    }
    this.checkBack(back);
    const i = this.t - back;
    return i >= 0 ? s[i]! : Number.NaN;
  }

  price(source: PriceSource, back = 0): number {
    this.checkBack(back);
    const i = this.t - back;
    return i >= 0 ? this.candles[source][i]! : Number.NaN;
  }
}

export interface BatchOptions {
  readonly allowShort: boolean;
  readonly cache?: IndicatorCache;
  /** Decide only from this bar on (earlier bars get NONE); indicators still use all history. */
  readonly from?: number;
}

/**
 * Returns one decision code per bar. A decision at bar t depends only on bars 0..t.
 *
 * @throws StrategyError when `decide` throws or breaks the contract (with the bar index).
 */
export function runStrategyBatch<P>(
  def: StrategyDefinition<P>,
  params: P,
  candles: CandleColumns,
  opts: BatchOptions,
): Int8Array {
  const n = candles.close.length;
  const series = indicatorColumns(def.indicators(params), candles, opts.cache);
  const ctx = new BatchContext(def.name, series, candles, opts.allowShort, def.lookback);
  const out = new Int8Array(n);
  for (let t = opts.from ?? 0; t < n; t++) {
    ctx.t = t;
    let d: Decision;
    try {
      d = def.decide(ctx, params);
    } catch (err) {
      if (err instanceof StrategyError) throw err;
      throw new StrategyError(
        'STRATEGY_THREW',
        def.name,
        t,
        err instanceof Error ? err.message : String(err),
        {
          cause: err,
        },
      );
    }
    out[t] = decisionCode(d);
  }
  return out;
}

/** The decision (with its reason) at one bar, for reports and logs. */
export function decisionAt<P>(
  def: StrategyDefinition<P>,
  params: P,
  candles: CandleColumns,
  t: number,
  allowShort: boolean,
): Decision {
  const series = indicatorColumns(def.indicators(params), candles);
  const ctx = new BatchContext(def.name, series, candles, allowShort, def.lookback);
  ctx.t = t;
  return def.decide(ctx, params);
}
