import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CLIENT_SCRIPT } from './client.js';
import { ReportError } from './errors.js';
import {
  escapeXml,
  fmtDate,
  fmtNumber,
  fmtPrice,
  fmtQty,
  fmtSignedPct,
  fmtTime,
  jsonForScript,
} from './format.js';
import type { BacktestReportInput, ReportMetrics } from './types.js';

const require = createRequire(import.meta.url);

/** The chart library's files, read once from node_modules and inlined into every report. */
interface ChartAssets {
  readonly js: string;
  readonly css: string;
  readonly version: string;
}

let assets: ChartAssets | undefined;

/**
 * Reads uPlot's browser build, stylesheet and licence from the installed package. The licence goes into the
 * report next to the code because the MIT licence asks copies to carry it.
 *
 * @throws {ReportError} `REPORT_ASSET` when the `uplot` package is not installed.
 */
function chartAssets(): ChartAssets {
  if (assets !== undefined) return assets;
  let loaded: ChartAssets;
  try {
    const pkgPath = require.resolve('uplot/package.json');
    const dir = pkgPath.slice(0, -'package.json'.length);
    const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
    const license = readFileSync(`${dir}LICENSE`, 'utf8').replaceAll('*/', '* /');
    const js = `/*! uPlot ${version}\n${license}*/\n${readFileSync(`${dir}dist/uPlot.iife.min.js`, 'utf8')}`;
    const css = readFileSync(`${dir}dist/uPlot.min.css`, 'utf8');
    loaded = { js, css, version };
  } catch (cause) {
    throw new ReportError(
      'REPORT_ASSET',
      'cannot read the uPlot chart library from node_modules/uplot',
      cause,
    );
  }
  // Inlined verbatim, so a closing tag inside the library would end its element early and break the page.
  if (/<\/script/i.test(loaded.js) || /<\/style/i.test(loaded.css)) {
    throw new ReportError(
      'REPORT_ASSET',
      `uPlot ${loaded.version} contains a closing tag and cannot be inlined`,
    );
  }
  assets = loaded;
  return assets;
}

/**
 * The report's own stylesheet. Numbers use tabular figures so that table columns line up; the trades table
 * scrolls inside its panel so that a run with thousands of trades keeps the charts in reach.
 */
const REPORT_CSS = `
:root { --fg: #1f2937; --muted: #6b7280; --border: #e5e7eb; --gain: #15803d; --loss: #b91c1c; --long: #15803d; --short: #c2410c; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 24px 32px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h1 .ret { margin-left: 10px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.gain { color: var(--gain); } .loss { color: var(--loss); } .muted { color: var(--muted); }
.panel { background: #fff; border: 1px solid var(--border); border-radius: 6px; padding: 12px 14px; margin-top: 12px; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 12px; }
.cols .panel { margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.kv th { text-align: left; font-weight: normal; color: var(--muted); padding: 3px 12px 3px 0; white-space: nowrap; vertical-align: top; }
table.kv td { text-align: right; padding: 3px 0; font-weight: 600; overflow-wrap: anywhere; }
table.kv td.mono, code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; font-weight: normal; }
table.kv tr + tr th, table.kv tr + tr td { border-top: 1px solid #f1f2f4; }
.chart-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 18px; }
.chart-head h2 { margin: 0; }
.keys { display: flex; flex-wrap: wrap; gap: 4px 14px; color: var(--muted); font-size: 13px; }
.keys span { white-space: nowrap; }
.keys svg { vertical-align: -2px; margin-right: 4px; }
.hint { color: var(--muted); font-size: 12px; margin-left: auto; }
.hint label { cursor: pointer; }
.hint input { vertical-align: -2px; margin: 0 2px 0 0; }
.hint button { font: inherit; font-size: 12px; margin-left: 6px; padding: 1px 8px; border: 1px solid var(--border); border-radius: 4px; background: #fff; cursor: pointer; }
.chart { min-height: 120px; }
.uplot .u-legend { font-size: 12px; text-align: left; margin: 2px 0 0; padding-left: 84px; }
.trades-wrap { max-height: 520px; overflow: auto; }
table.trades { font-size: 13px; }
table.trades th, table.trades td { padding: 4px 10px; border-bottom: 1px solid #f1f2f4; text-align: right; white-space: nowrap; }
table.trades th { position: sticky; top: 0; background: #fff; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--border); }
table.trades .l { text-align: left; }
table.trades tbody tr { cursor: pointer; }
table.trades tbody tr:hover { background: #f3f6fb; }
.side-LONG { color: var(--long); font-weight: 600; } .side-SHORT { color: var(--short); font-weight: 600; }
footer { color: var(--muted); font-size: 12px; margin-top: 16px; }
`;

/** Inline SVG icons for the marker key, drawn like the canvas markers (filled entry, hollow exit). */
function markerIcon(up: boolean, color: string, filled: boolean): string {
  const points = up ? '6,1 1,11 11,11' : '6,11 1,1 11,1';
  return `<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true"><polygon points="${points}" fill="${filled ? color : '#fff'}" stroke="${color}" stroke-width="1.5"/></svg>`;
}

