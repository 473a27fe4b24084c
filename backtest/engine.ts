/**
 * The backtest engine: runs one strategy over candle columns through the trading core. Indicators are
 * computed in batch, `decide` runs per bar through the core's batch runner (which cannot read past bar t),
 * and the bars go through the core's simulated broker (`runSeries`, i.e. `stepBar`, the same step the paper
 * exchange uses). Nothing here fills, sizes or charges anything itself; it only records what the core did.
 *
 * Fill semantics are the core's (see `core/broker-sim.ts`): a decision on bar t's close is acted on at bar
 * t+1's open, a decision on the last bar is never filled, equity is marked at every close.
 */
import {
  type Account,
  accrueRollover,
  type CandleColumns,
  createSimContext,
  createSimState,
  type Fill,
  type FillModel,
  type FillReason,
  type MarginTerms,
  type RiskConfig,
  runSeries,
  type SimEvent,
  type SimState,
  sliceColumns,
} from '../core/index.js';
import { type IndicatorCache, runStrategyBatch } from '../core/signal/index.js';
import type { StrategyDefinition } from '../strategies/types.js';
import { emptyTally, type TradeTally, tallyTrade } from './metrics.js';

/** Everything the simulated broker needs besides the data: risk, fees, margin terms and the deposit. */
export interface EngineConfig {
  readonly risk: RiskConfig;
  readonly fill: FillModel;
  /** Used in margin mode only. */
  readonly margin: MarginTerms;
  /** Quote currency deposited before the first bar. */
  readonly startingCash: number;
}

/** What {@link runBacktest} runs. */
export interface BacktestInput<P> {
  readonly strategy: StrategyDefinition<P>;
  /** Params already validated with the strategy's schema. */
  readonly params: P;
  /** The candles; bars before `start` only warm the indicators up, bars from `end` on are ignored. */
  readonly candles: CandleColumns;
  /** Bar length in ms (rollover boundaries, annualisation). */
  readonly timeframeMs: number;
  /** First bar traded (inclusive); default 0. */
  readonly start?: number;
  /** Last bar traded (exclusive); default the number of candles. */
  readonly end?: number;
  readonly config: EngineConfig;
  /**
   * Indicator cache shared between runs over the same candles and the same `end` (a sweep); columns are
   * keyed by spec only, so a cache must never be reused across different data.
   */
  readonly cache?: IndicatorCache;
  /**
   * Buffers to reuse across runs (a sweep worker runs hundreds back to back): the run's `decisions` and
   * `equity` are then views of them, overwritten by the next run given the same scratch. Without it each run
   * allocates its own, and fresh multi-megabyte arrays (page faults, GC) are what keeps several workers from
   * scaling.
   */
  readonly scratch?: BacktestScratch;
  /**
   * `full` (the default) keeps every fill, event and trade. `metrics` keeps none of them (`fills`, `events`
   * and `trades` are empty) and only tallies the closed trades: all a sweep needs, and without thousands of
   * long-lived objects per run the workers spend far less on garbage collection.
   */
  readonly detail?: 'full' | 'metrics';
}

/** Reusable buffers for {@link runBacktest}; see {@link createScratch}. */
export interface BacktestScratch {
  readonly decisions: Int8Array;
  readonly equity: Float64Array;
}

/** Scratch buffers big enough for runs over `bars` candles. */
export function createScratch(bars: number): BacktestScratch {
  return { decisions: new Int8Array(bars), equity: new Float64Array(bars) };
}

/** Why a trade ended; `open` when it was still open at the last bar (marked at the last close). */
export type TradeExit = FillReason | 'open';

/** One position from entry to exit. Prices are fill prices (after slippage). */
export interface Trade {
  readonly side: 'LONG' | 'SHORT';
  readonly entryTs: number;
  readonly exitTs: number;
  readonly entryPrice: number;
  /** The exit fill's price, or the last close for a trade still open. */
  readonly exitPrice: number;
  readonly qty: number;
  /** Trading fees of the entry and exit fills. */
  readonly fees: number;
  /** Margin opening fee and rollover charged while the trade was open. */
  readonly marginCosts: number;
  /** Net result in quote currency: price PnL - fees - margin costs (+ any liquidation write-off). */
  readonly pnl: number;
  readonly reason: TradeExit;
}

