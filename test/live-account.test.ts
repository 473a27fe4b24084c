/**
 * Live trading on the exchange's truth: a live-configured bot run by the real runtime through the real ccxt
 * adapter against the fake exchange on 127.0.0.1, checked against the fake venue's own book (which the bot
 * does not write). Each scenario is one thing a real venue does to a live bot.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readStateFile } from '../actors/persistence/state-file.js';
import { GoLiveRefused, goLive } from '../cli/go-live.js';
import { booksOfTheOtherMode } from '../cli/run.js';
import {
  botView,
  FLAT,
  type Harness,
  HOLD,
  LONG,
  liveHarness,
  ScriptedFeed,
  SHORT,
  THROW,
} from './helpers/live-harness.js';
import { waitFor } from './helpers/runtime.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Market orders the venue accepted (protective stops aside). */
const marketOrders = (hh: Harness) => hh.fake.book.orders.filter((o) => o.type === 'market');
const fills = (hh: Harness) => hh.journal().filter((e) => e.type === 'fill');
const signedState = (hh: Harness) => {
  const s = hh.state();
  return s.position === 'NONE' ? 0 : (s.position === 'LONG' ? 1 : -1) * s.quantity;
};

describe('live account: the exchange is the truth', () => {
  it('paper books are refused by a live start, before any order, and accepted after go-live', async () => {
    h = await liveHarness({ venue: 'kraken' });
    await h.candle(HOLD, 100);
    await h.stopRuntime();
    // The folder now holds paper books (as if the bot had paper traded here).
    const file = path.join(h.dir, 'state.json');
    const paper = { ...JSON.parse(readFileSync(file, 'utf8')), dry_run: true };
    writeFileSync(file, JSON.stringify(paper));
    expect(booksOfTheOtherMode({ home: h.home, bots: [h.bot] } as never)[0]).toMatch(
      /go-live --bot kraken_live/,
    );
    await h.restart();
    expect(botView(h).machineState).toBe('failed');
    expect(botView(h).lastError).toMatch(/paper-trading books.*go-live/);
    expect(h.fake.book.orders).toHaveLength(0);
    await h.stopRuntime();
    // go-live refuses while the venue shows a position the bot does not know, and changes nothing.
    h.fake.book.submit({ pair: h.fake.pair, side: 'buy', type: 'market', amount: 1, leverage: 3 });
    const refused = await goLive({
      home: h.home,
      bot: h.bot,
      exchange: h.port,
      dryRun: false,
      stamp: 's1',
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GoLiveRefused);
    expect((refused as Error).message).toMatch(/position on LTC-USD the bot does not know/);
    expect(readStateFile(file)?.dry_run).toBe(true);
    h.fake.book.submit({
      pair: h.fake.pair,
      side: 'sell',
      type: 'market',
      amount: 1,
      leverage: 3,
      reduceOnly: true,
    });
    // --dry-run checks and changes nothing; the real run archives the paper books.
    const dry = await goLive({ home: h.home, bot: h.bot, exchange: h.port, dryRun: true, stamp: 's2' });
    expect(dry.join('\n')).toMatch(/would move state.json/);
    expect(readStateFile(file)?.dry_run).toBe(true);
    const done = await goLive({ home: h.home, bot: h.bot, exchange: h.port, dryRun: false, stamp: 's3' });
    expect(done.join('\n')).toMatch(/empty live book of 1000 USD/);
    expect(readStateFile(path.join(h.dir, 'paper-archive', 's3', 'state.json'))?.dry_run).toBe(true);
    await h.restart();
    expect(botView(h).machineState).toBe('idle');
    await h.candle(LONG, 100);
    expect(h.state().dry_run).toBe(false);
    expect(h.state().account.startingCash).toBe(1000);
    expect(signedState(h)).toBeCloseTo(h.venueHolds(), 8);
    expect(h.venueHolds()).toBeGreaterThan(0);
  }, 60_000);

  it('an exchange holding less than the entry needs: refused with an alert, nothing trimmed, nothing sent', async () => {
    h = await liveHarness({ venue: 'kraken', fake: { balances: { USD: 20 } }, availableCapital: 1000 });
    await h.candle(LONG, 100);
    expect(h.fake.book.orders).toHaveLength(0);
    expect(h.journal().filter((e) => e.type === 'intent')).toHaveLength(0);
    expect(botView(h).halted).toMatch(/insufficient funds.*nothing trimmed/);
    expect(h.rt.snapshot().alerts.join('\n')).toMatch(/entries halted/);
    // The halt blocks entries only; the bot keeps cycling.
    await h.candle(LONG, 100);
    expect(botView(h).machineState).toBe('idle');
    expect(h.fake.book.orders).toHaveLength(0);
  }, 60_000);

  it('a position changed on the exchange by hand is booked from its trades within one cycle, and entries stop', async () => {
    h = await liveHarness({ venue: 'kraken' });
    await h.candle(LONG, 100);
    const held = h.venueHolds();
    expect(held).toBeGreaterThan(0);
    // A person closes half of it on the venue.
    const half = Math.floor((held / 2) * 1e8) / 1e8;
    h.fake.book.submit({
      pair: h.fake.pair,
      side: 'sell',
      type: 'market',
      amount: half,
      leverage: 3,
      reduceOnly: true,
    });
    await h.candle(HOLD, 100);
    expect(signedState(h)).toBeCloseTo(h.venueHolds(), 8);
    expect(fills(h).some((f) => f.reason === 'closed on the exchange')).toBe(true);
    expect(botView(h).halted).toMatch(/changed on the exchange by hand/);
    expect(botView(h).machineState).toBe('idle');
    // Entries stay stopped: a new entry signal places nothing.
    const orders = marketOrders(h).length;
    await h.candle(SHORT, 100);
    // The strategy's exit still goes out (a halt never blocks exits), the entry does not.
    expect(h.venueHolds()).toBe(0);
    expect(marketOrders(h).length).toBe(orders + 1);
  }, 60_000);

  it('a liquidation by the exchange is booked from its trades within one cycle, never simulated', async () => {
    h = await liveHarness({ venue: 'kraken' });
    await h.candle(SHORT, 100);
    expect(h.venueHolds()).toBeLessThan(0);
    h.fake.book.liquidate(h.fake.pair, 128);
    await h.candle(HOLD, 128);
    expect(h.state().position).toBe('NONE');
    const liq = fills(h).filter((f) => f.reason === 'liquidation');
    expect(liq).toHaveLength(1);
    expect(liq[0]!.price).toBe(128);
    expect(botView(h).halted).toMatch(/liquidated by the exchange/);
  }, 60_000);

  it('a drawdown halt with an open 3x short: the stop-loss exit still goes out', async () => {
    h = await liveHarness({
      venue: 'kraken',
      config: (c) => {
        c['risk'] = { stop_loss: 0.05, max_drawdown: 0.001 };
      },
    });
    await h.candle(SHORT, 100);
    expect(h.venueHolds()).toBeLessThan(0);
    await h.candle(HOLD, 101);
    expect(botView(h).halted).toMatch(/drawdown/);
    // The candle reaches the stop (105); the venue's price stays under it, so the bot's own check fires.
    await h.candle(HOLD, 104, { high: 106 });
    expect(h.venueHolds()).toBe(0);
    expect(h.state().position).toBe('NONE');
    expect(fills(h).at(-1)!.reason).toBe('stop_loss');
  }, 60_000);

  it('a protective stop rests on Kraken and fills there while the bot is down: booked once after restart', async () => {
    h = await liveHarness({
      venue: 'kraken',
      config: (c) => ((c['risk'] as Record<string, unknown>)['stop_loss'] = 0.05),
    });
    await h.candle(LONG, 100);
    const stop = h.fake.book.orders.find((o) => o.type === 'stop' && o.status === 'open');
    expect(stop?.stopPrice).toBeCloseTo(95, 6);
    expect(stop?.reduceOnly).toBe(true);
    expect(stop?.amount).toBeCloseTo(h.venueHolds(), 8);
    await h.stopRuntime();
    h.fake.setPrice(94);
    expect(h.venueHolds()).toBe(0);
    await h.restart();
    expect(h.state().position).toBe('NONE');
    const stopFills = fills(h).filter((f) => f.reason === 'protective stop');
    expect(stopFills).toHaveLength(1);
    expect(stopFills[0]!.order_id).toBe(stop!.id);
    // Not a halt: the bot's own order did what it was there for.
    expect(botView(h).machineState).toBe('idle');
    await h.candle(HOLD, 94);
    expect(fills(h).filter((f) => f.reason === 'protective stop')).toHaveLength(1);
  }, 60_000);

  it('ten candles that closed during downtime: warm-up only, no order on any of them', async () => {
    h = await liveHarness({ venue: 'kraken' });
    await h.candle(HOLD, 100);
    await h.stopRuntime();
    const last = h.state().last_candle_ts!;
    const feed = new ScriptedFeed([]);
    for (let i = 1; i <= 10; i++) {
      const ts = h.tick();
      feed.stale.add(ts);
      feed.push({ ts, open: 100, high: 100, low: 100, close: 100, volume: i % 2 ? LONG : SHORT });
    }
    await h.restart(feed);
    // The next candle, closed just now, is the first one decided on.
    const fresh = await h.candle(SHORT, 100);
    expect(fresh.last_candle_ts).toBe(last + 11 * 86_400_000);
    const intents = h.journal().filter((e) => e.type === 'intent' && !e.reason.startsWith('protective'));
    expect(intents.map((e) => (e as { decision_ts: number }).decision_ts)).toEqual([fresh.last_candle_ts]);
    expect(marketOrders(h)).toHaveLength(1);
    expect(h.venueHolds()).toBeLessThan(0);
  }, 60_000);

  it('the venue accepts an order 30 s after the bot gave up on it: the position is never doubled', async () => {
    h = await liveHarness({
      venue: 'kraken',
      portTimeoutMs: 1000,
      orderSettle: { pollMs: 100, notFoundRetries: 1, absentAfterMs: 90_000 },
    });
    h.fake.inject('placeOrder', { type: 'accept-later', delayMs: 30_000 });
    const placed = h.candle(LONG, 100, {}, 90_000);
    // While the outcome is unknown, the bot waits for the exchange and places nothing else.
    await waitFor(
      () => (botView(h!).machineState === 'awaitingExchange' ? true : undefined),
      20_000,
      'waiting',
    );
    expect(h.fake.book.orders).toHaveLength(0);
    await placed;
    await waitFor(() => (botView(h!).machineState === 'idle' ? true : undefined), 60_000, 'adopted');
    expect(marketOrders(h)).toHaveLength(1);
    await h.candle(LONG, 100);
    await h.candle(LONG, 100);
    expect(marketOrders(h)).toHaveLength(1);
    expect(signedState(h)).toBeCloseTo(h.venueHolds(), 8);
    expect(h.venueHolds()).toBeGreaterThan(0);
  }, 120_000);

  it('a strategy that throws on a stop candle: the stop still goes out', async () => {
    h = await liveHarness({
      venue: 'kraken',
      config: (c) => ((c['risk'] as Record<string, unknown>)['stop_loss'] = 0.05),
    });
    await h.candle(LONG, 100);
    expect(h.venueHolds()).toBeGreaterThan(0);
    await h.candle(THROW, 96, { low: 94 });
    expect(h.venueHolds()).toBe(0);
    expect(h.state().position).toBe('NONE');
    expect(fills(h).at(-1)!.reason).toBe('stop_loss');
    expect(h.state().machine.context?.skippedCycles).toBe(1);
  }, 60_000);

  it('a flip whose open leg fails stays recoverable: the next candle opens it', async () => {
    h = await liveHarness({ venue: 'kraken' });
    await h.candle(LONG, 100);
    h.fake.inject('placeOrder', { type: 'http', status: 503 }, 1);
    // Close leg goes through the lookup + create; make the open leg's create fail with a rejection.
    let creates = 0;
    const original = h.fake.book.submit.bind(h.fake.book);
    h.fake.clearFaults();
    h.fake.book.submit = (req) => {
      if (!req.reduceOnly && ++creates === 1)
        return { reject: 'invalid', message: 'EGeneral:Invalid arguments' };
      return original(req);
    };
    await h.candle(SHORT, 100);
    expect(h.venueHolds()).toBe(0);
    expect(h.state().last_acted_target).not.toBe('SHORT');
    await h.candle(SHORT, 100);
    expect(h.venueHolds()).toBeLessThan(0);
    expect(signedState(h)).toBeCloseTo(h.venueHolds(), 8);
    await h.candle(FLAT, 100);
    expect(h.venueHolds()).toBe(0);
  }, 60_000);
});