const signClass = (v: number): string => (v > 0 ? 'gain' : v < 0 ? 'loss' : '');

function kvRows(rows: ReadonlyArray<readonly [string, string, string?]>): string {
  return rows
    .map(([k, v, cls]) => `<tr><th>${escapeXml(k)}</th><td${cls ? ` class="${cls}"` : ''}>${v}</td></tr>`)
    .join('');
}

/** Shows an undefined ratio as "n/a" with the reason on hover, rather than a made-up number. */
function orNa(value: number | null, why: string, fmt: (v: number) => string): string {
  return value === null ? `<span title="${escapeXml(why)}">n/a</span>` : fmt(value);
}

function metricRows(m: ReportMetrics): string {
  const rows: Array<readonly [string, string, string?]> = [
    ['Return', fmtSignedPct(m.return_pct), signClass(m.return_pct)],
    ['Buy & hold', fmtSignedPct(m.buy_hold_pct), signClass(m.buy_hold_pct)],
    ['Outperformance', `${fmtSignedPct(m.outperform).slice(0, -1)} pp`, signClass(m.outperform)],
    // Stored as a magnitude (>= 0) and shown as the loss it is.
    ['Max drawdown', fmtSignedPct(-m.max_drawdown_pct), signClass(-m.max_drawdown_pct)],
    ['Sharpe', orNa(m.sharpe, 'returns have no variance', (v) => fmtNumber(v))],
    ['Sortino', orNa(m.sortino, 'no negative return', (v) => fmtNumber(v))],
    ['Win rate', orNa(m.win_rate, 'no closed trade', (v) => `${fmtNumber(v, 1)}%`)],
    [
      'Profit factor',
      orNa(m.profit_factor, 'no losing trade, so the ratio is undefined', (v) => fmtNumber(v)),
    ],
    ['Exposure', `${fmtNumber(m.exposure_pct, 1)}%`],
    ['Fees paid', fmtNumber(m.fees_paid)],
  ];
  if (m.margin_costs_paid !== undefined) rows.push(['Margin costs paid', fmtNumber(m.margin_costs_paid)]);
  rows.push(['Liquidations', String(m.liquidations), m.liquidations > 0 ? 'loss' : '']);
  rows.push([
    'Trades',
    m.closed_trades === undefined ? String(m.trades) : `${m.trades} (${m.closed_trades} closed)`,
  ]);
  rows.push(['Bars', String(m.bars)]);
  return kvRows(rows);
}

function runRows(input: BacktestReportInput): string {
  const s = input.series;
  const first = s.ts[0]!;
  const last = s.ts[s.ts.length - 1]!;
  const params = Object.entries(input.params);
  const paramText =
    params.length === 0
      ? '<span class="mono">(none)</span>'
      : params.map(([k, v]) => `<code>${escapeXml(k)}=${escapeXml(JSON.stringify(v))}</code>`).join('<br>');
  return kvRows([
    ['Strategy', escapeXml(input.strategy)],
    ['Parameters', paramText],
    [
      'Mode',
      input.mode === 'leveraged' ? `leveraged, ${escapeXml(fmtNumber(input.leverage, 2))}x` : 'long only',
    ],
    ['Data file', `<code>${escapeXml(input.dataFile)}</code>`],
    [
      'Data SHA-256',
      `<code title="${escapeXml(input.dataHash)}">${escapeXml(input.dataHash.slice(0, 16))}…</code>`,
    ],
    ['Timeframe', escapeXml(input.timeframe)],
    ...Object.entries(input.settings ?? {}).map(
      ([k, v]) => [k, `<code>${escapeXml(typeof v === 'string' ? v : JSON.stringify(v))}</code>`] as const,
    ),
    ['Period (UTC)', `${escapeXml(fmtTime(first))} to ${escapeXml(fmtTime(last))}`],
    ['Starting equity', fmtNumber(s.equity[0]!)],
    ['Final equity', fmtNumber(s.equity[s.equity.length - 1]!)],
    ['Generated', escapeXml(input.generatedAt)],
  ]);
}

/** Whether to show a costs column: only when the engine supplied per-trade fees or margin costs. */
const hasCosts = (input: BacktestReportInput): boolean =>
  input.trades.some((t) => t.fees !== undefined || t.marginCosts !== undefined);

function tradeHead(input: BacktestReportInput): string {
  const costs = hasCosts(input) ? '<th title="trading fees + margin costs">Costs</th>' : '';
  return (
    '<tr><th>#</th><th class="l">Side</th><th>Entry (UTC)</th><th>Entry price</th><th>Exit (UTC)</th>' +
    `<th>Exit price</th><th>Qty</th>${costs}<th>PnL</th><th class="l">Reason</th></tr>`
  );
}

