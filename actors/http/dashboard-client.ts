/**
 * The dashboard's browser script, kept as a plain string because the page inlines it (no build step at run
 * time, nothing fetched from a CDN). It reads the backtest summary embedded in
 * `<script id="summary-data" type="application/json">`, then renders every runtime snapshot that arrives
 * over Server-Sent Events (`/events`).
 *
 * Safety: every value from the runtime is written with `textContent` or as a numeric SVG attribute; class
 * names come from fixed lists. No data ever reaches `innerHTML`, so a bot or strategy name cannot inject
 * markup. `test/dashboard-browser.test.ts` runs this script in Chromium.
 */
export const DASHBOARD_SCRIPT = String.raw`(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var SUMMARY = JSON.parse(document.getElementById('summary-data').textContent);
  var PERIODS = ['1mo', '6mo', '1yr'];
  var MAX_TRADES = 5;
  var snap = null;
  var cards = {};
  var cardOrder = '';
  var freshTrade = null;
  var pending = false;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function setText(e, t) { var s = String(t); if (e.textContent !== s) e.textContent = s; }
  function setClass(e, c) { if (e.className !== c) e.className = c; }
  function isNum(v) { return typeof v === 'number' && isFinite(v); }

  function grouped(v, d) {
    return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  function money(v) { return isNum(v) ? grouped(v, 2) : '\u2014'; }
  function signed(v, d) {
    if (!isNum(v)) return '\u2014';
    var digits = d === undefined ? 2 : d;
    var s = grouped(Math.abs(v), digits);
    // A value that rounds to zero gets no sign ("-0.0%" reads as a loss).
    if (Number(Math.abs(v).toFixed(digits)) === 0) return s;
    return (v > 0 ? '+' : '\u2212') + s;
  }
  function pct(v) { return isNum(v) ? signed(v, 1) + '%' : '\u2014'; }
  function price(v) {
    if (!isNum(v) || v === 0) return '\u2014';
    var a = Math.abs(v);
    return grouped(v, a >= 1000 ? 2 : a >= 1 ? 3 : a >= 0.01 ? 5 : 7);
  }
  function qty(v) {
    if (!isNum(v)) return '\u2014';
    var a = Math.abs(v);
    return grouped(v, a >= 1000 ? 0 : a >= 1 ? 3 : 6);
  }
  function tone(v) { return !isNum(v) || v === 0 ? '' : v > 0 ? 'gain' : 'loss'; }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function date(ts) {
    if (!isNum(ts)) return '\u2014';
    var d = new Date(ts);
    var s = d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
    return ts % 86400000 === 0 ? s : s + ' ' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
  }
  function shortDate(ts) {
    var d = new Date(ts);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
  }
  function ago(ts) {
    if (!isNum(ts)) return 'never';
    var s = Math.max(0, (Date.now() - ts) / 1000);
    if (s < 10) return s.toFixed(1) + ' s ago';
    if (s < 120) return Math.round(s) + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }
  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + 'h ' : '') + pad(m) + 'm ' + pad(s % 60) + 's';
  }
  function pairParts(pair) {
    var p = String(pair).split('-');
    return { base: p[0] || '', quote: p[1] || '' };
  }

  /** Health verdict: text and pill tone, from the supervisor status, the machine and the alerts. */
  function verdict(b, alerts) {
    var mine = alerts.filter(function (a) { return a.indexOf(b.name + ' ') === 0; });
    if (b.status === 'failed') return { text: 'down', cls: 'bad', alerts: mine };
    if (b.machineState === 'halted') return { text: 'halted', cls: 'warn', alerts: mine };
    if (b.status === 'stopped') return { text: 'stopped', cls: 'off', alerts: mine };
    if (b.status === 'restarting') return { text: 'restarting', cls: 'warn', alerts: mine };
    if (b.status === 'starting') return { text: 'starting', cls: 'warn', alerts: mine };
    if (mine.length > 0) return { text: 'stale', cls: 'warn', alerts: mine };
    return { text: 'healthy', cls: 'ok', alerts: mine };
  }

  function kpi(parent, label, field) {
    var box = el('div', 'kpi');
    var k = el('div', 'k', label);
    box.appendChild(k);
    var v = el('div', 'v', '\u2014');
    var s = el('div', 's', '\u00a0');
    v.setAttribute('data-field', field);
    box.appendChild(v);
    box.appendChild(s);
    parent.appendChild(box);
    return { k: k, v: v, s: s };
  }
  function metaItem(parent, label, field) {
    var span = el('span', '', label + ' ');
    var b = el('b', '', '\u2014');
    b.setAttribute('data-field', field);
    span.appendChild(b);
    parent.appendChild(span);
    return b;
  }

  function buildCard(b, index) {
    var root = el('section', 'card');
    root.setAttribute('data-bot', b.name);
    var head = el('div', 'card-head');
    var titles = el('div', '');
    titles.style.minWidth = '0';
    var h2 = el('h2', '', b.displayName || b.name);
    h2.setAttribute('data-field', 'name');
    titles.appendChild(h2);
    var tags = el('div', 'tags');
    titles.appendChild(tags);
    head.appendChild(titles);
    var pills = el('div', 'pills');
    var status = el('span', 'pill');
    status.setAttribute('data-field', 'status');
    var mode = el('span', 'pill plain');
    pills.appendChild(status);
    pills.appendChild(mode);
    head.appendChild(pills);
    root.appendChild(head);

    var kpis = el('div', 'kpis');
    var f = {
      root: root, tags: tags, status: status, mode: mode, index: index, curveKey: '',
      equity: kpi(kpis, 'Equity', 'equity'),
      position: kpi(kpis, 'Position', 'position'),
      entry: kpi(kpis, 'Entry', 'entry'),
      upnl: kpi(kpis, 'Unrealised PnL', 'upnl')
    };
    root.appendChild(kpis);
    var meta = el('div', 'meta');
    f.lastPrice = metaItem(meta, 'Last price', 'lastPrice');
    f.candle = metaItem(meta, 'Candle', 'lastCandle');
    f.signal = metaItem(meta, 'Signal', 'signal');
    f.realized = metaItem(meta, 'Realised', 'realized');
    f.fees = metaItem(meta, 'Fees', 'fees');
    root.appendChild(meta);

    f.chart = el('div', 'chart');
    f.chart.setAttribute('aria-label', 'equity curve');
    root.appendChild(f.chart);

    var lower = el('div', 'lower');
    var strat = el('div', '');
    var sh = el('h3', '', 'Strategy');
    f.stratName = el('span', 'n');
    sh.appendChild(f.stratName);
    strat.appendChild(sh);
    f.backtest = el('div', '');
    strat.appendChild(f.backtest);
    lower.appendChild(strat);
    var tr = el('div', '');
    var th = el('h3', '', 'Last trades');
    f.tradeCount = el('span', 'n');
    th.appendChild(f.tradeCount);
    tr.appendChild(th);
    f.trades = el('div', '');
    tr.appendChild(f.trades);
    lower.appendChild(tr);
    root.appendChild(lower);

    var health = el('div', 'health');
    f.health = metaItem(health, 'Health', 'health');
    f.state = metaItem(health, 'Machine', 'machine');
    f.restarts = metaItem(health, 'Restarts', 'restarts');
    f.lastCycle = metaItem(health, 'Last cycle', 'lastCycle');
    f.expected = metaItem(health, 'Expected every', 'expected');
    f.err = el('span', 'err');
    health.appendChild(f.err);
    root.appendChild(health);
    return f;
  }

  function backtestTable(b) {
    var wrap = el('div', '');
    if (!SUMMARY.present) {
      wrap.appendChild(el('div', 'note', 'No backtest summary yet: run dualbot backtest --summary.'));
      return wrap;
    }
    var mode = b.mode === 'margin' ? 'leveraged' : 'long_only';
    var rows = {};
    var any = false;
    PERIODS.forEach(function (p) {
      var list = SUMMARY.tables[mode + '_' + p] || [];
      for (var i = 0; i < list.length; i++) {
        var r = list[i];
        if (r.strategy === b.strategy && (r.bot === undefined || r.bot === b.name)) { rows[p] = r; any = true; break; }
      }
    });
    if (!any) {
      wrap.appendChild(el('div', 'note', 'No backtest rows for ' + b.strategy + ' on ' + b.name + '.'));
      return wrap;
    }
    var t = el('table', 'bt');
    var thead = el('thead');
    var hr = el('tr');
    ['Backtest ' + mode.replace('_', ' '), 'Return', 'Buy & hold', 'vs hold', 'Trades', 'Max drawdown'].forEach(
      function (h) { hr.appendChild(el('th', '', h)); });
    thead.appendChild(hr);
    t.appendChild(thead);
    var body = el('tbody');
    PERIODS.forEach(function (p) {
      var r = rows[p];
      var row = el('tr');
      row.appendChild(el('td', 'muted', 'last ' + p));
      if (!r) {
        for (var i = 0; i < 5; i++) row.appendChild(el('td', 'dim', '\u2014'));
      } else {
        row.appendChild(el('td', tone(r.return_pct), pct(r.return_pct)));
        row.appendChild(el('td', tone(r.hold_pct), pct(r.hold_pct)));
        row.appendChild(el('td', tone(r.outperform), signed(r.outperform, 1) + ' pp'));
        row.appendChild(el('td', '', String(r.trades)));
        row.appendChild(el('td', tone(-r.max_dd), pct(-r.max_dd)));
      }
      body.appendChild(row);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    if (isNum(SUMMARY.mtimeMs)) {
      var when = new Date(SUMMARY.mtimeMs).toISOString().slice(0, 16).replace('T', ' ');
      wrap.appendChild(el('div', 'note', 'Production defaults on this bot\u2019s replay data \u00b7 summary.json of ' + when + ' UTC'));
    }
    return wrap;
  }

  function tradesTable(b) {
    var s = b.session;
    var list = s && s.trades ? s.trades.slice(-MAX_TRADES).reverse() : [];
    var wrap = el('div', '');
    if (list.length === 0) {
      wrap.appendChild(el('div', 'note', 'No trades yet.'));
      return wrap;
    }
    var t = el('table', 'trades');
    var thead = el('thead');
    var hr = el('tr');
    ['Time', 'Side', 'Qty', 'Price', 'Realised PnL', 'Reason'].forEach(function (h) { hr.appendChild(el('th', '', h)); });
    thead.appendChild(hr);
    t.appendChild(thead);
    var body = el('tbody');
    list.forEach(function (tr) {
      var row = el('tr', freshTrade && freshTrade.id === tr.client_order_id && Date.now() - freshTrade.at < 2500 ? 'fresh' : '');
      row.appendChild(el('td', 'muted', date(tr.ts)));
      row.appendChild(el('td', tr.side === 'buy' ? 'side-buy' : 'side-sell', String(tr.side).toUpperCase()));
      row.appendChild(el('td', '', qty(tr.qty)));
      row.appendChild(el('td', '', price(tr.price)));
      row.appendChild(el('td', tone(tr.realized_pnl), tr.realized_pnl ? signed(tr.realized_pnl) : '\u2014'));
      var reason = el('td', 'reason', tr.reason);
      reason.title = String(tr.reason);
      row.appendChild(reason);
      body.appendChild(row);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    return wrap;
  }

  /** Draws the equity curve at the chart's pixel size, with the starting balance and the trades marked. */
  function drawCurve(f, b) {
    var host = f.chart;
    var curve = b.equityCurve || [];
    var s = b.session;
    var start = s && s.account ? s.account.startingCash : null;
    var trades = s && s.trades ? s.trades : [];
    var w = host.clientWidth || 560;
    var h = host.clientHeight || 150;
    var last = curve.length ? curve[curve.length - 1] : null;
    var key = [w, h, curve.length, last ? last[0] + ':' + last[1] : '', trades.length, start].join('|');
    if (key === f.curveKey) return;
    f.curveKey = key;
    while (host.firstChild) host.removeChild(host.firstChild);
    if (curve.length < 2) {
      host.appendChild(el('div', 'empty', 'Equity curve: waiting for candles\u2026'));
      return;
    }
    var L = 4, R = 62, T = 10, B = 18;
    var x0 = curve[0][0], x1 = curve[curve.length - 1][0];
    var lo = Infinity, hi = -Infinity;
    curve.forEach(function (p) { if (p[1] < lo) lo = p[1]; if (p[1] > hi) hi = p[1]; });
    if (isNum(start)) { lo = Math.min(lo, start); hi = Math.max(hi, start); }
    var span = hi - lo || Math.max(1, Math.abs(hi) * 0.01);
    lo -= span * 0.08; hi += span * 0.08;
    function X(t) { return L + ((t - x0) / (x1 - x0 || 1)) * (w - L - R); }
    function Y(v) { return T + (1 - (v - lo) / (hi - lo)) * (h - T - B); }
    var root = svg('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img' });
    var gid = 'eqfill' + f.index;
    var defs = svg('defs', {});
    var grad = svg('linearGradient', { id: gid, x1: 0, y1: 0, x2: 0, y2: 1 });
    grad.appendChild(svg('stop', { offset: '0%', 'stop-color': '#38bdf8', 'stop-opacity': 0.32 }));
    grad.appendChild(svg('stop', { offset: '100%', 'stop-color': '#38bdf8', 'stop-opacity': 0.02 }));
    defs.appendChild(grad);
    root.appendChild(defs);
    [hi - (hi - lo) * 0.08, (hi + lo) / 2, lo + (hi - lo) * 0.08].forEach(function (v) {
      root.appendChild(svg('line', { x1: L, x2: w - R, y1: Y(v).toFixed(1), y2: Y(v).toFixed(1), stroke: '#1a2540' }));
      var t = svg('text', { x: w - R + 6, y: (Y(v) + 3).toFixed(1) });
      t.textContent = money(v);
      root.appendChild(t);
    });
    var d = '';
    curve.forEach(function (p, i) { d += (i ? 'L' : 'M') + X(p[0]).toFixed(1) + ' ' + Y(p[1]).toFixed(1); });
    var base = (h - B).toFixed(1);
    root.appendChild(svg('path', { d: d + 'L' + X(x1).toFixed(1) + ' ' + base + 'L' + X(x0).toFixed(1) + ' ' + base + 'Z', fill: 'url(#' + gid + ')' }));
    if (isNum(start)) {
      var ys = Y(start).toFixed(1);
      root.appendChild(svg('line', { x1: L, x2: w - R, y1: ys, y2: ys, stroke: '#8a9bb8', 'stroke-dasharray': '3 4', 'stroke-opacity': 0.7 }));
      var st = svg('text', { x: L + 4, y: (Y(start) - 4).toFixed(1) });
      st.textContent = 'start ' + money(start);
      root.appendChild(st);
    }
    root.appendChild(svg('path', { d: d, fill: 'none', stroke: '#38bdf8', 'stroke-width': 1.6, 'stroke-linejoin': 'round' }));
    trades.forEach(function (tr) {
      if (!(tr.ts >= x0 && tr.ts <= x1)) return;
      var j = 0;
      while (j < curve.length - 1 && curve[j + 1][0] <= tr.ts) j++;
      var x = X(tr.ts), y = Y(curve[j][1]);
      var up = tr.side === 'buy';
      var pts = up
        ? [x, y + 2, x - 4.5, y + 10, x + 4.5, y + 10]
        : [x, y - 2, x - 4.5, y - 10, x + 4.5, y - 10];
      root.appendChild(svg('polygon', { points: pts.map(function (n) { return n.toFixed(1); }).join(' '), fill: up ? '#34d399' : '#fb923c' }));
    });
    var a = svg('text', { x: L, y: h - 4 });
    a.textContent = shortDate(x0);
    root.appendChild(a);
    var z = svg('text', { x: w - R, y: h - 4, 'text-anchor': 'end' });
    z.textContent = shortDate(x1);
    root.appendChild(z);
    host.appendChild(root);
  }

  function updateCard(f, b, alerts) {
    var s = b.session;
    var pp = pairParts(b.pair);
    setText(f.tags, b.exchange + ' \u00b7 ' + b.pair + ' \u00b7 ' + b.mode + ' ' + b.leverage + 'x \u00b7 bots/' + b.name);
    var v = verdict(b, alerts);
    setText(f.status, b.status === 'running' ? 'running' : v.text);
    setClass(f.status, 'pill ' + v.cls);
    setText(f.mode, b.dryRun ? 'PAPER' : 'LIVE');
    setClass(f.mode, 'pill plain ' + (b.dryRun ? '' : 'bad'));

    var start = s && s.account ? s.account.startingCash : null;
    setText(f.equity.v, s ? money(s.equity) : '\u2014');
    setText(f.equity.k, 'Equity \u00b7 ' + pp.quote);
    setText(f.equity.s, (s && start ? pct(((s.equity - start) / start) * 100) + ' since start' : '\u00a0') + (s && s.exchange ? ' \u00b7 exchange free ' + money(s.exchange.freeCollateral) : ''));
    setClass(f.equity.s, 's ' + (s && start ? tone(s.equity - start) : ''));
    var pos = s ? s.position : 'NONE';
    setText(f.position.v, pos);
    setClass(f.position.v, 'v pos-' + (pos === 'LONG' || pos === 'SHORT' ? pos : 'NONE'));
    setText(f.position.s, s && pos !== 'NONE' ? qty(s.quantity) + ' ' + pp.base + ' \u00b7 ' + s.leverage + 'x' : 'flat');
    setText(f.entry.v, s && pos !== 'NONE' ? price(s.entryPrice) : '\u2014');
    var move = s && pos !== 'NONE' && s.entryPrice && isNum(s.lastPrice) ? ((s.lastPrice - s.entryPrice) / s.entryPrice) * 100 : null;
    setText(f.entry.s, move === null ? '\u00a0' : 'price ' + pct(move));
    setText(f.upnl.v, s ? signed(s.unrealizedPnl) : '\u2014');
    setClass(f.upnl.v, 'v ' + (s ? tone(s.unrealizedPnl) : ''));
    setText(f.upnl.s, s && s.equity ? pct((s.unrealizedPnl / s.equity) * 100) + ' of equity' : '\u00a0');

    setText(f.lastPrice, s ? price(s.lastPrice) : '\u2014');
    setText(f.candle, s ? date(s.lastCandleTs) : '\u2014');
    setText(f.signal, s && s.lastSignal ? s.lastSignal : '\u2014');
    setText(f.realized, s ? signed(s.account.realizedPnl) : '\u2014');
    setClass(f.realized, s ? tone(s.account.realizedPnl) : '');
    setText(f.fees, s ? money(s.account.feesPaid) : '\u2014');

    drawCurve(f, b);

    var stratKey = b.strategy + '|' + b.mode;
    if (f.stratKey !== stratKey) {
      f.stratKey = stratKey;
      setText(f.stratName, b.strategy + (b.mode === 'margin' ? ' \u00b7 shorts, ' + b.leverage + 'x' : ' \u00b7 long only'));
      while (f.backtest.firstChild) f.backtest.removeChild(f.backtest.firstChild);
      f.backtest.appendChild(backtestTable(b));
    }
    var trades = s && s.trades ? s.trades : [];
    var tkey = trades.length + ':' + (trades.length ? trades[trades.length - 1].client_order_id : '') + ':' + (freshTrade ? freshTrade.id : '');
    if (f.tradesKey !== tkey) {
      f.tradesKey = tkey;
      setText(f.tradeCount, s ? s.account.tradeCount + (s.account.tradeCount === 1 ? ' position' : ' positions') + ' opened' : '');
      while (f.trades.firstChild) f.trades.removeChild(f.trades.firstChild);
      f.trades.appendChild(tradesTable(b));
    }

    setText(f.health, v.text);
    setClass(f.health, v.cls === 'ok' ? 'gain' : v.cls === 'bad' ? 'loss' : '');
    setText(f.state, b.machineState);
    setText(f.restarts, String(b.restarts));
    setText(f.lastCycle, ago(b.lastCycleAt));
    setText(f.expected, b.expectedIntervalMs >= 60000 ? Math.round(b.expectedIntervalMs / 60000) + ' min' : Math.round(b.expectedIntervalMs / 1000) + ' s');
    var problems = v.alerts.slice();
    if (b.lastError && problems.length === 0 && b.status !== 'running') problems.push(b.lastError);
    if (s && s.halted) problems.push('halted: ' + s.halted);
    setText(f.err, problems.join(' \u00b7 '));
    f.err.hidden = problems.length === 0;
  }

  function renderHeader() {
    var bots = snap.bots;
    var total = 0, known = 0, running = 0;
    bots.forEach(function (b) {
      if (b.session) { total += b.session.equity; known++; }
      if (b.status === 'running') running++;
    });
    setText($('total'), known ? money(total) : '\u2014');
    setText($('running'), running + ' of ' + bots.length);
    setText($('uptime'), duration(Date.now() - snap.startedAt));
    var anyLive = bots.some(function (b) { return !b.dryRun; });
    setText($('mode'), anyLive ? 'LIVE TRADING' : 'paper trading');
    setClass($('mode'), 'pill ' + (anyLive ? 'bad' : 'ok'));
    var mc = snap.missionControl;
    var mcText = 'off';
    var mcCls = 'pill off';
    if (mc && mc.state !== 'off') {
      mcText = (mc.state === 'ok' ? 'synced' : 'retrying') + ' \u00b7 ' + mc.pending + ' waiting' +
        (mc.lastDeliveredAt ? ' \u00b7 last ' + ago(mc.lastDeliveredAt) : '') +
        (mc.state !== 'ok' && mc.lastError ? ' \u00b7 ' + mc.lastError : '');
      mcCls = 'pill ' + (mc.state === 'ok' ? 'ok' : 'warn');
    }
    setText($('mc'), mcText);
    setClass($('mc'), mcCls);
    $('mc').title = mc && mc.target ? 'Mission Control: ' + mc.target : 'Mission Control sync is off (MISSION_CONTROL_URL is not set)';
    var box = $('alerts');
    var list = $('alert-list');
    var key = snap.alerts.join('\n');
    if (box.getAttribute('data-key') !== key) {
      box.setAttribute('data-key', key);
      while (list.firstChild) list.removeChild(list.firstChild);
      snap.alerts.forEach(function (a) { list.appendChild(el('li', '', a)); });
      box.hidden = snap.alerts.length === 0;
    }
  }

  function render() {
    pending = false;
    if (!snap) return;
    renderHeader();
    var grid = $('bots');
    var order = snap.bots.map(function (b) { return b.name; }).join('\n');
    if (order !== cardOrder) {
      cardOrder = order;
      cards = {};
      while (grid.firstChild) grid.removeChild(grid.firstChild);
      snap.bots.forEach(function (b, i) {
        cards[b.name] = buildCard(b, i);
        grid.appendChild(cards[b.name].root);
      });
      if (snap.bots.length === 0) grid.appendChild(el('div', 'note', 'No bot is running.'));
    }
    snap.bots.forEach(function (b) { updateCard(cards[b.name], b, snap.alerts); });
  }
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(render);
  }

  var toastTimer = null;
  function toast(text) {
    var t = $('toast');
    t.textContent = text;
    t.className = 'show';
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.className = ''; }, 3000);
  }

  function setConn(text, cls) {
    setText($('conn'), text);
    setClass($('conn'), 'pill ' + cls);
  }

  var es = new EventSource('/events');
  es.onopen = function () { setConn('live', 'ok'); };
  es.onerror = function () { setConn(es.readyState === 2 ? 'disconnected' : 'reconnecting\u2026', 'bad'); };
  es.addEventListener('snapshot', function (e) {
    snap = JSON.parse(e.data);
    setConn('live', 'ok');
    schedule();
  });
  es.addEventListener('trade', function (e) {
    var m = JSON.parse(e.data);
    if (!m || !m.trade) return;
    freshTrade = { id: m.trade.client_order_id, at: Date.now() };
    var b = snap && snap.bots.filter(function (x) { return x.name === m.bot; })[0];
    var base = b ? pairParts(b.pair).base : '';
    toast((b ? b.displayName : m.bot) + ': ' + String(m.trade.side).toUpperCase() + ' ' + qty(m.trade.qty) + ' ' + base + ' @ ' + price(m.trade.price));
  });
  setInterval(schedule, 1000);
  window.addEventListener('resize', schedule);
})();`;
