import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readJournal } from '../actors/persistence/journal.js';
import { readStateFile } from '../actors/persistence/state-file.js';
import {
  botConfigFromObject,
  columnsFrom,
  createLogging,
  createRuntime,
  krakenExample,
  ReplayFeed,
  type Runtime,
} from '../index.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { waitFor } from './helpers/runtime.js';

const DAY = 86_400_000;

describe('paper margin bot: the venue liquidates, and the bot books the same liquidation', () => {
  const home = tempDir();
  let rt: Runtime | undefined;
  afterAll(async () => {
    await rt?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('liquidates a 3x position in both books, at the same price, once', async () => {
    // SMA 2/3 crosses: short from bar 4 (a +37 % rally liquidates it), long from bar 7, then bar 9 crashes.
    const closes = [10, 10, 10, 9, 8, 9, 11, 12, 12, 11, 11, 11, 11, 11];
    const candles = closes.map((c, i) => ({
      ts: i * DAY,
      open: i === 0 ? c : closes[i - 1]!,
      high: Math.max(c, i === 0 ? c : closes[i - 1]!) * 1.01,
      low: i === 9 ? 5 : Math.min(c, i === 0 ? c : closes[i - 1]!) * 0.99,
      close: c,
      volume: 1,
    }));
    const input = parseYaml(krakenExample(path.join(ROOT, 'data', 'kraken_LTC-USD_1d.csv')));
    input.strategy.params = { fast_period: 2, slow_period: 3 };
    input.risk = { max_drawdown: 0.99 };
    input.trading.max_position_pct = 1;
    input.trading.trade_amount_usd = 1000;
    const bot = await botConfigFromObject(input, { id: 'kraken_liq', baseDir: path.join(home, 'bots') });
    const feed = new ReplayFeed({
      candles: columnsFrom(candles),
      timeframeMs: DAY,
      speed: 86_400 * 50,
      warmupBars: 0,
      loop: false,
    });
    rt = createRuntime({
      home,
      logging: createLogging({ stdout: false, logDir: path.join(home, 'logs') }),
      http: false,
    });
    await rt.start([]);
    await rt.spawnBot(bot, { feed });
    const dir = path.join(home, 'bots', 'kraken_liq');
    const journal = path.join(dir, 'journal.jsonl');
    const liq = await waitFor(
      () => readJournal(journal).entries.find((e) => e.type === 'fill' && e.reason === 'liquidation'),
      15_000,
      'a liquidation',
    );
    await waitFor(
      () => (rt!.snapshot().bots[0]?.session?.lastCandleTs === 13 * DAY ? true : undefined),
      15_000,
      'the replay to end',
    );
    await rt.stopBot('kraken_liq');
    expect(liq.client_order_id).toMatch(/^liq-\d+$/);
    const state = readStateFile(path.join(dir, 'state.json'))!;
    const paper = JSON.parse(readFileSync(path.join(dir, 'paper.json'), 'utf8')) as {
      account: { cash: number; position: { side: string; qty: number }; liquidations: number };
      orders: { clientOrderId: string; average: number; side: string }[];
    };
    const liqs = readJournal(journal).entries.filter((e) => e.type === 'fill' && e.reason === 'liquidation');
    expect(liqs.length).toBeGreaterThanOrEqual(1);
    expect(state.account.liquidations).toBe(liqs.length);
    expect(paper.account.liquidations).toBe(liqs.length);
    for (const l of liqs) {
      if (l.type !== 'fill') continue;
      const venue = paper.orders.filter((o) => o.clientOrderId === l.client_order_id);
      expect(venue).toHaveLength(1); // once, on both sides
      expect(venue[0]!.average).toBeCloseTo(l.price, 9);
      expect(venue[0]!.side).toBe(l.side);
    }
    expect(state.account.position.side).toBe(paper.account.position.side);
    expect(state.account.position.qty).toBeCloseTo(paper.account.position.qty, 9);
    expect(state.account.cash).toBeCloseTo(paper.account.cash, 9);
    expect(state.account.cash).toBeGreaterThanOrEqual(0);
  }, 40_000);
});
