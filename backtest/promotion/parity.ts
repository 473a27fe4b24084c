/**
 * The paper-versus-backtest parity report: the paper period is replayed through the backtester on the
 * bot's candles and the fills are compared one by one: the same sides in the same order, prices within a
 * tolerance. Quantities are not compared: a paper bot sizes entries with `fixed_usd` (its trade amount and
 * position cap), the backtest with all its equity; both go through the same fill model, so sides and prices
 * must agree while quantities legitimately differ. Pure: candles and fills are inputs.
 *
 * Alignment: a paper order's intent carries its decision candle's open time; the backtest window starts at
 * the first such candle (indicators warm up on the bars before it, as the bot's warm-up does) and ends one
 * bar after the last candle the bot processed (state.json), where the backtest fills its last decision
 * (decision on the close, fill at the next open). The paper bot fills at the price it sees after the close; the backtest at the next open;
 * the tolerance absorbs the difference (and the slippage model is the same on both sides).
 */
import type { CandleColumns } from '../../core/index.js';
import type { StrategyDefinition } from '../../strategies/types.js';
import { runBacktest } from '../engine.js';
import type { ResolvedSettings } from '../settings.js';
import { lowerBound } from '../window.js';
import { type GateResult, pct } from './gate.js';
import type { PaperFill } from './paper-record.js';

/** Default price tolerance between a paper fill and its backtest fill, in %. */
export const DEFAULT_PARITY_TOLERANCE_PCT = 0.5;

/** One compared fill (either side may be missing). */
export interface ParityRow {
  readonly index: number;
  readonly paper_side: 'buy' | 'sell' | null;
  readonly paper_price: number | null;
  readonly paper_decision: string | null;
  readonly backtest_side: 'buy' | 'sell' | null;
  readonly backtest_price: number | null;
  readonly backtest_ts: string | null;
  /** |paper - backtest| / backtest, in %; null when either fill is missing. */
  readonly price_diff_pct: number | null;
  readonly ok: boolean;
}

/** The parity report (also written as `parity-<date>.json`). */
export interface ParityReport {
  readonly strategy: string;
  readonly tolerance_pct: number;
  readonly from: string | null;
  readonly to: string | null;
  readonly paper_fills: number;
  readonly backtest_fills: number;
  readonly side_mismatches: number;
  readonly price_mismatches: number;
  readonly max_price_diff_pct: number;
  readonly pass: boolean;
  /** Why the comparison could not run, when it could not. */
  readonly problem: string | null;
  readonly quantities: 'not compared: paper uses fixed_usd sizing, the backtest its equity';
  readonly rows: ParityRow[];
}

