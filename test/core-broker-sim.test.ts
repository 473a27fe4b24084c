import { describe, expect, it } from 'vitest';
import { equity } from '../core/account.js';
import {
  createSimContext,
  createSimState,
  type SimContext,
  type SimEvent,
  type SimState,
  simulateBar,
  simulateSeries,
} from '../core/broker-sim.js';
import { type Candle, columnsFrom } from '../core/candles.js';
import { EXCHANGE_PROFILES, type FillModel } from '../core/fill-model.js';
import { liquidationPrice } from '../core/margin.js';
import type { RiskConfig } from '../core/risk.js';
import type { Fill, Target } from '../core/types.js';

const H = 60 * 60 * 1000;
const FREE: FillModel = { takerFeeBps: 0, makerFeeBps: 0, slippageBps: 0 };
const NO_MARGIN_COSTS = { openingFeeBps: 0, rolloverBps: 0 };

const spotCfg: RiskConfig = {
  mode: 'spot',
  allowShort: false,
  maxLeverage: 1,
  leverage: 1,
  sizing: { kind: 'fixed_usd', tradeAmountUsd: 1000, maxPositionPct: 1 },
};
const margin3x: RiskConfig = {
  mode: 'margin',
  allowShort: true,
  maxLeverage: 3,
  leverage: 3,
  sizing: { kind: 'equity_fraction', fraction: 1 },
};

function bar(ts: number, open: number, high: number, low: number, close: number): Candle {
  return { ts, open, high, low, close, volume: 1 };
}

/** Runs bars with `targets[i]` pending at bar i (i.e. decided at bar i-1's close). */
function run(
  ctx: SimContext,
  bars: readonly Candle[],
  targets: readonly Target[],
  cash = 10_000,
): { state: SimState; fills: Fill[]; events: SimEvent[]; states: SimState[] } {
  let state = createSimState(cash);
  const fills: Fill[] = [];
  const events: SimEvent[] = [];
  const states: SimState[] = [];
  bars.forEach((b, i) => {
    const r = simulateBar(state, b, targets[i] ?? 'FLAT', ctx);
    state = r.state;
    fills.push(...r.fills);
    events.push(...r.events);
    states.push(state);
  });
  return { state, fills, events, states };
}

