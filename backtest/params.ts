/**
 * Strategy params from the command line: `--param name=value` assignments, `--grid` ranges for sweeps, and
 * validation against the strategy's own zod schema. Pure.
 */
import { z } from 'zod';
import { decimalPlaces } from '../core/risk.js';
import type { StrategyDefinition } from '../strategies/types.js';
import { BacktestInputError } from './errors.js';

/** A param value as typed on the command line: numbers and booleans are converted, the rest stays text. */
export type ParamValue = number | boolean | string;

/** Converts a typed value: `20` -> 20, `0.5` -> 0.5, `true`/`false` -> booleans, anything else -> text. */
export function parseParamValue(text: string): ParamValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  // Number('') is 0 and Number(' 1') is 1: only plain decimal literals count as numbers.
  if (/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  return text;
}

function splitAssignment(flag: string, s: string): [string, string] {
  const eq = s.indexOf('=');
  if (eq <= 0 || eq === s.length - 1) {
    throw new BacktestInputError(`${flag} ${JSON.stringify(s)}: expected name=value`);
  }
  return [s.slice(0, eq).trim(), s.slice(eq + 1).trim()];
}

/**
 * Parses `--param name=value` assignments into an object (later assignments of a name win).
 *
 * @throws BacktestInputError on an assignment without `=`, a name or a value.
 */
export function parseParams(assignments: readonly string[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const a of assignments) {
    const [name, value] = splitAssignment('--param', a);
    out[name] = parseParamValue(value);
  }
  return out;
}

/** The param names a strategy's schema declares, or `null` when its schema is not a plain object. */
export function paramNames(def: StrategyDefinition<unknown>): string[] | null {
  const schema: unknown = def.paramsSchema;
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : null;
}

/**
 * Resolves the param names typed on the command line against the strategy's. A declared name is used as it
 * is; a name that starts exactly one declared name up to an underscore stands for it (`fast` for
 * `fast_period`, as in `--param fast=20`). An unknown or ambiguous name, or one param given under both
 * names, is refused with the declared names listed. A strategy whose schema is not a plain object keeps
 * the names as typed (its schema judges them).
 *
 * @throws BacktestInputError naming the flag, the name and the strategy's params.
 */
export function resolveParamNames<V>(
  def: StrategyDefinition<unknown>,
  typed: Readonly<Record<string, V>>,
  flag: '--param' | '--grid',
): Record<string, V> {
  const names = paramNames(def);
  if (names === null) return { ...typed };
  const known = new Set(names);
  const list = names.join(', ');
  const out: Record<string, V> = {};
  const typedAs = new Map<string, string>();
  for (const [name, value] of Object.entries(typed)) {
    let full = name;
    if (!known.has(name)) {
      const matches = names.filter((n) => n.startsWith(`${name}_`));
      if (matches.length !== 1) {
        const why = matches.length === 0 ? 'unknown param' : `ambiguous param (${matches.join(' or ')})`;
        throw new BacktestInputError(`${flag} ${name}: ${why} for ${def.name}; its params: ${list}`);
      }
      full = matches[0]!;
    }
    const first = typedAs.get(full);
    if (first !== undefined) {
      throw new BacktestInputError(`${flag} ${full} is given twice: as ${first} and as ${name}`);
    }
    typedAs.set(full, name);
    out[full] = value;
  }
  return out;
}

/** Most values one `--grid` may expand to; a typo like `1..1e9:1` should fail, not allocate forever. */
export const MAX_GRID_VALUES = 10_000;

/**
 * Expands one grid spec: `a..b:step` (inclusive, step > 0), `a..b` (step 1), `v1,v2,...` or a single value.
 *
 * @throws BacktestInputError on a malformed range, a step <= 0, an empty range or too many values.
 */
