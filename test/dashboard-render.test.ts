import { describe, expect, it } from 'vitest';
import { jsonForScript, renderDashboard } from '../actors/http/dashboard.js';
import { DASHBOARD_SCRIPT } from '../actors/http/dashboard-client.js';
import type { BacktestSummary } from '../actors/sync/index.js';

const EVIL = '</script><img src=x onerror="alert(1)"><!--';

function summary(strategy: string): BacktestSummary {
  const row = {
    strategy,
    return_pct: 1,
    hold_pct: 2,
    outperform: -1,
    trades: 3,
    max_dd: 4,
    mode: 'long_only',
  };
  return {
    file: '/x/summary.json',
    present: true,
    mtimeMs: 0,
    problem: null,
    tables: {
      strategies_1mo: [row],
      strategies_6mo: [],
      strategies_1yr: [],
      long_only_1mo: [row],
      long_only_6mo: [],
      long_only_1yr: [],
      leveraged_1mo: [],
      leveraged_6mo: [],
      leveraged_1yr: [],
    },
  };
}

describe('dashboard page', () => {
  it('is one self-contained document: nothing loaded from another origin, no CDN', () => {
    const html = renderDashboard();
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i);
    expect(html).toContain("new EventSource('/events')");
  });

  it('embeds the backtest summary as inert JSON that cannot close its script element', () => {
    const html = renderDashboard({ summary: summary(EVIL) });
    expect(html).not.toContain(EVIL);
    expect(html).not.toContain('<img');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    const json = html.match(/<script id="summary-data" type="application\/json">([\s\S]*?)<\/script>/)![1]!;
    expect(JSON.parse(json).tables.long_only_1mo[0].strategy).toBe(EVIL);
    expect(jsonForScript('\u2028&<>')).toBe('"\\u2028\\u0026\\u003c\\u003e"');
  });

  it('its script parses, never closes its own element, and never writes data with innerHTML', () => {
    expect(() => new Function(DASHBOARD_SCRIPT)).not.toThrow();
    expect(DASHBOARD_SCRIPT).not.toMatch(/<\/script/i);
    expect(DASHBOARD_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('says so when there is no backtest summary', () => {
    const html = renderDashboard({ home: '/nonexistent-dualbot-home' });
    const json = html.match(/<script id="summary-data" type="application\/json">([\s\S]*?)<\/script>/)![1]!;
    expect(JSON.parse(json)).toMatchObject({ present: false, mtimeMs: null });
  });
});
