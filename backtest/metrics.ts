/**
 * Performance metrics of a backtest run, computed from the marked equity curve and the trades. Pure.
 *
 * Naming: a field ending in `_pct` is in percent (12.5 means +12.5 %); other fields are in their natural unit
 * (a count, a ratio, quote currency), except `win_rate`, which is in percent too (as the original system
 * reported it).
 *
 * Definitions (also in README "Backtesting"):
 * - returns are simple per-bar returns of the equity marked at each close;
 * - Sharpe = mean / sample standard deviation of those returns x sqrt(bars per year), risk-free rate 0;
 * - Sortino = mean / downside deviation (root mean square of the negative returns over all bars, target 0)
 *   x sqrt(bars per year);
 * - bars per year come from the data's timeframe over a 365-day year (crypto trades every day), so a daily
 *   series is annualised with sqrt(365) and an hourly one with sqrt(8760).
 */
import type { BacktestRun, Trade } from './engine.js';

/** Milliseconds in the 365-day year used for annualisation. */
export const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** The metrics `backtest --json` prints (snake_case: they are a file format read by other tools). */
export interface BacktestMetrics {
  /** Bars in the traded window. */
  readonly bars: number;
  /** Positions opened. */
  readonly trades: number;
  /** Trades closed before the last bar (win rate and profit factor are computed over these). */
  readonly closed_trades: number;
  /** Final equity / starting cash - 1, in %. */
  readonly return_pct: number;
  /** Last close / first close - 1, in %. */
  readonly buy_hold_pct: number;
  /** return_pct - buy_hold_pct, in percentage points. */
  readonly outperform: number;
  /** Largest fall of marked equity from its running peak, in % (>= 0). */
  readonly max_drawdown_pct: number;
  /** Annualised Sharpe ratio; null when returns have no variance (e.g. no trade). */
  readonly sharpe: number | null;
  /** Annualised Sortino ratio; null when there is no negative return. */
  readonly sortino: number | null;
  /** Closed trades with pnl > 0, in percent of closed trades; null without closed trades. */
  readonly win_rate: number | null;
  /** Gross profit / gross loss of closed trades; null when there is no losing trade. */
  readonly profit_factor: number | null;
  /** Bars that ended with a position open, in % of bars. */
  readonly exposure_pct: number;
  /** Trading fees paid, quote currency. */
  readonly fees_paid: number;
  /** Margin opening fees and rollover paid, quote currency. */
  readonly margin_costs_paid: number;
  readonly liquidations: number;
  readonly starting_cash: number;
  readonly final_equity: number;
}

/** Returns how many bars of `timeframeMs` fit in a 365-day year. */
export function periodsPerYear(timeframeMs: number): number {
  if (!(timeframeMs > 0)) throw new RangeError(`timeframe must be > 0 ms, got ${timeframeMs}`);
  return YEAR_MS / timeframeMs;
}

/** Returns the simple return from one marked equity to the next (0 after a zero equity: nothing left). */
function barReturn(prev: number, next: number): number {
  return prev > 0 ? next / prev - 1 : 0;
}

/** Returns the simple per-bar returns of an equity curve (one fewer than its length). */
export function barReturns(equity: Float64Array): Float64Array {
  const n = Math.max(0, equity.length - 1);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = barReturn(equity[i]!, equity[i + 1]!);
  return r;
}

/** What {@link curveStats} reads off an equity curve. */
export interface CurveStats {
  readonly sharpe: number | null;
  readonly sortino: number | null;
  /** Largest fall of marked equity from its running peak (the peak starts at the starting cash), in %. */
  readonly maxDrawdownPct: number;
}

/** The drawdown of `trough` from `peak`, as a fraction (0 when there is no positive peak). */
function drawdownOf(peak: number, trough: number): number {
  return peak > 0 ? (peak - trough) / peak : 0;
}

/**
 * Returns the annualised Sharpe and Sortino ratios of an equity curve's per-bar returns and its largest
 * drawdown, in one pass over the curve. A sweep computes this once per combination over millions of bars;
 * reading the curve three times (mean, deviations, drawdown) took 11 ms of a 30 ms backtest, this takes 3.
 *
 * The variance is summed on returns shifted by the first return (the "shifted data" method), which stays
 * exact for a curve of equal returns (variance 0, Sharpe null) and loses nothing that matters when returns
 * are percent-sized, unlike a plain sum of squares. The ratios are null when undefined: fewer than 2
 * returns, no variance (Sharpe), no negative return (Sortino).
 */