describe('broker sim: hand-computed examples', () => {
  it('short round trip at 3x on Kraken, to the cent', () => {
    const ctx = createSimContext({ risk: margin3x, fill: EXCHANGE_PROFILES.kraken, barMs: H });
    const { state, fills, events } = run(
      ctx,
      [bar(0, 100, 101, 99, 100), bar(H, 90, 91, 89, 90)],
      ['SHORT', 'FLAT'],
    );
    // Entry: sell at 100 * 0.9995 = 99.95; notional 10000 * 3 = 30000 -> qty 300.150075...
    //   taker fee 30000 * 0.40% = 120, opening fee 30000 * 0.02% = 6.
    // Exit at the next open: buy at 90 * 1.0005 = 90.045; PnL 300.150075 * (99.95 - 90.045) = 2972.986493,
    //   taker fee 300.150075 * 90.045 * 0.40% = 108.108054. No rollover (2h held < 4h).
    // Cash: 10000 - 120 - 6 + 2972.986493 - 108.108054 = 12738.878439.
    expect(fills).toHaveLength(2);
    expect(fills[0]).toMatchObject({ side: 'sell', reason: 'signal', leverage: 3 });
    expect(fills[0]!.price).toBeCloseTo(99.95, 10);
    expect(fills[0]!.qty).toBeCloseTo(300.150075037519, 9);
    expect(fills[0]!.fee).toBeCloseTo(120, 9);
    expect(fills[1]!.price).toBeCloseTo(90.045, 10);
    expect(fills[1]!.fee).toBeCloseTo(108.108054027014, 9);
    const a = state.account;
    expect(a.position.side).toBe('NONE');
    expect(a.marginCostsPaid).toBeCloseTo(6, 9);
    expect(a.realizedPnl).toBeCloseTo(2972.986493246627, 8);
    expect(a.cash).toBeCloseTo(12_738.88, 2);
    expect(a.cash).toBeCloseTo(12_738.878439219614, 8);
    expect(events).toEqual([]);
  });

  it('lets the stop win when stop and take-profit are touched in one candle', () => {
    const ctx = createSimContext({
      risk: { ...spotCfg, stopLoss: 0.05, takeProfit: 0.05 },
      fill: EXCHANGE_PROFILES.coinbase,
      barMs: H,
    });
    const { state, fills, events } = run(
      ctx,
      [bar(0, 100, 100.5, 99.5, 100), bar(H, 100, 106, 94, 100)],
      ['LONG', 'LONG'],
    );
    // Entry 100.05; stop 100.05 * 0.95 = 95.0475, take-profit 105.0525; both touched -> stop,
    // sold with slippage at 95.0475 * 0.9995.
    expect(events).toEqual([{ type: 'stop_loss', ts: H, price: expect.closeTo(95.0475, 10) }]);
    expect(fills[1]).toMatchObject({ side: 'sell', reason: 'stop_loss' });
    expect(fills[1]!.price).toBeCloseTo(95.0475 * 0.9995, 10);
    const qty = 1000 / 100.05;
    expect(fills[1]!.fee).toBeCloseTo(qty * 95.0475 * 0.9995 * 0.006, 9);
    expect(state.account.position.side).toBe('NONE');
    // qty = 1000 / 100.05 = 9.995002; exit price 94.99997625; PnL qty * (94.99997625 - 100.05) = -50.475;
    // exit fee qty * 94.99997625 * 0.6% = 5.69715. Cash: 10000 - 6 - 50.475 - 5.69715 = 9937.82785.
    expect(state.account.realizedPnl).toBeCloseTo(-50.475, 9);
    expect(state.account.cash).toBeCloseTo(9937.83, 2);
    expect(state.account.cash).toBeCloseTo(9937.82785, 9);
  });

  it('fills a gap through the stop at the open', () => {
    const ctx = createSimContext({
      risk: { ...spotCfg, stopLoss: 0.05 },
      fill: EXCHANGE_PROFILES.coinbase,
      barMs: H,
    });
    const { fills, events } = run(
      ctx,
      [bar(0, 100, 100, 100, 100), bar(H, 90, 92, 85, 91)],
      ['LONG', 'LONG'],
    );
    expect(events).toEqual([{ type: 'stop_loss', ts: H, price: 90 }]);
    expect(fills[1]!.price).toBeCloseTo(89.955, 10); // 90 * 0.9995
  });

  it('charges rollover at each 4h boundary since the open: three boundaries in 12h', () => {
    const ctx = createSimContext({
      risk: {
        ...margin3x,
        leverage: 2,
        sizing: { kind: 'fixed_usd', tradeAmountUsd: 1000, maxPositionPct: 1 },
      },
      fill: EXCHANGE_PROFILES.kraken,
      barMs: H,
    });
    const bars = Array.from({ length: 13 }, (_, i) => bar(i * H, 100, 100, 100, 100));
    const { states } = run(ctx, bars, Array<Target>(13).fill('LONG'));
    // Notional 2000 (1000 collateral at 2x): opening fee 0.40, rollover 0.40 per boundary. Opened at 0h;
    // boundaries at 4h, 8h, 12h are reached at the end of bars 3 (3h-4h), 7 and 11.
    const costs = states.map((s) => s.account.marginCostsPaid);
    expect(costs[0]).toBeCloseTo(0.4, 9);
    expect(costs[2]).toBeCloseTo(0.4, 9);
    expect(costs[3]).toBeCloseTo(0.8, 9);
    expect(costs[7]).toBeCloseTo(1.2, 9);
    expect(costs[10]).toBeCloseTo(1.2, 9);
    expect(costs[11]).toBeCloseTo(1.6, 9);
    expect(costs[12]).toBeCloseTo(1.6, 9);
    expect(states[11]!.account.position.lastRolloverAt).toBe(12 * H);
  });

  it('catches up rollover across a data gap before closing', () => {
    const ctx = createSimContext({
      risk: { ...margin3x, leverage: 1 },
      fill: FREE,
      margin: { openingFeeBps: 0, rolloverBps: 10 },
      barMs: H,
    });
    // Bar at 0 opens (100 units at 100); the next bar is 9h later: boundaries 4h and 8h are due on close.
    const { state } = run(
      ctx,
      [bar(0, 100, 100, 100, 100), bar(9 * H, 100, 100, 100, 100)],
      ['LONG', 'FLAT'],
    );
    expect(state.account.marginCostsPaid).toBeCloseTo(2 * 10_000 * 0.001, 9);
  });

  it('liquidates a 3x long on a 40% adverse move at the liquidation price', () => {
    const ctx = createSimContext({ risk: margin3x, fill: FREE, margin: NO_MARGIN_COSTS, barMs: H });
    // 300 @ 100 on 10000 at 3x: liquidation at 80 (margin level 40%); the candle falls 40% to 60.
    const { state, fills, events } = run(
      ctx,
      [bar(0, 100, 100, 100, 100), bar(H, 100, 100, 60, 65)],
      ['LONG', 'LONG'],
    );
    expect(fills[1]).toMatchObject({ side: 'sell', qty: 300, reason: 'liquidation' });
    expect(fills[1]!.price).toBeCloseTo(80, 9);
    expect(events).toEqual([
      {
        type: 'liquidation',
        ts: H,
        price: expect.closeTo(80, 9),
        liquidationPrice: expect.closeTo(80, 9),
        lossWrittenOff: 0,
      },
    ]);
    expect(state.account.cash).toBeCloseTo(4000, 6);
    expect(state.account.liquidations).toBe(1);
  });

  it('liquidates at the open when the market gapped through, capping the loss at the collateral', () => {
    const ctx = createSimContext({ risk: margin3x, fill: FREE, margin: NO_MARGIN_COSTS, barMs: H });
    const { state, events } = run(
      ctx,
      [bar(0, 100, 100, 100, 100), bar(H, 60, 62, 55, 58)],
      ['LONG', 'LONG'],
    );
    // Filled at 60: loss 300 * 40 = 12000 on 10000 collateral -> equity 0, 2000 written off.
    expect(events[0]).toMatchObject({
      type: 'liquidation',
      price: 60,
      lossWrittenOff: expect.closeTo(2000, 6),
    });
    expect(state.account.cash).toBe(0);
    expect(equity(state.account, 58)).toBe(0);
  });

  it('liquidates a position gapped through at the open even when the target changes at that open', () => {
    const ctx = createSimContext({ risk: margin3x, fill: FREE, margin: NO_MARGIN_COSTS, barMs: H });
    const { state, fills, events } = run(
      ctx,
      [bar(0, 100, 100, 100, 100), bar(H, 60, 62, 55, 58)],
      ['LONG', 'SHORT'],
    );
    // The exchange liquidates on the first trade through 80, before the bot's orders at the open; the short
    // is then opened on what is left: nothing.
    expect(fills.map((f) => [f.reason, f.price])).toEqual([
      ['signal', 100],
      ['liquidation', 60],
    ]);
    expect(events.map((e) => e.type)).toEqual(['liquidation', 'entry_skipped']);
    expect(state.account.cash).toBe(0);
    expect(state.account.position.side).toBe('NONE');
  });

  it('liquidates a 3x short on a 40% rise at 120', () => {
    const ctx = createSimContext({ risk: margin3x, fill: FREE, margin: NO_MARGIN_COSTS, barMs: H });
    const { state, events } = run(
      ctx,
      [bar(0, 100, 100, 100, 100), bar(H, 100, 140, 100, 135)],
      ['SHORT', 'SHORT'],
    );
    expect(events[0]).toMatchObject({ type: 'liquidation', price: expect.closeTo(120, 9) });
    expect(state.account.cash).toBeCloseTo(4000, 6);
  });

  it('liquidates with Kraken costs at the price where the margin level reaches 40%', () => {
    const ctx = createSimContext({ risk: margin3x, fill: EXCHANGE_PROFILES.kraken, barMs: H });
    const { states, events } = run(
      ctx,
      [bar(0, 100, 100, 100, 100), bar(H, 100, 100, 60, 65)],
      ['LONG', 'LONG'],
    );
    const before = states[0]!.account;
    const liq = liquidationPrice(before.position, before.cash, ctx.margin)!;
    // Used margin = 30000 / 3 = 10000, so equity at the liquidation price is 4000, minus the taker fee.
    expect(events[0]).toMatchObject({ type: 'liquidation', price: liq, lossWrittenOff: 0 });
    const qty = before.position.qty;
    expect(states[1]!.account.cash).toBeCloseTo(4000 - qty * liq * 0.004, 6);
  });

  it('lets a stop between the open and the liquidation price pre-empt the liquidation', () => {
    const ctx = createSimContext({
      risk: { ...margin3x, stopLoss: 0.05 },
      fill: FREE,
      margin: NO_MARGIN_COSTS,
      barMs: H,
    });
    const { state, events } = run(
      ctx,
      [bar(0, 100, 100, 100, 100), bar(H, 100, 100, 60, 65)],
      ['LONG', 'LONG'],
    );
    expect(events).toEqual([{ type: 'stop_loss', ts: H, price: 95 }]);
    expect(state.account.cash).toBeCloseTo(10_000 - 300 * 5, 6);
    expect(state.account.liquidations).toBe(0);
  });
});

