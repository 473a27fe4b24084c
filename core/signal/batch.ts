/**
 * Runs a strategy over whole columns: indicators once in batch, then `decide` per bar through a context
 * that cannot read past bar t. Used by the backtester and the lookahead analysis.
 */
import type { CandleColumns } from '../candles.js';
import type { DecideContext, Decision, IndicatorSpec, PriceSource, StrategyDefinition } from './contract.js';
import { badDecision, DECISION, decisionCode } from './decision.js';
import { StrategyError } from './errors.js';
import { computeIndicator, specKey } from './indicators.js';
import { runRuleBatch } from './rule.js';
import { priceColumn } from './sources.js';

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

/**
 * Indicator columns by name for the per-bar context. `decide` runs once per bar, so the lookup matters: a
 * variable-key property read (`series[name]`) goes megamorphic as soon as a strategy reads two names and
 * costs about 20 ns, while comparing the (interned) name against a field costs about 1 ns. The first four
 * names live in fields; any further ones in a Map.
 */
class NamedColumns {
  private readonly n0: string | null;
  private readonly c0: Float64Array | undefined;
  private readonly n1: string | null;
  private readonly c1: Float64Array | undefined;
  private readonly n2: string | null;
  private readonly c2: Float64Array | undefined;
  private readonly n3: string | null;
  private readonly c3: Float64Array | undefined;
  private readonly rest: Map<string, Float64Array>;

  constructor(series: Readonly<Record<string, Float64Array>>) {
    const e = Object.entries(series);
    this.n0 = e[0]?.[0] ?? null;
    this.c0 = e[0]?.[1];
    this.n1 = e[1]?.[0] ?? null;
    this.c1 = e[1]?.[1];
    this.n2 = e[2]?.[0] ?? null;
    this.c2 = e[2]?.[1];
    this.n3 = e[3]?.[0] ?? null;
    this.c3 = e[3]?.[1];
    this.rest = new Map(e.slice(4));
  }

  get(name: string): Float64Array | undefined {
    if (name === this.n0) return this.c0;
    if (name === this.n1) return this.c1;
    if (name === this.n2) return this.c2;
    if (name === this.n3) return this.c3;
    return this.rest.get(name);
  }
}

class BatchContext implements DecideContext {
  t = 0;
  private readonly columns: NamedColumns;
  constructor(
    private readonly strategy: string,
    series: Readonly<Record<string, Float64Array>>,
    private readonly candles: CandleColumns,
    readonly allowShort: boolean,
    private readonly lookback: number,
  ) {
    this.columns = new NamedColumns(series);
  }

  /** Throws the contract break for a refused lookup; kept out of `value`/`price` so they stay small. */
  private refuse(what: 'indicator' | 'price source', name: string, back: number): never {
    const known =
      (what === 'indicator' ? this.columns.get(name) : priceColumn(this.candles, name as PriceSource)) !==
      undefined;
    if (!known) {
      throw new StrategyError(
        'STRATEGY_UNKNOWN_INDICATOR',
        this.strategy,
        this.t,
        `no ${what} named "${name}"`,
      );
    }
    // NaN, negative (the future) and beyond the declared lookback are all contract breaks; the streaming
    // path keeps only `lookback` bars, so the batch path refuses the same lookups to stay identical.
    throw new StrategyError(
      'STRATEGY_LOOKAHEAD',
      this.strategy,
      this.t,
      `asked for back=${back} (lookback ${this.lookback})`,
    );
  }

  // `value` and `price` run several times per bar: they stay small (the error text is built in `refuse`)
  // so that V8 inlines every call of them into `decide`.
  value(name: string, back = 0): number {
    const s = this.columns.get(name);
    if (s === undefined || !(back >= 0 && back <= this.lookback && (back | 0) === back)) {
      return this.refuse('indicator', name, back);
    }
    const i = this.t - back;
    return i >= 0 ? s[i]! : Number.NaN;
  }

  price(source: PriceSource, back = 0): number {
    const s = priceColumn(this.candles, source);
    if (s === undefined || !(back >= 0 && back <= this.lookback && (back | 0) === back)) {
      return this.refuse('price source', source, back);
    }
    const i = this.t - back;
    return i >= 0 ? s[i]! : Number.NaN;
  }
}

export interface BatchOptions {
  readonly allowShort: boolean;
  readonly cache?: IndicatorCache;
  /** Decide only from this bar on (earlier bars get NONE); indicators still use all history. */
  readonly from?: number;
  /**
   * Where to write the codes (its first `n` entries; the result is a view of them). For callers running many
   * backtests in a row (a sweep worker): reusing one buffer spares a fresh allocation, page faults and GC
   * per run.
   */
  readonly out?: Int8Array;
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
  const from = opts.from ?? 0;
  let out: Int8Array;
  if (opts.out === undefined) out = new Int8Array(n);
  else {
    if (opts.out.length < n) throw new RangeError(`out has ${opts.out.length} slots for ${n} bars`);
    out = opts.out.subarray(0, n);
    out.fill(DECISION.NONE, 0, from);
  }
  if (def.rule !== undefined) {
    runRuleBatch(def.name, def.rule, def.lookback, params, series, candles, opts.allowShort, from, out);
    return out;
  }
  const ctx = new BatchContext(def.name, series, candles, opts.allowShort, def.lookback);
  for (let t = from; t < n; t++) {
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
    const code = decisionCode(d);
    if (code < 0) badDecision(def.name, t, d);
    out[t] = code;
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