export function curveStats(equity: Float64Array, startingCash: number, barsPerYear: number): CurveStats {
  const n = equity.length - 1;
  let peak = startingCash;
  /** The lowest equity since `peak` was set, and the deepest drawdown of the peaks before it. */
  let trough = Number.POSITIVE_INFINITY;
  let worst = 0;
  let last = equity[0] ?? Number.NaN;
  if (n >= 0) {
    if (last > peak) peak = last;
    trough = last;
  }
  const shift = n >= 1 ? barReturn(last, equity[1]!) : 0;
  let sum = 0;
  let sumSq = 0;
  let down = 0;
  for (let i = 1; i <= n; i++) {
    const e = equity[i]!;
    const r = barReturn(last, e);
    const d = r - shift;
    sum += d;
    sumSq += d * d;
    // loss is r for a loss and exactly 0 otherwise (2r and its half are exact), and needs no branch: one
    // would mispredict on half the bars (Math.min, with its NaN and -0 cases, is not branch-free either).
    const loss = (r - Math.abs(r)) * 0.5;
    down += loss * loss;
    // The deepest drawdown from a peak is that of the lowest equity before the next peak (rounding is
    // monotonic, so this is exactly the largest of the per-bar drawdowns), so it is divided out once per
    // peak rather than once per bar.
    if (e > peak) {
      const dd = drawdownOf(peak, trough);
      if (dd > worst) worst = dd;
      peak = e;
      trough = e;
    } else if (e < trough) {
      trough = e;
    }
    last = e;
  }
  const maxDrawdownPct = Math.max(worst, drawdownOf(peak, trough)) * 100;
  if (n < 2) return { sharpe: null, sortino: null, maxDrawdownPct };
  const mean = shift + sum / n;
  const sd = Math.sqrt(Math.max(0, (sumSq - (sum * sum) / n) / (n - 1)));
  const dd = Math.sqrt(down / n);
  const annual = Math.sqrt(barsPerYear);
  // A flat curve has sd 0 (or rounding noise around 0): the ratio is undefined, not huge.
  return {
    sharpe: sd > 1e-15 ? (mean / sd) * annual : null,
    sortino: dd > 1e-15 ? (mean / dd) * annual : null,
    maxDrawdownPct,
  };
}

/** Returns the drawdown from the running peak at each bar, as a fraction in [0, 1]. */
export function drawdownSeries(equity: Float64Array, startingCash: number): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = startingCash;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e > peak) peak = e;
    out[i] = peak > 0 ? (peak - e) / peak : 0;
  }
  return out;
}

/** Returns the equity of buying at the first close with all the cash and holding (no fees), per bar. */
export function buyHoldSeries(close: Float64Array, startingCash: number): Float64Array {
  const out = new Float64Array(close.length);
  const first = close[0];
  if (first === undefined) return out;
  for (let i = 0; i < close.length; i++) out[i] = (startingCash * close[i]!) / first;
  return out;
}

/** Running totals over closed trades, in close order: what win rate and profit factor are made of. */
export interface TradeTally {
  closed: number;
  wins: number;
  /** Sum of the winning trades' PnL. */
  gain: number;
  /** Sum of the losing trades' losses, >= 0. */
  loss: number;
}

export function emptyTally(): TradeTally {
  return { closed: 0, wins: 0, gain: 0, loss: 0 };
}

/** Adds one closed trade's PnL to a tally. */
export function tallyTrade(t: TradeTally, pnl: number): void {
  t.closed++;
  if (pnl > 0) {
    t.wins++;
    t.gain += pnl;
  } else if (pnl < 0) {
    t.loss -= pnl;
  }
}

/** Win rate (%) and profit factor of a tally; null when undefined (never a sentinel like 99.99). */
export function tallyStats(t: Readonly<TradeTally>): {
  closed: number;
  winRate: number | null;
  profitFactor: number | null;
} {
  return {
    closed: t.closed,
    winRate: t.closed > 0 ? (t.wins / t.closed) * 100 : null,
    profitFactor: t.loss > 0 ? t.gain / t.loss : null,
  };
}

/** {@link tallyStats} over a list of trades (an open one, reason `open`, is not counted). */
export function tradeStats(trades: readonly Trade[]): ReturnType<typeof tallyStats> {
  const t = emptyTally();
  for (const tr of trades) if (tr.reason !== 'open') tallyTrade(t, tr.pnl);
  return tallyStats(t);
}

/** Computes the metrics of a run; `timeframeMs` sets the annualisation. */
export function computeMetrics(run: BacktestRun, timeframeMs: number): BacktestMetrics {
  const bars = run.equity.length;
  const finalEquity = run.equity[bars - 1] ?? run.startingCash;
  const close = run.window.close;
  const first = close[0]!;
  const last = close[bars - 1]!;
  const returnPct = (finalEquity / run.startingCash - 1) * 100;
  const holdPct = (last / first - 1) * 100;
  const curve = curveStats(run.equity, run.startingCash, periodsPerYear(timeframeMs));
  const stats = tallyStats(run.tradeTally);
  return {
    bars,
    trades: run.account.tradeCount,
    closed_trades: stats.closed,
    return_pct: returnPct,
    buy_hold_pct: holdPct,
    outperform: returnPct - holdPct,
    max_drawdown_pct: curve.maxDrawdownPct,
    sharpe: curve.sharpe,
    sortino: curve.sortino,
    win_rate: stats.winRate,
    profit_factor: stats.profitFactor,
    exposure_pct: bars > 0 ? (run.exposedBars / bars) * 100 : 0,
    fees_paid: run.account.feesPaid,
    margin_costs_paid: run.account.marginCostsPaid,
    liquidations: run.account.liquidations,
    starting_cash: run.startingCash,
    final_equity: finalEquity,
  };
}
