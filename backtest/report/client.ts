import { LOG_RATIO } from './ticks.js';

/**
 * The script that draws the three uPlot panels inside the HTML report. It is plain browser JavaScript kept as a
 * string, because the report inlines it and a compiled function's `toString()` would change with the build
 * tool. It reads the report input from `<script id="report-data" type="application/json">` and expects the
 * element ids that `renderHtml` writes; the browser test in `test/report-render.test.ts` runs it for real.
 *
 * Its only substitution is `LOG_RATIO`, shared with the PNG renderer.
 *
 * Design notes:
 * - Times are ms since the epoch (`ms: 1`) shown in UTC, like the tables.
 * - All y axes share one fixed width so that the three panels line up on the time axis.
 * - Zoom (drag) and cursor are synced across the panels; double-click resets. Trade markers and position
 *   bands are drawn in canvas hooks, only for the visible range, so 100k bars and thousands of trades stay
 *   fast.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var input = JSON.parse(document.getElementById('report-data').textContent);
  var s = input.series;
  var trades = input.trades;
  var lastTs = s.ts[s.ts.length - 1];
  var LONG = '#15803d';
  var SHORT = '#c2410c';
  var AXIS_SIZE = 84;
  var SYNC = uPlot.sync('dualbot-report');
  var charts = [];

  function utc(ts) { return uPlot.tzDate(new Date(ts), 'Etc/UTC'); }

  function grouped(v, decimals) {
    var parts = Math.abs(v).toFixed(decimals).split('.');
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (v < 0 && Number(parts.join('.').replace(/,/g, '')) !== 0 ? '-' : '') + parts.join('.');
  }
  function fmtPrice(v) {
    if (v == null) return '-';
    var a = Math.abs(v);
    return grouped(v, a >= 1000 ? 2 : a >= 1 ? 4 : a >= 0.01 ? 6 : 8);
  }
  function fmtMoney(v) { return v == null ? '-' : grouped(v, 2); }
  function fmtPct(v) { return v == null ? '-' : grouped(v, 2) + '%'; }
  // One unit and one number of decimals per axis, from the largest label and the tick step (as in the PNG).
  function stepDecimals(step) {
    if (!(step > 0) || !isFinite(step)) return 0;
    for (var d = 0; d < 10; d++) {
      var scaled = step * Math.pow(10, d);
      if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
    }
    return 10;
  }
  function axisLabels(suffix) {
    return function (u, splits) {
      var step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 0;
      var maxAbs = 0;
      splits.forEach(function (v) { maxAbs = Math.max(maxAbs, Math.abs(v)); });
      var div = maxAbs >= 1e9 ? 1e9 : maxAbs >= 1e6 ? 1e6 : 1;
      var unit = div === 1e9 ? 'B' : div === 1e6 ? 'M' : '';
      var d = stepDecimals(step / div);
      return splits.map(function (v) { return v == null ? null : grouped(v / div, d) + unit + suffix; });
    };
  }
  // On a log axis the ticks are 1-2-5 per decade, so each label gets its own compact form.
  function logLabels(u, splits) {
    return splits.map(function (v) {
      if (v == null) return null;
      var a = Math.abs(v);
      if (a >= 1e9) return +(v / 1e9).toPrecision(3) + 'B';
      if (a >= 1e6) return +(v / 1e6).toPrecision(3) + 'M';
      if (a >= 1e4) return +(v / 1e3).toPrecision(3) + 'k';
      return String(+v.toPrecision(4));
    });
  }

  // Log scale by default when a series spans more than LOG_RATIO (crypto over years: DOGE went 0.002 to 0.7),
  // where a linear axis flattens everything but the peak. Equity that touches 0 or below stays linear.
  var LOG_RATIO = ${LOG_RATIO};
  function spanRatio(arrays) {
    var lo = Infinity, hi = -Infinity;
    for (var a = 0; a < arrays.length; a++) {
      for (var i = 0; i < arrays[a].length; i++) {
        var v = arrays[a][i];
        if (!(v > 0)) return 0;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return hi / lo;
  }
  var priceRatio = spanRatio([s.close]);
  var equityRatio = spanRatio([s.equity, s.buyHold]);

  // Padding keeps the trade markers (drawn above and below the fill price) inside the plot at the extremes.
  function yScale(log) {
    return {
      distr: log ? 3 : 1,
      log: 10,
      range: function (u, min, max) {
        if (min == null || max == null) return [min, max];
        if (log) {
          // uPlot's log splits step from the scale minimum by its decade, so the ends are snapped to whole
          // multiples of a power of ten (2378 -> 2000) to get ticks at 2000, 5000, 10k rather than 2378, 5378.
          var f = Math.max(1.02, Math.pow(max / min, 0.08));
          var lo = min / f, hi = max * f;
          var loMag = Math.pow(10, Math.floor(Math.log10(lo)));
          var hiMag = Math.pow(10, Math.floor(Math.log10(hi)));
          return [Math.floor(lo / loMag) * loMag, Math.ceil(hi / hiMag) * hiMag];
        }
        var pad = (max - min) * 0.08 || Math.abs(max) * 0.05 || 1;
        return [min - pad, max + pad];
      },
    };
  }

  // Time labels by tick spacing; a second line names the new year or day where it changes.
  var DAY = 864e5, HOUR = 36e5, MINUTE = 6e4;
  var TIME_LABELS = [
    [365 * DAY, '{YYYY}', null, null, null, null, null, null, 1],
    [28 * DAY, '{MMM}', '\n{YYYY}', null, null, null, null, null, 1],
    [DAY, '{MMM} {D}', '\n{YYYY}', null, null, null, null, null, 1],
    [HOUR, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MMM} {D}', null, null, null, 1],
    [MINUTE, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MMM} {D}', null, null, null, 1],
    [1000, '{HH}:{mm}:{ss}', '\n{YYYY}-{MM}-{DD}', null, '\n{MMM} {D}', null, null, null, 1],
  ];

  function width(el) { return Math.max(320, Math.floor(el.clientWidth)); }

  // Keeps every panel on the same time window: whichever panel was zoomed, the others follow.
  function syncX(u, key) {
    if (key !== 'x') return;
    var min = u.scales.x.min, max = u.scales.x.max;
    charts.forEach(function (c) {
      if (c !== u && (c.scales.x.min !== min || c.scales.x.max !== max)) c.setScale('x', { min: min, max: max });
    });
  }

  function baseOpts(el, height, yLabels) {
    return {
      width: width(el),
      height: height,
      ms: 1,
      tzDate: utc,
      cursor: { sync: { key: SYNC.key, setSeries: false }, drag: { x: true, y: false, setScale: true } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#4b5563', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#d1d5db' }, values: TIME_LABELS },
        { stroke: '#4b5563', size: AXIS_SIZE, grid: { stroke: '#eef0f3' }, ticks: { stroke: '#d1d5db' }, values: yLabels },
      ],
      legend: { live: true },
      hooks: { setScale: [syncX] },
    };
  }

  function timeSeries() {
    return { label: 'Time (UTC)', value: '{YYYY}-{MM}-{DD} {HH}:{mm}' };
  }

  // A triangle with its tip on the fill price: entries point up from below, exits point down from above.
  function triangle(ctx, x, y, size, up, color, filled) {
    var h = size * 1.7;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x - size, up ? y + h : y - h);
    ctx.lineTo(x + size, up ? y + h : y - h);
    ctx.closePath();
    ctx.fillStyle = filled ? color : '#ffffff';
    ctx.fill();
    ctx.stroke();
  }

  function clipToPlot(u) {
    var b = u.bbox;
    u.ctx.save();
    u.ctx.beginPath();
    u.ctx.rect(b.left, b.top, b.width, b.height);
    u.ctx.clip();
  }

  // Light bands under the price while a position is open, green for long and orange for short.
  function drawBands(u) {
    var min = u.scales.x.min, max = u.scales.x.max, b = u.bbox, ctx = u.ctx;
    clipToPlot(u);
    for (var i = 0; i < trades.length; i++) {
      var t = trades[i];
      var end = t.exitTs == null ? lastTs : t.exitTs;
      if (end < min || t.entryTs > max) continue;
      var x0 = u.valToPos(t.entryTs, 'x', true), x1 = u.valToPos(end, 'x', true);
      ctx.fillStyle = t.side === 'LONG' ? 'rgba(21,128,61,0.07)' : 'rgba(194,65,12,0.08)';
      ctx.fillRect(x0, b.top, Math.max(1, x1 - x0), b.height);
    }
    ctx.restore();
  }

  function drawMarkers(u) {
    var min = u.scales.x.min, max = u.scales.x.max, ctx = u.ctx, px = uPlot.pxRatio;
    var size = 5 * px;
    clipToPlot(u);
    ctx.lineWidth = 1.5 * px;
    for (var i = 0; i < trades.length; i++) {
      var t = trades[i];
      var color = t.side === 'LONG' ? LONG : SHORT;
      ctx.strokeStyle = color;
      if (t.entryTs >= min && t.entryTs <= max) {
        triangle(ctx, u.valToPos(t.entryTs, 'x', true), u.valToPos(t.entryPrice, 'y', true), size, true, color, true);
      }
      if (t.exitTs != null && t.exitTs >= min && t.exitTs <= max) {
        triangle(ctx, u.valToPos(t.exitTs, 'x', true), u.valToPos(t.exitPrice, 'y', true), size, false, color, false);
      }
    }
    ctx.restore();
  }

  function make(id, height, yLabels, series, data, extra) {
    var el = document.getElementById(id);
    var opts = baseOpts(el, height, yLabels);
    // No per-point dots when zoomed in: they would read as trade markers.
    series.forEach(function (se) { se.points = { show: false }; });
    opts.series = [timeSeries()].concat(series);
    if (extra) extra(opts);
    return new uPlot(opts, data, el);
  }

  var ddPct = s.drawdown.map(function (d) { return -d * 100; });

  // Builds (or rebuilds, when the log switch flips) the three panels, keeping the current time window.
  function build(log) {
    var window0 = charts.length ? { min: charts[0].scales.x.min, max: charts[0].scales.x.max } : null;
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    var priceLog = log;
    var equityLog = log && equityRatio > 0;
    charts.push(make('chart-price', 340, priceLog ? logLabels : axisLabels(''),
      [{ label: 'Close', stroke: '#334155', width: 1.25, value: function (u, v) { return fmtPrice(v); } }],
      [s.ts, s.close],
      function (o) {
        o.scales.y = yScale(priceLog);
        o.hooks.drawClear = [drawBands];
        o.hooks.draw = [drawMarkers];
      }));
    charts.push(make('chart-equity', 280, equityLog ? logLabels : axisLabels(''), [
      { label: 'Strategy', stroke: '#2563eb', width: 2, value: function (u, v) { return fmtMoney(v); } },
      { label: 'Buy & hold', stroke: '#ea580c', width: 1.5, value: function (u, v) { return fmtMoney(v); } },
    ], [s.ts, s.equity, s.buyHold], function (o) { o.scales.y = yScale(equityLog); }));
    charts.push(make('chart-drawdown', 180, axisLabels('%'), [
      { label: 'Drawdown', stroke: '#dc2626', width: 1.25, fill: 'rgba(239,68,68,0.22)', value: function (u, v) { return fmtPct(v); } },
    ], [s.ts, ddPct], function (o) {
      // Drawdowns (fractions >= 0) hang below a 0 % line pinned to the top edge: equity is never above its peak.
      o.scales.y = { range: function (u, lo) { return [Math.min(lo, -1) * 1.05, 0]; } };
    }));
    if (window0) charts[0].setScale('x', window0);
  }

  var logBox = document.getElementById('log-scale');
  var logDefault = priceRatio >= LOG_RATIO || equityRatio >= LOG_RATIO;
  if (logBox) {
    logBox.checked = logDefault;
    logBox.addEventListener('change', function () { build(logBox.checked); });
  }
  build(logDefault);

  // Clicking a trade row zooms every panel to that trade with some context around it.
  var body = document.getElementById('trades-body');
  if (body) {
    body.addEventListener('click', function (ev) {
      var row = ev.target.closest('tr[data-i]');
      if (!row) return;
      var t = trades[Number(row.getAttribute('data-i'))];
      var end = t.exitTs == null ? lastTs : t.exitTs;
      var pad = Math.max((end - t.entryTs) * 0.5, (lastTs - s.ts[0]) * 0.01);
      charts[0].setScale('x', { min: Math.max(s.ts[0], t.entryTs - pad), max: Math.min(lastTs, end + pad) });
      document.getElementById('charts').scrollIntoView({ behavior: 'smooth' });
    });
  }
  var reset = document.getElementById('zoom-reset');
  if (reset) {
    reset.addEventListener('click', function () { charts[0].setScale('x', { min: s.ts[0], max: lastTs }); });
  }

  // Follow the panel width, not just the window: a vertical scrollbar appearing after the first layout narrows
  // the page without any resize event, and fixed-width canvases would then overflow sideways.
  var pending = 0;
  var lastWidth = 0;
  function fit() {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      var w = width(document.getElementById('chart-price'));
      if (w === lastWidth) return;
      lastWidth = w;
      charts.forEach(function (c) { c.setSize({ width: w, height: c.height }); });
    });
  }
  if (typeof ResizeObserver === 'function') new ResizeObserver(fit).observe(document.getElementById('chart-price'));
  window.addEventListener('resize', fit);
  document.documentElement.setAttribute('data-charts', 'ready');
})();
`;
