import { axisFormatter, escapeXml, fmtDate, fmtLogTick, fmtNumber, fmtSignedPct } from './format.js';
import { LOG_RATIO, logTicks, niceTicks, timeTicks } from './ticks.js';
import type { BacktestReportInput } from './types.js';

/** Size of the static equity chart in CSS pixels (the PNG has the same size). */
export const SVG_WIDTH = 1200;
export const SVG_HEIGHT = 675;

/** The font family the SVG asks for; the PNG renderer loads a bundled TTF of this family. */
export const SVG_FONT_FAMILY = 'DejaVu Sans';

const COLORS = {
  equity: '#2563eb',
  hold: '#ea580c',
  capital: '#6b7280',
  grid: '#e5e7eb',
  axis: '#9ca3af',
  text: '#1f2937',
  muted: '#6b7280',
  gain: '#15803d',
  loss: '#b91c1c',
  ddFill: '#fca5a5',
  ddLine: '#dc2626',
} as const;

interface Box {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** Rounds a coordinate to 0.1 px: plenty for a raster and keeps the SVG text small. */
const r1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * Returns the indexes to draw for a series of `n` points spread over `pixels` columns: per column the first,
 * lowest, highest and last point. The drawn line then has the same envelope as the full series (no spike is
 * lost) while the path stays at most ~4 points per pixel, so 100k bars cost no more than 1k.
 */
export function decimate(values: ArrayLike<number>, pixels: number): number[] {
  const n = values.length;
  if (n <= pixels * 2) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  let bucket = -1;
  let first = 0;
  let lo = 0;
  let hi = 0;
  let last = 0;
  const flush = (): void => {
    for (const i of [first, lo, hi, last].sort((a, b) => a - b)) if (out[out.length - 1] !== i) out.push(i);
  };
  for (let i = 0; i < n; i++) {
    const b = Math.floor((i / (n - 1)) * pixels);
    const v = values[i]!;
    if (b !== bucket) {
      if (bucket >= 0) flush();
      bucket = b;
      first = lo = hi = last = i;
      continue;
    }
    if (v < values[lo]!) lo = i;
    if (v > values[hi]!) hi = i;
    last = i;
  }
  flush();
  return out;
}

function linePath(idx: readonly number[], x: (i: number) => number, y: (i: number) => number): string {
  let d = '';
  for (const i of idx) d += `${d === '' ? 'M' : 'L'}${r1(x(i))} ${r1(y(i))}`;
  return d;
}

function text(
  x: number,
  y: number,
  body: string,
  attrs: { size?: number; anchor?: 'start' | 'middle' | 'end'; fill?: string; weight?: 'bold' } = {},
): string {
  const size = attrs.size ?? 12;
  const anchor = attrs.anchor ?? 'start';
  const weight = attrs.weight === undefined ? '' : ` font-weight="${attrs.weight}"`;
  return `<text x="${r1(x)}" y="${r1(y)}" font-size="${size}" text-anchor="${anchor}" fill="${attrs.fill ?? COLORS.text}"${weight}>${body}</text>`;
}

/** Shortens a string to `max` characters with an ellipsis, so that one long file name cannot push text off the image. */
function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * Picks the plot corner whose legend-sized box covers the fewest drawn points, so that the legend hides as
 * little of the curves as possible.
 */
function legendCorner(
  plot: Box,
  size: { w: number; h: number },
  points: ReadonlyArray<readonly [number, number]>,
): { x: number; y: number } {
  const pad = 10;
  const corners = [
    { x: plot.left + pad, y: plot.top + pad },
    { x: plot.right - pad - size.w, y: plot.top + pad },
    { x: plot.left + pad, y: plot.bottom - pad - size.h },
    { x: plot.right - pad - size.w, y: plot.bottom - pad - size.h },
  ];
  let best = corners[0]!;
  let bestHits = Number.POSITIVE_INFINITY;
  for (const c of corners) {
    let hits = 0;
    for (const [px, py] of points) {
      if (px >= c.x - 6 && px <= c.x + size.w + 6 && py >= c.y - 6 && py <= c.y + size.h + 6) hits++;
    }
    if (hits < bestHits) {
      best = c;
      bestHits = hits;
    }
  }
  return best;
}

/**
 * Draws the run as a static SVG: a title with the strategy and its return, the equity curve against buy & hold
 * with value and time axes, a legend, and a drawdown strip below on the same time axis.
 *
 * The SVG uses only the {@link SVG_FONT_FAMILY} font and no external references, so a headless rasteriser
 * renders it the same everywhere. Long series are decimated per pixel column (see {@link decimate}).
 */
export function renderEquitySvg(input: BacktestReportInput): string {
  const W = SVG_WIDTH;
  const H = SVG_HEIGHT;
  const { ts, equity, buyHold, drawdown } = input.series;
  const n = ts.length;
  const m = input.metrics;
  const t0 = ts[0]!;
  const t1 = ts[n - 1]!;

  const eqBox: Box = { left: 84, top: 92, right: W - 28, bottom: 448 };
  const ddBox: Box = { left: eqBox.left, top: 474, right: eqBox.right, bottom: 590 };
  const plotW = eqBox.right - eqBox.left;

  const x = (t: number): number =>
    t1 === t0 ? (eqBox.left + eqBox.right) / 2 : eqBox.left + ((t - t0) / (t1 - t0)) * plotW;

  // Value axis: both curves and the starting capital, padded so that no line sits on the frame.
  const capital = equity[0]!;
  let lo = capital;
  let hi = capital;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, equity[i]!, buyHold[i]!);
    hi = Math.max(hi, equity[i]!, buyHold[i]!);
  }
  if (hi - lo < Math.abs(hi) * 1e-9 || hi === lo) {
    const pad = Math.abs(hi) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  }
  // A log axis once the curves span more than LOG_RATIO (crypto over years), where a linear one flattens all
  // but the biggest curve; only possible while every value is > 0 (a wiped-out account stays linear).
  const log = lo > 0 && hi / lo >= LOG_RATIO;
  const f = log ? Math.log10 : (v: number): number => v;
  const vPad = (f(hi) - f(lo)) * 0.06;
  const yLo = f(lo) - vPad;
  const yHi = f(hi) + vPad;
  const yEq = (v: number): number => eqBox.bottom - ((f(v) - yLo) / (yHi - yLo)) * (eqBox.bottom - eqBox.top);

  // Drawdowns are fractions >= 0; the strip hangs them below a 0 % line, deeper is lower.
  let ddMax = 0;
  for (const d of drawdown) ddMax = Math.max(ddMax, d);
  const ddLoPct = Math.min(-ddMax * 100 * 1.08, -1);
  const yDd = (pct: number): number => ddBox.top + (pct / ddLoPct) * (ddBox.bottom - ddBox.top);

  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);

  // Title: what ran, and the two numbers a reader looks for first.
  const retColor = m.return_pct > 0 ? COLORS.gain : m.return_pct < 0 ? COLORS.loss : COLORS.text;
  const holdColor = m.buy_hold_pct > 0 ? COLORS.gain : m.buy_hold_pct < 0 ? COLORS.loss : COLORS.text;
  parts.push(
    `<text x="${eqBox.left}" y="40" font-size="22" font-weight="bold" fill="${COLORS.text}">${escapeXml(clip(input.strategy, 40))}` +
      `<tspan dx="14" fill="${retColor}">${escapeXml(fmtSignedPct(m.return_pct))}</tspan>` +
      `<tspan dx="14" font-size="15" font-weight="normal" fill="${COLORS.muted}">buy &amp; hold </tspan>` +
      `<tspan font-size="15" font-weight="normal" fill="${holdColor}">${escapeXml(fmtSignedPct(m.buy_hold_pct))}</tspan>` +
      `<tspan font-size="15" font-weight="normal" fill="${COLORS.muted}">  ·  max drawdown ${escapeXml(fmtSignedPct(-m.max_drawdown_pct, 1))}</tspan>` +
      `</text>`,
  );
  const mode = input.mode === 'leveraged' ? `leveraged ${input.leverage}x` : 'long only';
  const subtitle = [
    clip(input.dataFile.split(/[\\/]/).pop() ?? input.dataFile, 48),
    input.timeframe,
    mode,
    `${fmtDate(t0)} to ${fmtDate(t1)}`,
    `${m.trades} trades`,
    `${m.bars} bars`,
  ].join('  ·  ');
  parts.push(text(eqBox.left, 66, escapeXml(subtitle), { size: 13, fill: COLORS.muted }));

  // Grid and value axis of the equity panel.
  let yValues: number[];
  let yLabel: (v: number) => string;
  if (log) {
    yValues = logTicks(10 ** yLo, 10 ** yHi, 8);
    yLabel = fmtLogTick;
  } else {
    const nice = niceTicks(yLo, yHi, 6);
    yValues = nice.values;
    yLabel = axisFormatter(nice.values, nice.step);
  }
  for (const v of yValues) {
    const y = r1(yEq(v));
    parts.push(
      `<line x1="${eqBox.left}" y1="${y}" x2="${eqBox.right}" y2="${y}" stroke="${COLORS.grid}" stroke-width="1"/>`,
    );
    parts.push(
      text(eqBox.left - 8, y + 4, escapeXml(yLabel(v)), {
        anchor: 'end',
        fill: COLORS.muted,
      }),
    );
  }
  if (log)
    parts.push(
      text(eqBox.right, eqBox.top - 7, 'log scale', { size: 11, anchor: 'end', fill: COLORS.muted }),
    );
  // Time grid over both panels, labels under the drawdown strip.
  const xTicks = timeTicks(t0, t1, Math.max(2, Math.floor(plotW / 120)));
  for (const t of xTicks) {
    const xx = r1(x(t.value));
    for (const box of [eqBox, ddBox]) {
      parts.push(
        `<line x1="${xx}" y1="${box.top}" x2="${xx}" y2="${box.bottom}" stroke="${COLORS.grid}" stroke-width="1"/>`,
      );
    }
    parts.push(
      `<line x1="${xx}" y1="${ddBox.bottom}" x2="${xx}" y2="${ddBox.bottom + 5}" stroke="${COLORS.axis}"/>`,
    );
    // Centred under the tick, but pulled inside the image at either edge (DejaVu digits are ~7 px at 12 px).
    const half = t.label.length * 3.6;
    const anchor = xx + half > W - 6 ? 'end' : xx - half < 6 ? 'start' : 'middle';
    parts.push(text(xx, ddBox.bottom + 20, escapeXml(t.label), { anchor, fill: COLORS.muted }));
  }

  // Starting capital as a reference: above it the run made money, below it lost.
  const yCap = r1(yEq(capital));
  parts.push(
    `<line x1="${eqBox.left}" y1="${yCap}" x2="${eqBox.right}" y2="${yCap}" stroke="${COLORS.capital}" stroke-width="1" stroke-dasharray="4 4"/>`,
  );

  const idxHold = decimate(buyHold, plotW);
  const idxEq = decimate(equity, plotW);
  const xi = (i: number): number => x(ts[i]!);
  parts.push(
    `<path d="${linePath(idxHold, xi, (i) => yEq(buyHold[i]!))}" fill="none" stroke="${COLORS.hold}" stroke-width="1.6" stroke-linejoin="round"/>`,
  );
  parts.push(
    `<path d="${linePath(idxEq, xi, (i) => yEq(equity[i]!))}" fill="none" stroke="${COLORS.equity}" stroke-width="2" stroke-linejoin="round"/>`,
  );
  parts.push(
    `<rect x="${eqBox.left}" y="${eqBox.top}" width="${plotW}" height="${eqBox.bottom - eqBox.top}" fill="none" stroke="${COLORS.axis}"/>`,
  );

  // Legend in the emptiest corner.
  const legendRows = [
    { color: COLORS.equity, dash: '', width: 2.5, label: `Strategy  ${fmtSignedPct(m.return_pct)}` },
    { color: COLORS.hold, dash: '', width: 2, label: `Buy & hold  ${fmtSignedPct(m.buy_hold_pct)}` },
    {
      color: COLORS.capital,
      dash: ' stroke-dasharray="4 4"',
      width: 1,
      label: `Starting capital  ${fmtNumber(capital, Number.isInteger(capital) ? 0 : 2)}`,
    },
  ];
  const legendSize = { w: 236, h: 16 + legendRows.length * 20 };
  const samples: Array<readonly [number, number]> = [];
  for (const i of idxEq) samples.push([xi(i), yEq(equity[i]!)]);
  for (const i of idxHold) samples.push([xi(i), yEq(buyHold[i]!)]);
  const lg = legendCorner(eqBox, legendSize, samples);
  parts.push(
    `<rect x="${r1(lg.x)}" y="${r1(lg.y)}" width="${legendSize.w}" height="${legendSize.h}" rx="4" fill="#ffffff" fill-opacity="0.92" stroke="${COLORS.grid}"/>`,
  );
  legendRows.forEach((row, k) => {
    const cy = lg.y + 18 + k * 20;
    parts.push(
      `<line x1="${r1(lg.x + 12)}" y1="${r1(cy - 4)}" x2="${r1(lg.x + 40)}" y2="${r1(cy - 4)}" stroke="${row.color}" stroke-width="${row.width}"${row.dash}/>`,
    );
    parts.push(text(lg.x + 50, cy, escapeXml(row.label), { size: 13 }));
  });

  // Drawdown strip: the share of the running peak that was lost, 0 at the top.
  const ddTicks = niceTicks(ddLoPct, 0, 3);
  const ddLabel = axisFormatter(ddTicks.values, ddTicks.step);
  for (const v of ddTicks.values) {
    const y = r1(yDd(v));
    parts.push(
      `<line x1="${ddBox.left}" y1="${y}" x2="${ddBox.right}" y2="${y}" stroke="${COLORS.grid}" stroke-width="1"/>`,
    );
    parts.push(
      text(ddBox.left - 8, y + 4, `${escapeXml(ddLabel(v))}%`, {
        anchor: 'end',
        fill: COLORS.muted,
      }),
    );
  }
  const idxDd = decimate(drawdown, plotW);
  const ddLine = linePath(idxDd, xi, (i) => yDd(-drawdown[i]! * 100));
  const ddArea = `${ddLine}L${r1(xi(n - 1))} ${r1(yDd(0))}L${r1(xi(0))} ${r1(yDd(0))}Z`;
  parts.push(`<path d="${ddArea}" fill="${COLORS.ddFill}" fill-opacity="0.55" stroke="none"/>`);
  parts.push(
    `<path d="${ddLine}" fill="none" stroke="${COLORS.ddLine}" stroke-width="1.2" stroke-linejoin="round"/>`,
  );
  parts.push(
    `<rect x="${ddBox.left}" y="${ddBox.top}" width="${plotW}" height="${ddBox.bottom - ddBox.top}" fill="none" stroke="${COLORS.axis}"/>`,
  );
  // Above the strip, not inside it: the bottom is where the deepest drawdowns are drawn.
  parts.push(text(ddBox.left, ddBox.top - 7, 'Drawdown', { size: 12, fill: COLORS.ddLine, weight: 'bold' }));

  // Footer: enough provenance to find the run again.
  parts.push(
    text(
      eqBox.left,
      H - 22,
      escapeXml(
        `data sha256 ${input.dataHash.slice(0, 16)}…  ·  generated ${input.generatedAt}  ·  times in UTC`,
      ),
      { size: 11, fill: COLORS.muted },
    ),
  );
  parts.push(text(eqBox.right, H - 22, 'dualbot backtest', { size: 11, anchor: 'end', fill: COLORS.muted }));

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${SVG_FONT_FAMILY}">` +
    parts.join('') +
    `</svg>`
  );
}
