/**
 * The dashboard's stylesheet: a dark "mission control" palette sized for a 1280x800 screen with both bots
 * side by side. Numbers use tabular figures so that live values do not jitter as they change.
 */
export const DASHBOARD_CSS = `
:root {
  --bg: #0b1220; --panel: #111a2e; --panel-2: #0e1628; --line: #1f2a44; --line-2: #2a3858;
  --fg: #e5ecf6; --muted: #8a9bb8; --dim: #5d6d8a; --accent: #38bdf8;
  --gain: #34d399; --loss: #f87171; --warn: #fbbf24; --long: #34d399; --short: #fb923c;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--fg); }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; font-variant-numeric: tabular-nums; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.muted { color: var(--muted); } .dim { color: var(--dim); }
.gain { color: var(--gain); } .loss { color: var(--loss); }
header { display: flex; align-items: center; gap: 18px; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--panel-2); }
header h1 { font-size: 16px; margin: 0; letter-spacing: .02em; white-space: nowrap; }
header h1 .logo { color: var(--accent); margin-right: 6px; }
header h1 .sub { color: var(--muted); font-weight: 400; margin-left: 6px; }
.hstat { display: flex; flex-direction: column; line-height: 1.2; min-width: 0; }
.hstat .k { color: var(--dim); font-size: 10px; text-transform: uppercase; letter-spacing: .08em; }
.hstat .v { font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.spacer { flex: 1; }
.pill { display: inline-flex; align-items: center; gap: 6px; padding: 2px 9px; border-radius: 999px; font-size: 11px; font-weight: 600; border: 1px solid var(--line-2); color: var(--muted); white-space: nowrap; }
.pill::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.pill.ok { color: var(--gain); border-color: #1e5142; } .pill.warn { color: var(--warn); border-color: #5a4a1c; }
.pill.bad { color: var(--loss); border-color: #5c2a2a; } .pill.off { color: var(--dim); }
.pill.plain::before { display: none; }
#alerts { margin: 10px 20px 0; padding: 7px 12px; border: 1px solid #5c2a2a; background: #2a1518; border-radius: 6px; color: #fecaca; }
#alerts[hidden] { display: none; }
#alerts ul { margin: 0; padding-left: 18px; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 14px; padding: 12px 20px 8px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px 10px; min-width: 0; }
.card-head { display: flex; align-items: flex-start; gap: 10px; }
.card-head h2 { font-size: 16px; margin: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card-head .tags { color: var(--muted); font-size: 12px; margin-top: 1px; }
.card-head .pills { margin-left: auto; display: flex; gap: 6px; flex-shrink: 0; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin: 10px 0 6px; }
.kpi { background: var(--panel-2); border: 1px solid var(--line); border-radius: 6px; padding: 6px 9px; min-width: 0; }
.kpi .k { color: var(--dim); font-size: 10px; text-transform: uppercase; letter-spacing: .08em; }
.kpi .v { font-size: 17px; font-weight: 650; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.kpi .s { font-size: 11px; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.pos-LONG { color: var(--long); } .pos-SHORT { color: var(--short); } .pos-NONE { color: var(--muted); }
.meta { display: flex; flex-wrap: wrap; gap: 4px 16px; color: var(--muted); font-size: 12px; margin-bottom: 4px; }
.meta b { color: var(--fg); font-weight: 600; }
.chart { position: relative; height: 150px; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); margin: 2px 0 8px; }
.chart svg { display: block; width: 100%; height: 100%; }
.chart .empty { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: var(--dim); }
.chart text { fill: var(--dim); font-size: 10px; }
.lower { display: grid; grid-template-columns: 1fr; gap: 8px; }
.lower > div { min-width: 0; overflow: hidden; }
h3 { font-size: 11px; color: var(--dim); text-transform: uppercase; letter-spacing: .08em; margin: 0 0 4px; font-weight: 600; }
h3 .n { text-transform: none; letter-spacing: 0; color: var(--muted); font-weight: 400; margin-left: 4px; }
table { border-collapse: collapse; width: 100%; }
td, th { padding: 2px 6px; text-align: right; white-space: nowrap; }
th { color: var(--dim); font-weight: 500; font-size: 11px; }
td:first-child, th:first-child { text-align: left; padding-left: 0; }
tbody tr + tr td { border-top: 1px solid var(--line); }
.trades td { font-size: 12px; }
.trades td.reason { max-width: 180px; overflow: hidden; text-overflow: ellipsis; color: var(--muted); }
.trades th:last-child, .trades td:last-child { text-align: left; padding-left: 14px; }
.side-buy { color: var(--long); font-weight: 600; } .side-sell { color: var(--short); font-weight: 600; }
tr.fresh td { animation: flash 2.5s ease-out; }
@keyframes flash { from { background: rgba(56, 189, 248, .28); } to { background: transparent; } }
.note { color: var(--dim); font-size: 12px; padding: 4px 0; }
.health { display: flex; flex-wrap: wrap; gap: 3px 14px; margin-top: 8px; padding-top: 6px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
.health b { color: var(--fg); font-weight: 600; }
.health .err { color: var(--loss); flex-basis: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
footer { padding: 2px 20px 12px; color: var(--dim); font-size: 11px; display: flex; gap: 16px; }
#toast { position: fixed; right: 18px; bottom: 16px; background: #0f2a3a; border: 1px solid #1d5673; color: #d6f1ff; padding: 8px 12px; border-radius: 6px; box-shadow: 0 6px 24px rgba(0,0,0,.4); opacity: 0; transform: translateY(8px); transition: opacity .25s, transform .25s; pointer-events: none; }
#toast.show { opacity: 1; transform: none; }
`;
