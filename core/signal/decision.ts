/** Decision codes: a strategy's decisions as small integers, for decision columns and hot loops. */
import type { Decision } from './contract.js';
import { StrategyError } from './errors.js';

/** Decision codes in a compact column: 0 = no change, then the targets. */
export const DECISION = { NONE: 0, LONG: 1, SHORT: 2, FLAT: 3 } as const;
export type DecisionCode = (typeof DECISION)[keyof typeof DECISION];

/** The code of a decision, or -1 when its target is not one of the contract's (a contract break). */
export function decisionCode(d: Decision): DecisionCode | -1 {
  // Compares rather than `DECISION[d.target]`: a variable-key read is slow, and this runs once per bar.
  const t = d?.target;
  if (t === null) return DECISION.NONE;
  if (t === 'LONG') return DECISION.LONG;
  if (t === 'FLAT') return DECISION.FLAT;
  if (t === 'SHORT') return DECISION.SHORT;
  return -1;
}

/** Throws the contract break for a decision whose code is -1. */
export function badDecision(strategy: string, bar: number, d: unknown): never {
  let shown: string;
  try {
    shown = JSON.stringify(d) ?? String(d);
  } catch {
    shown = String(d);
  }
  throw new StrategyError(
    'STRATEGY_BAD_DECISION',
    strategy,
    bar,
    `decide returned ${shown.slice(0, 200)}; expected { target: "LONG" | "SHORT" | "FLAT" | null, reason }`,
  );
}
