/**
 * Window rules (see `WindowRule` in the contract): checking a rule when it is declared, deriving `decide`
 * from it for the per-bar paths (live bots, `decisionAt`), and running it over whole columns for the
 * backtester. Both paths fill the same window with the same numbers and call the same `pick`, so they take
 * the same decisions (a property test holds them to it).
 */
import type { CandleColumns } from '../candles.js';
import type { DecideContext, Decision, WindowRule } from './contract.js';
import { decisionCode } from './decision.js';
import { StrategyError } from './errors.js';
import { PRICE_SOURCES, priceColumn } from './sources.js';

/**
 * Checks a rule's shape once, when the strategy is declared, and returns it frozen.
 *
 * @throws TypeError naming the strategy and what is wrong.
 */
export function checkRule<P>(strategy: string, rule: WindowRule<P>): WindowRule<P> {
  const bad = (what: string): never => {
    throw new TypeError(`strategy ${strategy}: its rule ${what}`);
  };
  if (typeof rule.pick !== 'function') bad('has no pick function');
  if (!Array.isArray(rule.inputs) || rule.inputs.length === 0) bad('reads no inputs');
  for (const input of rule.inputs) {
    if (typeof input === 'string' ? input.length === 0 : !PRICE_SOURCES.includes(input?.price)) {
      bad(
        `has an input that is neither an indicator name nor { price: ${PRICE_SOURCES.join(' | ')} }: ${JSON.stringify(input)}`,
      );
    }
  }
  if (!Array.isArray(rule.outcomes) || rule.outcomes.length === 0) bad('has no outcomes');
  rule.outcomes.forEach((d, i) => {
    if (decisionCode(d) < 0 || typeof d.reason !== 'string') {
      bad(`outcome ${i} is not a decision: ${JSON.stringify(d)}`);
    }
  });
  return Object.freeze({
    inputs: Object.freeze([...rule.inputs]),
    outcomes: Object.freeze(rule.outcomes.map((d) => Object.freeze({ ...d }))),
    pick: rule.pick,
  });
}

/** The outcomes as a bot sees them: without shorts, a SHORT outcome is FLAT with "(long only)" appended. */
export function ruleOutcomes(rule: WindowRule<unknown>, allowShort: boolean): readonly Decision[] {
  if (allowShort) return rule.outcomes;
  return rule.outcomes.map((d) =>
    d.target === 'SHORT' ? Object.freeze({ target: 'FLAT', reason: `${d.reason} (long only)` }) : d,
  );
}

/** The contract break of a `pick` that returned something other than an index into the outcomes. */
function badIndex(strategy: string, bar: number, index: unknown, outcomes: number): never {
  throw new StrategyError(
    'STRATEGY_BAD_DECISION',
    strategy,
    bar,
    `its rule picked ${String(index).slice(0, 50)}; expected an index into its ${outcomes} outcomes`,
  );
}

/** `decide` for a rule: fills the window through the context (which refuses the future) and picks. */
export function ruleDecide<P>(
  strategy: string,
  rule: WindowRule<P>,
  lookback: number,
): (ctx: DecideContext, params: P) => Decision {
  const k = rule.inputs.length;
  const long = rule.outcomes;
  const short = ruleOutcomes(rule as WindowRule<unknown>, false);
  return (ctx, params) => {
    // A window per call: live bots decide once per candle, and a shared one could be kept by a `pick`.
    const w = new Float64Array(k * (lookback + 1));
    for (let back = 0; back <= lookback; back++) {
      for (let j = 0; j < k; j++) {
        const input = rule.inputs[j]!;
        w[back * k + j] = typeof input === 'string' ? ctx.value(input, back) : ctx.price(input.price, back);
      }
    }
    const table = ctx.allowShort ? long : short;
    const index = rule.pick(w, params);
    const d = typeof index === 'number' ? table[index] : undefined;
    return d ?? badIndex(strategy, ctx.t, index, table.length);
  };
}

/** The hot loop of one rule: bars `[from, to)`, every window slot at `back <= t` (so `to > from >= lookback`). */
type RuleLoop = (
  rule: WindowRule<unknown>,
  params: unknown,
  cols: readonly Float64Array[],
  w: Float64Array,
  codes: Int8Array,
  out: Int8Array,
  from: number,
  to: number,
  threw: (bar: number, err: unknown) => never,
  bad: (bar: number, index: unknown) => never,
) => void;

/** Windows up to this many slots get a loop of their own; larger ones use the generic fill. */
const MAX_UNROLLED_SLOTS = 256;

/**
 * A loop for one rule with the window fill written out slot by slot (`w[2] = c0[t - 1]`). Filling the window
 * through nested loops over the inputs and the bars back costs more than the rule itself (11 ms against 6 ms
 * per million bars for sma_crossover), and a loop per rule keeps its `pick` call site monomorphic. The code
 * is made with `new Function` from integers only (slot, column and bar offsets), as ajv and
 * fast-json-stringify do for their validators; no name or other text of the strategy enters it.
 */