/** The outcome of one backtest. All per-bar arrays cover the traded window `[start, end)`. */
export interface BacktestRun {
  readonly start: number;
  readonly end: number;
  /** The traded window as views of the input columns (no copy). */
  readonly window: CandleColumns;
  /** Decision codes (`DECISION`) at each bar of the window. */
  readonly decisions: Int8Array;
  /** Equity marked at each close of the window. */
  readonly equity: Float64Array;
  /** Bars that ended with a position open. */
  readonly exposedBars: number;
  /** Empty with `detail: 'metrics'`. */
  readonly fills: readonly Fill[];
  /** Empty with `detail: 'metrics'`. */
  readonly events: readonly SimEvent[];
  /** Closed trades in order, then the open one (reason `open`) if any. Empty with `detail: 'metrics'`. */
  readonly trades: readonly Trade[];
  /** The closed trades' tally (always kept). */
  readonly tradeTally: Readonly<TradeTally>;
  /** The account after the last bar. */
  readonly account: Account;
  readonly startingCash: number;
}

/** Length at which a `metrics` run empties its fill and event arrays (which only the bar being booked reads). */
const SCRATCH_RESET = 1024;

interface TradeDraft {
  side: 'LONG' | 'SHORT';
  entryTs: number;
  entryPrice: number;
  qty: number;
  fees: number;
  costs: number;
  exitTs: number;
  exitPrice: number;
  writeOff: number;
  reason: TradeExit;
}

/** Net result of a trade: price PnL - fees - margin costs (+ any liquidation write-off). */
function draftPnl(d: TradeDraft): number {
  const dir = d.side === 'LONG' ? 1 : -1;
  return dir * d.qty * (d.exitPrice - d.entryPrice) - d.fees - d.costs + d.writeOff;
}

function finish(d: TradeDraft): Trade {
  return {
    side: d.side,
    entryTs: d.entryTs,
    exitTs: d.exitTs,
    entryPrice: d.entryPrice,
    exitPrice: d.exitPrice,
    qty: d.qty,
    fees: d.fees,
    marginCosts: d.costs,
    pnl: draftPnl(d),
    reason: d.reason,
  };
}

/**
 * Runs a strategy over `[start, end)` of the candles and returns the equity curve, fills, trades and final
 * account. Deterministic: the same input gives bit-identical output, in any thread.
 *
 * @throws RangeError (`CoreRangeError`) when the config is out of range or the window is empty.
 * @throws StrategyError when the strategy throws or breaks its contract.
 */