describe('broker sim: target semantics', () => {
  const ctx = createSimContext({
    risk: { ...spotCfg, stopLoss: 0.05 },
    fill: EXCHANGE_PROFILES.coinbase,
    barMs: H,
  });
  const quiet = (i: number) => bar(i * H, 100, 100, 100, 100);

  it('does not re-enter after a stop while the target stays LONG; re-enters on a fresh change', () => {
    const bars = [quiet(0), bar(H, 100, 100, 90, 92), quiet(2), quiet(3), quiet(4), quiet(5)];
    const { fills } = run(ctx, bars, ['LONG', 'LONG', 'LONG', 'FLAT', 'LONG', 'LONG']);
    expect(fills.map((f) => [f.ts, f.side, f.reason])).toEqual([
      [0, 'buy', 'signal'],
      [H, 'sell', 'stop_loss'],
      [4 * H, 'buy', 'signal'],
    ]);
  });

  it('never fills a decision taken on the last bar', () => {
    const cols = columnsFrom([quiet(0), quiet(1), quiet(2)]);
    const init = createSimState(10_000);
    expect(simulateSeries(cols, ['FLAT', 'FLAT', 'LONG'], init, ctx).fills).toEqual([]);
    const r = simulateSeries(cols, ['FLAT', 'LONG', 'LONG'], init, ctx);
    expect(r.fills.map((f) => f.ts)).toEqual([2 * H]);
    expect(r.equity).toHaveLength(3);
    expect(() => simulateSeries(cols, ['FLAT'], init, ctx)).toThrow(RangeError);
  });

  it('never shorts a long-only config', () => {
    const { fills, state } = run(ctx, [quiet(0), quiet(1), quiet(2)], ['LONG', 'SHORT', 'SHORT']);
    expect(fills.map((f) => f.side)).toEqual(['buy', 'sell']);
    expect(state.account.position.side).toBe('NONE');
  });

  it('flips a margin position with two fills: close, then open on the equity after the close', () => {
    const c = createSimContext({ risk: margin3x, fill: FREE, margin: NO_MARGIN_COSTS, barMs: H });
    const { fills, state } = run(c, [quiet(0), bar(H, 110, 110, 110, 110)], ['LONG', 'SHORT']);
    expect(fills.map((f) => [f.side, f.qty])).toEqual([
      ['buy', 300],
      ['sell', 300],
      ['sell', expect.closeTo((13_000 * 3) / 110, 9)],
    ]);
    expect(state.account.position.side).toBe('SHORT');
    expect(state.account.tradeCount).toBe(2);
  });

  it('a halted account closes positions but does not open new ones', () => {
    const c = createSimContext({
      risk: { ...margin3x, leverage: 1, maxDrawdown: 0.1 },
      fill: FREE,
      margin: NO_MARGIN_COSTS,
      barMs: H,
    });
    const bars = [quiet(0), bar(H, 100, 100, 80, 85), quiet(2), quiet(3), quiet(4)];
    const { fills, events, state } = run(c, bars, ['LONG', 'LONG', 'SHORT', 'FLAT', 'LONG']);
    expect(events).toEqual([
      { type: 'halt', ts: H, reason: 'max_drawdown', equity: 8500, peak: 10_000 },
      { type: 'entry_skipped', ts: 2 * H, reason: 'halted' },
      { type: 'entry_skipped', ts: 4 * H, reason: 'halted' },
    ]);
    expect(fills.map((f) => [f.ts, f.side])).toEqual([
      [0, 'buy'],
      [2 * H, 'sell'],
    ]);
    expect(state.account.position.side).toBe('NONE');
    expect(state.account.halted).toBe('max_drawdown');
  });

  it('returns the same state and a shared empty result on idle bars', () => {
    const s = createSimState(10_000);
    const r1 = simulateBar(s, quiet(0), 'FLAT', ctx);
    expect(r1.state).toBe(s);
    expect(r1.fills).toEqual([]);
    expect(r1.events).toEqual([]);
    expect(simulateBar(s, quiet(1), 'SHORT', ctx)).toBe(r1); // SHORT is FLAT for long-only
  });

  it('gives the same result bar by bar and over columns', () => {
    const bars = [quiet(0), bar(H, 100, 104, 94, 96), quiet(2), bar(3 * H, 101, 103, 99, 102), quiet(4)];
    const targets: Target[] = ['LONG', 'LONG', 'FLAT', 'LONG', 'FLAT'];
    const stepwise = run(ctx, bars, ['FLAT', ...targets.slice(0, -1)]);
    const series = simulateSeries(columnsFrom(bars), targets, createSimState(10_000), ctx);
    expect(series.fills).toEqual(stepwise.fills);
    expect(series.events).toEqual(stepwise.events);
    expect(series.state).toEqual(stepwise.state);
  });
});
