/** The outcome of one promotion gate, printed as a PASS/FAIL line with its figure. */
export interface GateResult {
  /** Short name, e.g. `out-of-sample outperform`. */
  readonly name: string;
  readonly pass: boolean;
  /** The figure against its threshold, e.g. `-3.2% <= 0`. */
  readonly detail: string;
}

/** Formats a gate as one line: `PASS outperform: +4.10% > 0`. */
export function gateLine(g: GateResult): string {
  return `${g.pass ? 'PASS' : 'FAIL'} ${g.name}: ${g.detail}`;
}

/** Formats a signed percentage with two decimals: `+4.10%`, `-3.20%`. */
export function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;
}