/** What the parity replay needs. */
export interface ParityInput {
  readonly strategy: StrategyDefinition<unknown>;
  readonly params: unknown;
  readonly candles: CandleColumns;
  readonly timeframeMs: number;
  readonly settings: ResolvedSettings;
  readonly fills: readonly PaperFill[];
  readonly tolerancePct: number;
  /**
   * What state.json says was processed: the last candle (the paper period ends there, so a backtest fill
   * the paper bot never made after its last fill counts as a mismatch) and the cycles run (the period's
   * length when there is no fill to align the start on).
   */
  readonly processed?: { readonly lastCandleTs: number; readonly cycles: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

function failed(input: ParityInput, problem: string): ParityReport {
  return {
    strategy: input.strategy.name,
    tolerance_pct: input.tolerancePct,
    from: null,
    to: null,
    paper_fills: input.fills.length,
    backtest_fills: 0,
    side_mismatches: 0,
    price_mismatches: 0,
    max_price_diff_pct: 0,
    pass: false,
    problem,
    quantities: 'not compared: paper uses fixed_usd sizing, the backtest its equity',
    rows: [],
  };
}

/** Replays the paper period through the backtester and compares the fills. */
export function parityReport(input: ParityInput): ParityReport {
  const ts = input.candles.ts;
  const n = ts.length;
  let firstDecision: number;
  let lastDecision: number;
  if (input.fills.length > 0) {
    firstDecision = Math.min(...input.fills.map((f) => f.decision_ts));
    lastDecision = Math.max(...input.fills.map((f) => f.decision_ts));
  } else if (input.processed && input.processed.cycles > 0) {
    lastDecision = input.processed.lastCandleTs;
    firstDecision = lastDecision - (input.processed.cycles - 1) * input.timeframeMs;
  } else {
    return failed(input, 'no paper fill and no processed candle: nothing to align the backtest on');
  }
  const start = lowerBound(ts, firstDecision);
  const last = lowerBound(ts, lastDecision);
  if (
    start >= n ||
    last >= n ||
    (input.fills.length > 0 && (ts[start] !== firstDecision || ts[last] !== lastDecision))
  ) {
    return failed(
      input,
      `the candle data (${n ? `${iso(ts[0]!)} to ${iso(ts[n - 1]!)}` : 'empty'}) does not hold the paper decision candles ${iso(firstDecision)} to ${iso(lastDecision)}`,
    );
  }
  // The paper bot fills a decision on candle t while processing t; the backtest at t+1's open.
  const lastProcessed = Math.max(last, input.processed ? lowerBound(ts, input.processed.lastCandleTs) : last);
  const end = Math.min(n, lastProcessed + 2);
  const run = runBacktest({
    strategy: input.strategy,
    params: input.params,
    candles: input.candles,
    timeframeMs: input.timeframeMs,
    start,
    end,
    config: input.settings.config,
  });
  const rows: ParityRow[] = [];
  let sideMismatches = 0;
  let priceMismatches = 0;
  let maxDiff = 0;
  const count = Math.max(input.fills.length, run.fills.length);
  for (let i = 0; i < count; i++) {
    const p = input.fills[i];
    const b = run.fills[i];
    const diff = p && b ? (Math.abs(p.price - b.price) / b.price) * 100 : null;
    const sideOk = p !== undefined && b !== undefined && p.side === b.side;
    const priceOk = diff !== null && diff <= input.tolerancePct;
    if (!sideOk) sideMismatches++;
    else if (!priceOk) priceMismatches++;
    if (diff !== null && diff > maxDiff) maxDiff = diff;
    rows.push({
      index: i,
      paper_side: p?.side ?? null,
      paper_price: p?.price ?? null,
      paper_decision: p ? iso(p.decision_ts) : null,
      backtest_side: b?.side ?? null,
      backtest_price: b?.price ?? null,
      backtest_ts: b ? iso(b.ts) : null,
      price_diff_pct: diff,
      ok: sideOk && priceOk,
    });
  }
  return {
    strategy: input.strategy.name,
    tolerance_pct: input.tolerancePct,
    from: iso(ts[start]!),
    to: iso(ts[end - 1]!),
    paper_fills: input.fills.length,
    backtest_fills: run.fills.length,
    side_mismatches: sideMismatches,
    price_mismatches: priceMismatches,
    max_price_diff_pct: maxDiff,
    pass: sideMismatches === 0 && priceMismatches === 0,
    problem: null,
    quantities: 'not compared: paper uses fixed_usd sizing, the backtest its equity',
    rows,
  };
}

/** Turns a parity report into its gate line. */
export function parityGate(r: ParityReport): GateResult {
  if (r.problem !== null) return { name: 'parity', pass: false, detail: r.problem };
  const sides =
    r.side_mismatches === 0
      ? `${r.paper_fills} paper fills = ${r.backtest_fills} backtest fills, same sides in order`
      : `${r.side_mismatches} side/order mismatches (${r.paper_fills} paper fills, ${r.backtest_fills} backtest fills)`;
  const prices = `max price difference ${pct(r.max_price_diff_pct).replace('+', '')} ${r.price_mismatches === 0 ? '<=' : '>'} ${r.tolerance_pct}% tolerance`;
  return { name: 'parity', pass: r.pass, detail: `${sides}; ${prices}` };
}

/** Renders a parity report as text lines (the `parity` command without --json). */
export function parityLines(r: ParityReport): string[] {
  const lines = [`parity of ${r.strategy}: ${r.pass ? 'PASS' : 'FAIL'}`];
  if (r.problem !== null) return [...lines, `  ${r.problem}`];
  lines.push(
    `  candles ${r.from} to ${r.to}; price tolerance ${r.tolerance_pct}%; quantities ${r.quantities}`,
  );
  for (const row of r.rows) {
    const paper = row.paper_side
      ? `${row.paper_side} @ ${row.paper_price} (decision ${row.paper_decision})`
      : '-';
    const bt = row.backtest_side ? `${row.backtest_side} @ ${row.backtest_price} (${row.backtest_ts})` : '-';
    const diff = row.price_diff_pct === null ? '' : ` diff ${row.price_diff_pct.toFixed(3)}%`;
    lines.push(`  ${row.ok ? 'ok  ' : 'DIFF'} #${row.index + 1} paper ${paper} | backtest ${bt}${diff}`);
  }
  return lines;
}
