/** Readable text output of the backtest commands (the `--json` output is the records themselves). */
import type { BacktestRecord } from '../backtest/record.js';

/** Formats a number with fixed decimals; `-` for null. */
export function fmt(v: number | null, digits = 2): string {
  return v === null ? '-' : v.toFixed(digits);
}

function pct(v: number | null): string {
  return v === null ? '-' : `${v.toFixed(2)} %`;
}

/** Lays out rows of cells in left-aligned columns separated by two spaces. */
export function columns(rows: readonly (readonly string[])[], rightAlign: readonly boolean[] = []): string[] {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((r) =>
    r
      .map((c, i) => (rightAlign[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The summary table of one backtest. */
export function backtestTable(r: BacktestRecord, dataFile: string): string[] {
  const fees =
    `${r.exchange} fees ${r.fee_bps} bps, slippage ${r.slippage_bps} bps` +
    (r.stop_loss !== null ? `, stop ${r.stop_loss}` : '') +
    (r.take_profit !== null ? `, take ${r.take_profit}` : '') +
    (r.max_drawdown !== null ? `, halt at -${r.max_drawdown * 100}%` : '');
  const head = [
    `${r.strategy} ${JSON.stringify(r.params)}`,
    `${r.mode} ${r.leverage}x, ${r.sizing} sizing, ${fees}`,
    `${dataFile} ${r.timeframe} ${r.from.slice(0, 16)} -> ${r.to.slice(0, 16)} (${r.bars} bars)`,
    '',
  ];
  const rows: string[][] = [
    ['return', pct(r.return_pct), 'buy & hold', pct(r.buy_hold_pct)],
    ['outperform', `${fmt(r.outperform)} pp`, 'max drawdown', pct(r.max_drawdown_pct)],
    ['sharpe', fmt(r.sharpe), 'sortino', fmt(r.sortino)],
    ['trades', `${r.trades} (${r.closed_trades} closed)`, 'win rate', pct(r.win_rate)],
    ['profit factor', fmt(r.profit_factor), 'exposure', pct(r.exposure_pct)],
    ['fees paid', fmt(r.fees_paid), 'margin costs', fmt(r.margin_costs_paid)],
    [
      'liquidations',
      String(r.liquidations),
      'final equity',
      `${fmt(r.final_equity)} (from ${fmt(r.starting_cash)})`,
    ],
  ];
  return [...head, ...columns(rows, [false, true, false, true])];
}