function tradeRows(input: BacktestReportInput): string {
  const costs = hasCosts(input);
  const out: string[] = [];
  input.trades.forEach((t, i) => {
    const exit = t.exitTs === null ? '<span class="muted">open</span>' : escapeXml(fmtTime(t.exitTs));
    const exitPrice = t.exitPrice === null ? '' : fmtPrice(t.exitPrice);
    const cost = costs ? `<td>${fmtNumber((t.fees ?? 0) + (t.marginCosts ?? 0))}</td>` : '';
    out.push(
      `<tr data-i="${i}"><td>${i + 1}</td><td class="l side-${t.side}">${t.side}</td>` +
        `<td>${escapeXml(fmtTime(t.entryTs))}</td><td>${fmtPrice(t.entryPrice)}</td>` +
        `<td>${exit}</td><td>${exitPrice}</td><td>${fmtQty(t.qty)}</td>${cost}` +
        `<td class="${signClass(t.pnl)}">${fmtNumber(t.pnl)}</td><td class="l">${escapeXml(t.reason)}</td></tr>`,
    );
  });
  return out.join('\n');
}

/** A CSP source for an inline element's exact text, so the page may run its own code and nothing else. */
const cspHash = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Renders the report as one self-contained HTML page: a run summary and metrics table, three synced uPlot
 * panels (price with trade markers, equity against buy & hold, drawdown) and a trades table.
 *
 * Nothing is loaded at view time: uPlot's code and stylesheet are inlined, and a Content-Security-Policy that
 * allows only those inline blocks (by hash) and no network makes that a guarantee rather than a habit. The
 * input travels as JSON in `<script type="application/json" id="report-data">` with `<`, `>` and `&` escaped,
 * and every name, parameter and file name in the markup is HTML-escaped. The output depends only on the input
 * (no clock, no locale), so the same run renders the same bytes.
 *
 * @throws {ReportError} `REPORT_ASSET` when the uPlot package is not installed.
 */
export function renderHtml(input: BacktestReportInput): string {
  const lib = chartAssets();
  const m = input.metrics;
  const title = `${input.strategy} ${fmtSignedPct(m.return_pct)}`;
  const file = input.dataFile.split(/[\\/]/).pop() ?? input.dataFile;
  const mode =
    input.mode === 'leveraged'
      ? `leveraged ${fmtNumber(input.leverage, 2).replace(/\.?0+$/, '')}x`
      : 'long only';
  const first = input.series.ts[0]!;
  const last = input.series.ts[input.series.ts.length - 1]!;
  const sub = [file, input.timeframe, mode, `${fmtDate(first)} to ${fmtDate(last)}`, `${m.trades} trades`]
    .map(escapeXml)
    .join(' · ');
  const keys = [
    `<span>${markerIcon(true, '#15803d', true)}long entry</span>`,
    `<span>${markerIcon(false, '#15803d', false)}long exit</span>`,
    `<span>${markerIcon(true, '#c2410c', true)}short entry</span>`,
    `<span>${markerIcon(false, '#c2410c', false)}short exit</span>`,
  ].join('');
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(lib.js)} ${cspHash(CLIENT_SCRIPT)}`,
    `style-src ${cspHash(lib.css)} ${cspHash(REPORT_CSS)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dualbot backtest report">
<title>${escapeXml(title)} · ${escapeXml(file)}</title>
<link rel="icon" href="data:,">
<style>${lib.css}</style>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
<h1>${escapeXml(input.strategy)}<span class="ret ${signClass(m.return_pct)}">${escapeXml(fmtSignedPct(m.return_pct))}</span></h1>
<p class="sub">${sub}</p>
</header>
<div class="cols">
<section class="panel"><h2>Performance</h2><table class="kv metrics">${metricRows(m)}</table></section>
<section class="panel"><h2>Run</h2><table class="kv run">${runRows(input)}</table></section>
</div>
<section id="charts">
<div class="panel"><div class="chart-head"><h2>Price and trades</h2><div class="keys">${keys}</div><div class="hint"><label title="price and equity on a logarithmic axis"><input id="log-scale" type="checkbox"> Log scale</label> · Drag to zoom, double-click to reset<button id="zoom-reset" type="button">Reset zoom</button></div></div><div id="chart-price" class="chart"></div></div>
<div class="panel"><div class="chart-head"><h2>Equity vs buy &amp; hold</h2></div><div id="chart-equity" class="chart"></div></div>
<div class="panel"><div class="chart-head"><h2>Drawdown</h2></div><div id="chart-drawdown" class="chart"></div></div>
</section>
<section class="panel"><div class="chart-head"><h2>Trades (${input.trades.length})</h2><div class="hint">Click a row to zoom the charts to it</div></div>
<div class="trades-wrap"><table class="trades"><thead>${tradeHead(input)}</thead>
<tbody id="trades-body">
${tradeRows(input)}
</tbody></table></div></section>
<footer>dualbot backtest report · schema v${input.schemaVersion} · times in UTC · charts by uPlot ${escapeXml(lib.version)} (MIT), inlined</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(input)}</script>
<script>${lib.js}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
