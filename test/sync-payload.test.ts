import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildPayload,
  type PayloadInput,
  payloadSchema,
  payloadTables,
  readBacktestSummary,
  type SummaryRow,
  TABLE_KEYS,
  type Tables,
  type TradeInput,
} from '../actors/sync/index.js';
import { tempDir } from './helpers/cli.js';
import { FakeRuntime } from './sync-fake-runtime.js';

const emptyTables = (): Tables => Object.fromEntries(TABLE_KEYS.map((k) => [k, []])) as unknown as Tables;

function input(rt: FakeRuntime, over: Partial<PayloadInput> = {}): PayloadInput {
  return {
    runtime: rt.snapshot(),
    states: {},
    tables: emptyTables(),
    now: Date.UTC(2026, 0, 2, 3, 4, 5),
    event: { kind: 'snapshot', id: 'snapshot-1' },
    ...over,
  };
}

function row(strategy: string, return_pct: number, mode = 'long_only', bot = 'coinbase'): SummaryRow {
  return { strategy, return_pct, hold_pct: 1, outperform: return_pct - 1, trades: 3, max_dd: 5, mode, bot };
}

describe('Mission Control payload', () => {
  it('keeps the original camelCase shape: top-level fields follow the Coinbase bot, portfolioValue sums both', () => {
    const rt = new FakeRuntime();
    rt.trade('coinbase');
    rt.bots[1]!.session = { ...rt.bots[1]!.session!, equity: 1234.5, position: 'SHORT', quantity: 2 };
    const p = buildPayload(input(rt));
    const cb = rt.bots[0]!.session!;
    expect(p).toMatchObject({
      schemaVersion: 1,
      event: 'snapshot',
      eventId: 'snapshot-1',
      running: true,
      portfolioValue: cb.equity + 1234.5,
      position: 'LONG',
      tradingPair: 'DOGE-USDT',
      entryPrice: cb.entryPrice,
      activeStrategy: 'sma_crossover',
      lastUpdated: '2026-01-02T03:04:05.000Z',
      dryRun: true,
      balances: { USDT: cb.account.cash - 100 * cb.entryPrice, DOGE: 100 },
      prices: { DOGE: 0.08, LTC: 70 },
    });
    expect(p.bots.map((b) => [b.id, b.name, b.exchange, b.mode, b.leverage])).toEqual([
      ['coinbase', 'Long Only Bot', 'coinbase', 'spot', 1],
      ['kraken', 'Leveraged Short Bot', 'kraken', 'margin', 3],
    ]);
    expect(p.coinbase).toMatchObject({ name: 'Long Only Bot', position: 'LONG', lastSignal: null });
    expect(p.kraken).toMatchObject({
      name: 'Leveraged Short Bot',
      position: 'SHORT',
      balances: { USD: 1000 },
    });
    expect('trade' in p).toBe(false);
  });

  it('passes each state.json through and takes updatedAt from it', () => {
    const rt = new FakeRuntime();
    const state = { version: 1, position: 'NONE', updated_at: '2026-01-01T00:00:00.000Z', trades: [] };
    const p = buildPayload(input(rt, { states: { coinbase: state } }));
    expect(p.coinbase_bot).toEqual(state);
    expect(p.kraken_bot).toEqual({});
    expect(p.coinbase?.updatedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(p.kraken?.updatedAt).toBe(new Date(rt.bots[1]!.lastCycleAt!).toISOString());
  });

  it('carries the last 20 fills of both bots, oldest first, and always the fill a trade event reports', () => {
    const rt = new FakeRuntime();
    const all: TradeInput[] = [];
    for (let i = 0; i < 30; i++) all.push(rt.trade(i % 3 === 0 ? 'kraken' : 'coinbase'));
    const p = buildPayload(input(rt));
    expect(p.trades).toHaveLength(20);
    expect(p.trades.map((t) => t.id)).toEqual(all.slice(-20).map((t) => t.client_order_id));
    expect(p.trades.every((t, i) => i === 0 || t.ts >= p.trades[i - 1]!.ts)).toBe(true);
    // A trade event built before the session shows the fill still lists it.
    const late: TradeInput = {
      ...all.at(-1)!,
      client_order_id: 'db-kraken-late-open_buy',
      ts: all.at(-1)!.ts + 1,
    };
    const q = buildPayload(
      input(rt, { event: { kind: 'trade', id: late.client_order_id, bot: 'kraken', trade: late } }),
    );
    expect(q.trade).toMatchObject({
      id: late.client_order_id,
      bot: 'kraken',
      exchange: 'kraken',
      pair: 'LTC-USD',
    });
    expect(q.trades.at(-1)?.id).toBe(late.client_order_id);
  });

  it('follows the first bot when none trades on Coinbase, and builds a valid payload with no bots at all', () => {
    const rt = new FakeRuntime();
    rt.bots.splice(0, 1);
    const p = buildPayload(input(rt));
    expect(p).toMatchObject({
      tradingPair: 'LTC-USD',
      coinbase: null,
      coinbase_bot: {},
      activeStrategy: 'sma_3x_short',
    });
    rt.bots.splice(0);
    const e = buildPayload(input(rt));
    expect(e).toMatchObject({ running: false, portfolioValue: 0, position: 'NONE', bots: [], kraken: null });
  });

  it('is strict: an extra key (an API key, say) or a non-finite number fails validation', () => {
    const p = buildPayload(input(new FakeRuntime()));
    expect(payloadSchema.safeParse(p).success).toBe(true);
    expect(payloadSchema.safeParse({ ...p, apiKey: 'k' }).success).toBe(false);
    expect(payloadSchema.safeParse({ ...p, bots: [{ ...p.bots[0], secret: 's' }] }).success).toBe(false);
    const rt = new FakeRuntime();
    rt.bots[0]!.session = { ...rt.bots[0]!.session!, equity: Number.NaN };
    expect(() => buildPayload(input(rt))).toThrow();
  });

  it('sorts each backtest table by return and cuts it to the original limits', () => {
    const rows = Array.from({ length: 40 }, (_, i) => row(`s${i}`, (i * 7) % 40));
    const t = payloadTables({
      strategies_1mo: rows,
      strategies_6mo: rows,
      strategies_1yr: [],
      long_only_1mo: rows,
      long_only_6mo: [],
      long_only_1yr: [],
      leveraged_1mo: [],
      leveraged_6mo: [],
      leveraged_1yr: [],
    });
    expect(t.strategies).toHaveLength(10);
    expect(t.strategies_1mo).toHaveLength(15);
    expect(t.long_only_1mo).toHaveLength(10);
    expect(t.strategies_1yr).toEqual([]);
    expect(t.strategies.map((r) => r.return_pct)).toEqual([39, 38, 37, 36, 35, 34, 33, 32, 31, 30]);
    const p = buildPayload(input(new FakeRuntime(), { tables: t }));
    expect(p.strategies_6mo[0]).toEqual(rows.find((r) => r.return_pct === 39));
  });
});

describe('backtest summary file', () => {
  const home = tempDir('dualbot-summary-');
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const file = path.join(home, 'backtest', 'results', 'summary.json');

  it('is optional: without summary.json every table is empty', () => {
    const s = readBacktestSummary(home);
    expect(s).toMatchObject({ present: false, problem: null });
    expect(Object.values(payloadTables(s.tables)).every((t) => t.length === 0)).toBe(true);
  });

  it('reads the tables `backtest --summary` writes, passing extra columns through', () => {
    mkdirSync(path.dirname(file), { recursive: true });
    const r = { ...row('sma_crossover', 4.2), leverage: 1, pair: 'DOGE-USDT', complete: true };
    writeFileSync(file, JSON.stringify({ strategies_1mo: [r], long_only_1mo: [r], leveraged_1yr: [] }));
    const s = readBacktestSummary(home);
    expect(s.problem).toBeNull();
    expect(s.tables.long_only_1mo).toEqual([r]);
    expect(payloadTables(s.tables).strategies).toEqual([r]);
  });

  it('ignores a malformed file with a reason instead of throwing', () => {
    writeFileSync(file, JSON.stringify({ strategies_1mo: [{ strategy: 'x' }] }) + ' ');
    const s = readBacktestSummary(home);
    expect(s.present).toBe(true);
    expect(s.problem).toMatch(/does not match the summary format/);
    expect(s.tables.strategies_1mo).toEqual([]);
    writeFileSync(file, '{"strategies_1mo": [');
    expect(readBacktestSummary(home).problem).toMatch(/cannot read/);
  });
});
