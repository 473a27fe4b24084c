import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderDashboard } from '../actors/http/dashboard.js';
import { ROOT, runBuilt, tempDir } from './helpers/cli.js';
import { type Running, setReplaySpeed, startRuntime, waitFor } from './helpers/runtime.js';
import { type Board, startBoard } from './sync-fake-runtime.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SKIP_NOTE = hasChromium ? '' : ` [SKIPPED: ${CHROMIUM} not found; apt-get install -y chromium]`;
const SCREENSHOT = path.join(ROOT, 'test-artifacts', 'dashboard.png');
/** The server's own policy, so the hostile-values page runs under the same rules as the real one. */
const CSP = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'";

interface Watched {
  readonly page: Page;
  readonly errors: string[];
  readonly offsite: string[];
}

/** Opens a 1280x800 page that records console errors and blocks (and records) any request off 127.0.0.1. */
async function open(browser: Browser, url: string): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  const offsite: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1') return route.continue();
    offsite.push(u.href);
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, offsite };
}

const text = async (page: Page, sel: string) => (await page.locator(sel).first().textContent()) ?? '';

describe(`dashboard in headless Chromium${SKIP_NOTE}`, () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!hasChromium) {
      // Printed as well: the default reporter shows a skip count but not why.
      console.warn(`dashboard browser tests SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium)`);
      return;
    }
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('shows both bots side by side, updates live without a reload, and stays on 127.0.0.1', async (ctx) => {
    if (!browser) return ctx.skip(`${CHROMIUM} not found (apt-get install -y chromium)`);
    const home = tempDir('dualbot-dash-');
    let rt: Running | undefined;
    let board: Board | undefined;
    try {
      expect(runBuilt(['init', '--home', home]).code).toBe(0);
      expect(runBuilt(['backtest', '--summary', '--home', home, '--json']).code).toBe(0);
      // Three times the demo's pace (12 daily candles a second), so both bots trade within the test's budget.
      for (const bot of ['coinbase', 'kraken']) setReplaySpeed(home, bot, 1_036_800);
      board = await startBoard('dashboard-test-secret');
      rt = await startRuntime(home, [], {
        MISSION_CONTROL_URL: board.url,
        MISSION_CONTROL_SECRET: 'dashboard-test-secret',
      });
      const { page, errors, offsite } = await open(browser, `${rt.url}/`);
      const count = (sel: string) => page.locator(sel).count();
      // Polled from the test through locators: the page's CSP forbids the eval behind string predicates.
      await waitFor(
        async () => ((await count('[data-bot]')) === 2 ? true : undefined),
        10_000,
        'two bot cards',
      );
      expect(await text(page, '[data-bot="coinbase"] [data-field="name"]')).toBe('Long Only Bot');
      expect(await text(page, '[data-bot="kraken"] [data-field="name"]')).toBe('Leveraged Short Bot');
      // Side by side: same row, coinbase on the left.
      const a = (await page.locator('[data-bot="coinbase"]').boundingBox())!;
      const b = (await page.locator('[data-bot="kraken"]').boundingBox())!;
      expect(Math.abs(a.y - b.y)).toBeLessThan(2);
      expect(a.x + a.width).toBeLessThanOrEqual(b.x);

      // Live: the candle shown changes while the page stays the same document (the marker would not
      // survive a reload, and the frame never navigates again).
      let navigations = 0;
      page.on('framenavigated', (f) => {
        if (f === page.mainFrame()) navigations++;
      });
      await page.evaluate(() => Object.assign(globalThis, { __sameDocument: true }));
      const sel = '[data-bot="kraken"] [data-field="lastCandle"]';
      const first = await waitFor(
        async () => ((await text(page, sel)).match(/^\d{4}-\d\d-\d\d/) ? text(page, sel) : undefined),
        10_000,
        'a candle date',
      );
      await waitFor(
        async () => ((await text(page, sel)) !== first ? true : undefined),
        10_000,
        'a new candle',
      );
      expect(await page.evaluate(() => (globalThis as { __sameDocument?: boolean }).__sameDocument)).toBe(
        true,
      );
      expect(navigations).toBe(0);

      // Wait for a few trades of each bot and the first sync, so the screenshot shows them.
      const rows = (bot: string) => count(`[data-bot="${bot}"] table.trades tbody tr`);
      await waitFor(
        async () => ((await rows('coinbase')) >= 2 && (await rows('kraken')) >= 4 ? true : undefined),
        15_000,
        'trades of both bots',
      );
      await waitFor(
        async () => ((await text(page, '#mc')).includes('synced') ? true : undefined),
        10_000,
        'a sync',
      );
      expect(await page.locator('[data-bot="coinbase"] .chart svg').count()).toBe(1);
      expect(await page.locator('[data-bot="kraken"] table.bt tbody tr').count()).toBe(3);
      expect(await text(page, '#conn')).toBe('live');

      // The board got valid, authenticated payloads from the built program.
      expect(board.accepted.length).toBeGreaterThan(0);
      expect(board.counts).toMatchObject({ badSecret: 0, invalid: 0 });
      expect(board.accepted[0]?.bots.map((x) => x.name)).toEqual(['Long Only Bot', 'Leveraged Short Bot']);

      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.waitForTimeout(300);
      await page.screenshot({ path: SCREENSHOT });
      expect(errors).toEqual([]);
      expect(offsite).toEqual([]);
      if (process.env['DUALBOT_UPDATE_DOCS_SCREENSHOT'] === '1')
        copyFileSync(SCREENSHOT, path.join(ROOT, 'docs', 'dashboard.png'));
      await page.close();
    } finally {
      if (rt) {
        rt.child.kill('SIGTERM');
        await rt.exited;
      }
      await board?.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 30_000);

  test('renders hostile names, reasons and alerts as text, never as markup', async (ctx) => {
    if (!browser) return ctx.skip(`${CHROMIUM} not found (apt-get install -y chromium)`);
    const evil = '<img src=x onerror="window.__pwned=1"><b>x</b>';
    const row = {
      strategy: evil,
      return_pct: 1,
      hold_pct: 2,
      outperform: -1,
      trades: 3,
      max_dd: 4,
      mode: 'long_only',
    };
    const tables = Object.fromEntries(
      ['1mo', '6mo', '1yr'].flatMap((p) =>
        [`long_only_${p}`, `leveraged_${p}`, `strategies_${p}`].map((k) => [k, [row]]),
      ),
    );
    const html = renderDashboard({
      summary: { file: 'x', present: true, mtimeMs: 0, problem: null, tables: tables as never },
    });
    const trade = {
      ts: 1_600_000_000_000,
      time: '2020-09-13T12:26:40.000Z',
      client_order_id: evil,
      side: 'buy',
      qty: 1,
      price: 2,
      fee: 0,
      reason: evil,
      position_after: 'LONG',
      realized_pnl: 0,
      paper: true,
    };
    const snapshot = {
      startedAt: Date.now(),
      alerts: [`${evil} is down: ${evil}`],
      missionControl: {
        state: 'retrying',
        target: evil,
        pending: 1,
        delivered: 0,
        lastDeliveredAt: null,
        lastError: evil,
        failingSince: 1,
      },
      bots: [
        {
          name: evil,
          displayName: evil,
          exchange: evil,
          mode: 'spot',
          pair: `${evil}-USD`,
          strategy: evil,
          dryRun: true,
          leverage: 1,
          status: 'failed',
          machineState: evil,
          restarts: 1,
          lastError: evil,
          lastCycleAt: null,
          expectedIntervalMs: 1000,
          equityCurve: [
            [1_600_000_000_000, 1000],
            [1_600_086_400_000, 1010],
          ],
          session: {
            bot: evil,
            position: 'LONG',
            quantity: 1,
            entryPrice: 2,
            leverage: 1,
            lastPrice: 3,
            equity: 1010,
            unrealizedPnl: 1,
            lastCandleTs: 1_600_086_400_000,
            lastSignal: evil,
            halted: evil,
            trades: [trade],
            account: { startingCash: 1000, realizedPnl: 0, feesPaid: 0, tradeCount: 1, cash: 1000 },
          },
        },
      ],
    };
    const server = http.createServer((req, res) => {
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
        res.write(`event: trade\ndata: ${JSON.stringify({ bot: evil, trade })}\n\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP });
      res.end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { page, errors, offsite } = await open(
        browser,
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      );
      await page.waitForSelector('[data-bot] [data-field="name"]');
      await waitFor(async () => ((await page.locator('#toast.show').count()) === 1 ? true : undefined));
      expect(await text(page, '[data-bot] [data-field="name"]')).toBe(evil);
      expect(await text(page, '#alert-list li')).toContain(evil);
      expect(await text(page, '#toast')).toContain(evil);
      expect(await text(page, 'table.trades td.reason')).toBe(evil);
      expect(await page.locator('img, b:text-is("x")').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(errors).toEqual([]);
      expect(offsite).toEqual([]);
      await page.close();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 20_000);
});
