import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicCandleSource } from '../actors/exchanges/ccxt/candles.js';
import { ExchangeError } from '../actors/exchanges/errors.js';
import { LiveFeed } from '../actors/market/live-feed.js';
import type { Candle } from '../core/candles.js';
import { type FakeExchange, startFakeExchange } from './fake-exchange/server.js';

const H = 3_600_000;
const candle = (ts: number, close = 100): Candle => ({
  ts,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  volume: 1,
});

describe('live candle feed', () => {
  it('never hands out the forming candle, and waits for the next one to close', async () => {
    let now = 10 * H + 30 * 60_000; // 10:30: the 10:00 candle is forming
    const calls: (number | undefined)[] = [];
    const feed = new LiveFeed({
      fetch: async (since) => {
        calls.push(since);
        const last = Math.floor(now / H) * H;
        return [candle(last - 2 * H, 98), candle(last - H, 99), candle(last, 100 + (now % H) / H)];
      },
      timeframeMs: H,
      pollIntervalMs: 5,
      warmupBars: 2,
      now: () => now,
    });
    const hist = await feed.history(null);
    expect(hist.map((c) => c.ts)).toEqual([8 * H, 9 * H]); // 10:00 is still forming
    expect(feed.nextOpen()).toBeCloseTo(100.5); // the forming candle's latest price
    const ac = new AbortController();
    const pending = feed.next(9 * H, ac.signal);
    let resolved = false;
    void pending.then(() => {
      resolved = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(resolved).toBe(false); // 10:00 has not closed yet
    now = 11 * H + 1000; // 11:00:01: the 10:00 candle closed
    const next = await pending;
    expect(next?.ts).toBe(10 * H);
    ac.abort();
  });

  it('on a first start, hands out the next candle to close, never one the warm-up already fed', async () => {
    let now = 10 * H + 30 * 60_000;
    const feed = new LiveFeed({
      // The exchange returns the last few candles whatever `since` says (as venues do for a recent since).
      fetch: async () => {
        const last = Math.floor(now / H) * H;
        return [3, 2, 1, 0].map((k) => candle(last - k * H, 100 - k));
      },
      timeframeMs: H,
      pollIntervalMs: 5,
      warmupBars: 3,
      now: () => now,
    });
    const hist = await feed.history(null);
    expect(hist.map((c) => c.ts)).toEqual([7 * H, 8 * H, 9 * H]);
    const ac = new AbortController();
    const pending = feed.next(null, ac.signal);
    await new Promise((r) => setTimeout(r, 30));
    now = 11 * H + 1000; // the 10:00 candle closed
    expect((await pending)?.ts).toBe(10 * H);
    ac.abort();
  });

  it("judges a candle closed on the exchange's clock, and one closed long ago as stale", async () => {
    const local = 10 * H + 59 * 60_000; // 10:59 here; the exchange's clock says 11:00:30
    const feed = new LiveFeed({
      fetch: async () => [candle(8 * H), candle(9 * H), candle(10 * H)],
      timeframeMs: H,
      pollIntervalMs: 60_000,
      warmupBars: 5,
      now: () => local,
      exchangeTime: async () => 11 * H + 30_000,
    });
    // By the local clock 10:00 is still forming; by the exchange's it has closed.
    expect((await feed.history(null)).map((c) => c.ts)).toEqual([8 * H, 9 * H, 10 * H]);
    expect(feed.isStale(candle(10 * H))).toBe(false);
    expect(feed.isStale(candle(9 * H))).toBe(false); // closed one bar ago
    expect(feed.isStale(candle(8 * H))).toBe(true); // closed two bars ago: warm-up only
  });

  it('keeps polling through fetch errors and stops when aborted', async () => {
    let fail = 2;
    const errors: unknown[] = [];
    const feed = new LiveFeed({
      fetch: async () => {
        if (fail-- > 0) throw new ExchangeError('EXCHANGE_NETWORK', 'down');
        return [candle(0), candle(H)];
      },
      timeframeMs: H,
      pollIntervalMs: 1,
      warmupBars: 5,
      now: () => 3 * H,
      onError: (e) => errors.push(e),
    });
    const c = await feed.next(0, new AbortController().signal);
    expect(c?.ts).toBe(H);
    expect(errors).toHaveLength(2);
    const ac = new AbortController();
    const never = new LiveFeed({
      fetch: async () => [],
      timeframeMs: H,
      pollIntervalMs: 1,
      warmupBars: 1,
      now: () => 0,
    });
    const p = never.next(null, ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow();
  });

  describe('through ccxt against the fake Kraken on 127.0.0.1', () => {
    let fake: FakeExchange;
    beforeAll(async () => {
      fake = await startFakeExchange({ venue: 'kraken' });
    });
    afterAll(async () => fake.close());

    it('fetches validated candles with every request on loopback', async () => {
      const seen: string[] = [];
      const src = await createPublicCandleSource({
        exchange: 'kraken',
        pair: fake.pair,
        timeframe: '1h',
        urlsOverride: fake.url,
        allowedHosts: ['127.0.0.1'],
        onRequest: (r) => seen.push(r.url),
        rateLimitMs: 1,
        timeoutMs: 2000,
      });
      const got = await src.fetch(undefined, 10);
      expect(got.length).toBeGreaterThan(1);
      for (let i = 1; i < got.length; i++) expect(got[i]!.ts - got[i - 1]!.ts).toBe(H);
      expect(seen.length).toBeGreaterThan(0);
      for (const u of seen) expect(new URL(u).hostname).toBe('127.0.0.1');
    });
  });

  it("reads each venue's clock through ccxt from the fake exchange", async () => {
    for (const venue of ['kraken', 'coinbase'] as const) {
      const at = Date.UTC(2025, 5, 1, 12, 0, 7);
      const fake = await startFakeExchange({ venue, now: () => at });
      try {
        const src = await createPublicCandleSource({
          exchange: venue,
          pair: fake.pair,
          timeframe: '1h',
          urlsOverride: fake.url,
          allowedHosts: ['127.0.0.1'],
          rateLimitMs: 1,
          timeoutMs: 2000,
        });
        // Kraken reports whole seconds; Coinbase milliseconds.
        expect(Math.abs((await src.time()) - at)).toBeLessThan(1000);
      } finally {
        await fake.close();
      }
    }
  });
});