export function runBacktest<P>(input: BacktestInput<P>): BacktestRun {
  const n = input.candles.ts.length;
  const start = input.start ?? 0;
  const end = input.end ?? n;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= n && start < end)) {
    throw new RangeError(`backtest window [${start}, ${end}) is empty or outside the ${n} candles`);
  }
  const cfg = input.config;
  const ctx = createSimContext({
    risk: cfg.risk,
    fill: cfg.fill,
    margin: cfg.margin,
    barMs: input.timeframeMs,
  });
  // Indicators see the history before `start` (as a live bot's warm-up does) but nothing from `end` on.
  const history = end === n ? input.candles : sliceColumns(input.candles, 0, end);
  const codes = runStrategyBatch(input.strategy, input.params, history, {
    allowShort: ctx.risk.allowShort,
    from: start,
    ...(input.cache ? { cache: input.cache } : {}),
    ...(input.scratch ? { out: input.scratch.decisions } : {}),
  });

  const { ts, close } = history;
  const margin = ctx.risk.mode === 'margin';
  const curve =
    input.scratch === undefined
      ? new Float64Array(end - start)
      : input.scratch.equity.subarray(0, end - start);
  const fills: Fill[] = [];
  const events: SimEvent[] = [];
  const full = input.detail !== 'metrics';
  const trades: Trade[] = [];
  const tally = emptyTally();
  /**
   * Trades closed during the bar being booked (the first `closedCount`), final once the bar's margin costs
   * are attributed. Slots are overwritten rather than the array emptied: setting an array's length to 0
   * drops its backing store, and the next push allocates a new one, once per fill.
   */
  const closedNow: TradeDraft[] = [];
  let closedCount = 0;
  let openTrade: TradeDraft | null = null;

  // Trade bookkeeping, only for bars where the core booked something (quiet bars never call it).
  const onChange = (i: number, before: SimState, after: SimState, f0: number, e0: number): void => {
    book(i, before, after, f0, e0);
    for (let k = 0; k < closedCount; k++) {
      const d = closedNow[k]!;
      tallyTrade(tally, draftPnl(d));
      // (Metrics mode tallies the draft and builds no trade object: tens of thousands per run in a sweep.)
      if (full) trades.push(finish(d));
    }
    closedCount = 0;
    // Metrics mode keeps no fill or event; it empties the arrays only once they have grown (see closedNow).
    if (!full && fills.length >= SCRATCH_RESET) fills.length = 0;
    if (!full && events.length >= SCRATCH_RESET) events.length = 0;
  };
  const book = (i: number, before: SimState, after: SimState, f0: number, e0: number): void => {
    const pre = before.account;
    const post = after.account;
    if (post === pre || (fills.length === f0 && post.marginCostsPaid === pre.marginCostsPaid)) return;
    const t = ts[i]!;
    // Rollover caught up at the open (across a data gap) belongs to the position held before the bar; the
    // core charges it first, so previewing it with the same pure function gives the same amount.
    let catchUp = 0;
    if (margin && openTrade !== null) {
      catchUp = accrueRollover(pre, t, ctx.margin).marginCostsPaid - pre.marginCostsPaid;
      openTrade.costs += catchUp;
    }
    let closedHere: TradeDraft | null = null;
    let liq = e0;
    for (let k = f0; k < fills.length; k++) {
      const f = fills[k]!;
      if (openTrade === null) {
        // The core opens only from flat, so a fill with no open trade is always an entry.
        openTrade = {
          side: f.side === 'buy' ? 'LONG' : 'SHORT',
          entryTs: f.ts,
          entryPrice: f.price,
          qty: f.qty,
          fees: f.fee,
          costs: 0,
          exitTs: f.ts,
          exitPrice: f.price,
          writeOff: 0,
          reason: 'open',
        };
      } else {
        // ...and every other fill closes the whole position (signal exit, stop, take-profit, liquidation).
        openTrade.exitTs = f.ts;
        openTrade.exitPrice = f.price;
        openTrade.fees += f.fee;
        openTrade.reason = f.reason;
        if (f.reason === 'liquidation') {
          while (liq < events.length && events[liq]!.type !== 'liquidation') liq++;
          const ev = events[liq++];
          if (ev?.type === 'liquidation') openTrade.writeOff = ev.lossWrittenOff;
        }
        closedNow[closedCount++] = openTrade;
        closedHere = openTrade;
        openTrade = null;
      }
    }
    // The rest (opening fee, rollover to the bar's end) belongs to the position open at the close or, when
    // flat, to the one that closed during this bar.
    const rest = post.marginCostsPaid - pre.marginCostsPaid - catchUp;
    if (rest !== 0) {
      if (openTrade !== null) openTrade.costs += rest;
      else if (closedHere !== null) closedHere.costs += rest;
    }
  };
  const { state, exposedBars } = runSeries(
    history,
    codes,
    start,
    end,
    createSimState(cfg.startingCash),
    ctx,
    { equity: curve, fills, events, onChange },
  );

  if (!full) {
    fills.length = 0;
    events.length = 0;
  }
  // (`onChange` assigns it; TypeScript cannot see assignments made inside a callback.)
  const stillOpen = openTrade as TradeDraft | null;
  if (stillOpen !== null) {
    stillOpen.exitTs = ts[end - 1]!;
    stillOpen.exitPrice = close[end - 1]!;
    if (full) trades.push(finish(stillOpen));
  }
  return {
    start,
    end,
    window: sliceColumns(history, start, end),
    decisions: codes.subarray(start, end),
    equity: curve,
    exposedBars,
    fills,
    events,
    trades,
    tradeTally: tally,
    account: state.account,
    startingCash: cfg.startingCash,
  };
}
