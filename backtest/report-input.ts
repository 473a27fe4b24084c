/**
 * Maps a backtest run to the report writer's input (`backtest/report/`): the record's settings and metrics,
 * the per-bar series the charts draw and the trades. Pure: the caller passes the generation time.
 */
import type { Dataset } from './dataset.js';
import type { BacktestRun } from './engine.js';
import { buyHoldSeries, drawdownSeries } from './metrics.js';
import type { BacktestRecord } from './record.js';
import { type BacktestReportInput, REPORT_SCHEMA_VERSION } from './report/index.js';

/** What a report is built from. */
export interface ReportSource {
  readonly record: BacktestRecord;
  readonly run: BacktestRun;
  readonly dataset: Dataset;
  /** ISO 8601 time of the run (the renderer reads no clock). */
  readonly generatedAt: string;
}

/** Builds the report input of one backtest. */
export function reportInput(s: ReportSource): BacktestReportInput {
  const { record: r, run } = s;
  const w = run.window;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: s.generatedAt,
    strategy: r.strategy,
    params: r.params as BacktestReportInput['params'],
    mode: r.mode,
    leverage: r.leverage,
    dataFile: s.dataset.file,
    dataHash: s.dataset.sha256,
    timeframe: r.timeframe,
    settings: {
      exchange: r.exchange,
      fee_bps: r.fee_bps,
      slippage_bps: r.slippage_bps,
      stop_loss: r.stop_loss,
      take_profit: r.take_profit,
      max_drawdown: r.max_drawdown,
      sizing: r.sizing,
      from: r.from,
      to: r.to,
    },
    metrics: {
      bars: r.bars,
      trades: r.trades,
      closed_trades: r.closed_trades,
      return_pct: r.return_pct,
      buy_hold_pct: r.buy_hold_pct,
      outperform: r.outperform,
      max_drawdown_pct: r.max_drawdown_pct,
      sharpe: r.sharpe,
      sortino: r.sortino,
      win_rate: r.win_rate,
      profit_factor: r.profit_factor,
      exposure_pct: r.exposure_pct,
      fees_paid: r.fees_paid,
      margin_costs_paid: r.margin_costs_paid,
      liquidations: r.liquidations,
      starting_cash: r.starting_cash,
      final_equity: r.final_equity,
    },
    series: {
      ts: Array.from(w.ts),
      close: Array.from(w.close),
      equity: Array.from(run.equity),
      buyHold: Array.from(buyHoldSeries(w.close, run.startingCash)),
      drawdown: Array.from(drawdownSeries(run.equity, run.startingCash)),
    },
    // An open trade has no exit yet: null, so the chart draws no exit marker for it.
    trades: run.trades.map((t) => ({
      entryTs: t.entryTs,
      exitTs: t.reason === 'open' ? null : t.exitTs,
      side: t.side,
      entryPrice: t.entryPrice,
      exitPrice: t.reason === 'open' ? null : t.exitPrice,
      qty: t.qty,
      pnl: t.pnl,
      fees: t.fees,
      marginCosts: t.marginCosts,
      reason: t.reason,
    })),
  };
}