function compileLoop(k: number, lookback: number): RuleLoop {
  const lines: string[] = [];
  for (let j = 0; j < k; j++) lines.push(`const c${j} = cols[${j}];`);
  lines.push('for (let t = from; t < to; t++) {');
  for (let back = 0; back <= lookback; back++) {
    for (let j = 0; j < k; j++) {
      lines.push(`  w[${back * k + j}] = c${j}[${back === 0 ? 't' : `t - ${back}`}];`);
    }
  }
  lines.push(
    '  let index;',
    '  try { index = rule.pick(w, params); } catch (err) { threw(t, err); }',
    "  const code = typeof index === 'number' ? codes[index] : undefined;",
    '  if (code === undefined) bad(t, index);',
    '  out[t] = code;',
    '}',
  );
  return new Function(
    'rule',
    'params',
    'cols',
    'w',
    'codes',
    'out',
    'from',
    'to',
    'threw',
    'bad',
    `"use strict";\n${lines.join('\n')}`,
  ) as RuleLoop;
}

/** The same loop with the window filled by nested loops: any size, and bars before `lookback` (NaN). */
const genericLoop: RuleLoop = (rule, params, cols, w, codes, out, from, to, threw, bad) => {
  const k = cols.length;
  const lookback = w.length / k - 1;
  for (let t = from; t < to; t++) {
    let slot = 0;
    for (let back = 0; back <= lookback; back++) {
      const i = t - back;
      for (let j = 0; j < k; j++) w[slot++] = i >= 0 ? cols[j]![i]! : Number.NaN;
    }
    let index: unknown;
    try {
      index = rule.pick(w, params);
    } catch (err) {
      threw(t, err);
    }
    const code = typeof index === 'number' ? codes[index] : undefined;
    if (code === undefined) return bad(t, index);
    out[t] = code;
  }
};

/** Loops compiled per rule object (each strategy's rule is its own frozen copy) and lookback. */
const loops = new WeakMap<WindowRule<unknown>, Map<number, RuleLoop>>();

function loopFor(rule: WindowRule<unknown>, lookback: number): RuleLoop {
  const k = rule.inputs.length;
  if (k * (lookback + 1) > MAX_UNROLLED_SLOTS) return genericLoop;
  let byLookback = loops.get(rule);
  if (byLookback === undefined) {
    byLookback = new Map();
    loops.set(rule, byLookback);
  }
  let loop = byLookback.get(lookback);
  if (loop === undefined) {
    try {
      loop = compileLoop(k, lookback);
    } catch {
      // Code generation can be switched off (`--disallow-code-generation-from-strings`, a CSP): the generic
      // loop takes the same decisions, only slower.
      loop = genericLoop;
    }
    byLookback.set(lookback, loop);
  }
  return loop;
}

/**
 * Runs a rule over bars `[from, n)` and writes one decision code per bar into `out`. A decision at bar t
 * reads only the window of bars t-lookback..t.
 *
 * @throws StrategyError when an input names no indicator or price, or `pick` throws or returns no index.
 */
export function runRuleBatch<P>(
  strategy: string,
  rule: WindowRule<P>,
  lookback: number,
  params: P,
  series: Readonly<Record<string, Float64Array>>,
  candles: CandleColumns,
  allowShort: boolean,
  from: number,
  out: Int8Array,
): void {
  const n = candles.close.length;
  const cols = rule.inputs.map((input) => {
    const col =
      typeof input === 'string'
        ? Object.hasOwn(series, input)
          ? series[input]
          : undefined
        : priceColumn(candles, input.price);
    if (col === undefined) {
      const what = typeof input === 'string' ? `indicator named "${input}"` : `price source "${input.price}"`;
      throw new StrategyError('STRATEGY_UNKNOWN_INDICATOR', strategy, from, `no ${what}`);
    }
    return col;
  });
  const anyRule = rule as WindowRule<unknown>;
  const table = ruleOutcomes(anyRule, allowShort);
  const codes = Int8Array.from(table, (d) => decisionCode(d));
  const w = new Float64Array(cols.length * (lookback + 1));
  const threw = (bar: number, err: unknown): never => {
    throw new StrategyError(
      'STRATEGY_THREW',
      strategy,
      bar,
      err instanceof Error ? err.message : String(err),
      {
        cause: err,
      },
    );
  };
  const bad = (bar: number, index: unknown): never => badIndex(strategy, bar, index, codes.length);
  // The first `lookback` bars read before the first candle (NaN), through the generic fill.
  const full = Math.min(n, Math.max(from, lookback));
  genericLoop(anyRule, params, cols, w, codes, out, from, full, threw, bad);
  loopFor(anyRule, lookback)(anyRule, params, cols, w, codes, out, full, n, threw, bad);
}
