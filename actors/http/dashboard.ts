/**
 * The local Mission Control page (`GET /`): both bots side by side with their position, PnL, equity
 * curve, last trades, health and strategy backtest, updated live over Server-Sent Events. One
 * self-contained HTML document: the stylesheet and script are inlined, nothing is fetched from elsewhere,
 * so it works offline and under the server's CSP (`connect-src 'self'`).
 *
 * The only data written into the HTML itself is the backtest summary, as JSON in a non-executable
 * `<script type="application/json">` with `<`, `>`, `&` and the JS line separators escaped, so a strategy
 * name cannot close the element; everything else arrives over `/events` and is rendered with textContent.
 */
import { type BacktestSummary, readBacktestSummary } from '../sync/index.js';
import { DASHBOARD_SCRIPT } from './dashboard-client.js';
import { DASHBOARD_CSS } from './dashboard-style.js';

export interface DashboardOptions {
  /** Home folder: the backtest summary is read from HOME/backtest/results/summary.json on each render. */
  readonly home?: string;
  /** The summary to show (tests); overrides `home`. */
  readonly summary?: BacktestSummary;
}

/** JSON that is safe inside a `<script>` element: no `</script>`, no `<!--`, no raw U+2028/2029. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** Renders the page. Cheap: the summary file is cached by modification time. */
export function renderDashboard(o: DashboardOptions = {}): string {
  const summary = o.summary ?? (o.home !== undefined ? readBacktestSummary(o.home) : undefined);
  const data = {
    present: summary?.present === true && summary.problem === null,
    mtimeMs: summary?.mtimeMs ?? null,
    tables: summary?.problem === null ? summary.tables : {},
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="#">
<title>dualbot · Mission Control</title>
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header>
  <h1><span class="logo">&#9672;</span>dualbot<span class="sub">Mission Control</span></h1>
  <span id="conn" class="pill warn">connecting&hellip;</span>
  <span id="mode" class="pill">paper trading</span>
  <div class="spacer"></div>
  <div class="hstat"><span class="k">Total equity</span><span class="v" id="total">&mdash;</span></div>
  <div class="hstat"><span class="k">Bots running</span><span class="v" id="running">&mdash;</span></div>
  <div class="hstat"><span class="k">Uptime</span><span class="v" id="uptime">&mdash;</span></div>
  <div class="hstat"><span class="k">Mission Control sync</span><span class="v"><span id="mc" class="pill off">&mdash;</span></span></div>
</header>
<div id="alerts" hidden><ul id="alert-list"></ul></div>
<main id="bots"><div class="note">Waiting for the runtime&hellip;</div></main>
<footer>
  <span>Live over Server-Sent Events from this process (/events); raw JSON at /api/snapshot, health at /health, metrics at /metrics.</span>
</footer>
<div id="toast" role="status" aria-live="polite"></div>
<script id="summary-data" type="application/json">${jsonForScript(data)}</script>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