export function expandGridValues(spec: string): ParamValue[] {
  if (!spec.includes('..')) return spec.split(',').map((v) => parseParamValue(v.trim()));
  const num = '(-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)';
  const range = new RegExp(`^${num}\\.\\.${num}(?::${num})?$`).exec(spec);
  if (!range) throw new BacktestInputError(`bad range ${JSON.stringify(spec)}: expected a..b or a..b:step`);
  const [, aText, bText, stepText = '1'] = range as unknown as [string, string, string, string?];
  const a = Number(aText);
  const b = Number(bText);
  const step = Number(stepText);
  if (![a, b, step].every(Number.isFinite)) throw new BacktestInputError(`bad range ${JSON.stringify(spec)}`);
  if (!(step > 0)) throw new BacktestInputError(`range ${JSON.stringify(spec)}: step must be > 0`);
  if (b < a) throw new BacktestInputError(`range ${JSON.stringify(spec)}: end is below start`);
  const count = Math.floor((b - a) / step + 1e-9) + 1;
  if (count > MAX_GRID_VALUES) {
    throw new BacktestInputError(
      `range ${JSON.stringify(spec)} has ${count} values (max ${MAX_GRID_VALUES})`,
    );
  }
  // Rounded to the places of start and step, so `0.1..0.3:0.1` gives 0.3 and not 0.30000000000000004.
  const places = Math.max(decimalPlaces(a), decimalPlaces(step));
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Number((a + i * step).toFixed(places)));
  return out;
}

/**
 * Parses `--grid name=spec` options into value lists per param, in the order given.
 *
 * @throws BacktestInputError on a malformed option or a param given twice.
 */
export function parseGrid(specs: readonly string[]): Record<string, ParamValue[]> {
  const out: Record<string, ParamValue[]> = {};
  for (const s of specs) {
    const [name, spec] = splitAssignment('--grid', s);
    if (Object.hasOwn(out, name)) throw new BacktestInputError(`--grid ${name} is given twice`);
    out[name] = expandGridValues(spec);
  }
  return out;
}

/** Returns every combination of the grid (the last param varies fastest), each merged over `fixed`. */
export function gridCombos(
  grid: Readonly<Record<string, readonly ParamValue[]>>,
  fixed: Readonly<Record<string, ParamValue>> = {},
): Record<string, ParamValue>[] {
  let combos: Record<string, ParamValue>[] = [{ ...fixed }];
  for (const [name, values] of Object.entries(grid)) {
    const next: Record<string, ParamValue>[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [name]: v });
    combos = next;
  }
  return combos;
}

/** The outcome of checking params against a strategy's schema. */
export type ParamsCheck =
  | { readonly ok: true; readonly params: unknown }
  | { readonly ok: false; readonly message: string };

/**
 * Checks raw params with the strategy's zod schema (which fills in defaults). Production defaults from
 * `strategies/production/config.yaml` may be passed as `defaults`; `raw` overrides them.
 */
export function checkParams(
  def: StrategyDefinition<unknown>,
  raw: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>> = {},
): ParamsCheck {
  const res = def.paramsSchema.safeParse({ ...defaults, ...raw });
  if (res.success) return { ok: true, params: res.data };
  const message = res.error.issues
    .map((i) => {
      const where = i.path.map(String).join('.');
      return where ? `${where}: ${i.message}` : i.message;
    })
    .join('; ');
  return { ok: false, message };
}

/**
 * Like {@link checkParams} but throws.
 *
 * @throws BacktestInputError naming the strategy and every problem found.
 */
export function validateParams(
  def: StrategyDefinition<unknown>,
  raw: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>> = {},
): unknown {
  const r = checkParams(def, raw, defaults);
  if (!r.ok) throw new BacktestInputError(`invalid params for ${def.name}: ${r.message}`);
  return r.params;
}

/**
 * Orders params deterministically: by each key in sorted order, numbers numerically, other values as text.
 * Used to break ties between sweep results with equal returns.
 */
export function compareParams(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): number {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    const sx = JSON.stringify(x) ?? '';
    const sy = JSON.stringify(y) ?? '';
    if (sx !== sy) return sx < sy ? -1 : 1;
  }
  return 0;
}
