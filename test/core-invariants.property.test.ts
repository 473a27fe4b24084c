import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { applyFill, applyLiquidation, balances, equity } from '../core/account.js';
import {
  createSimContext,
  createSimState,
  runSeries,
  type SeriesSink,
  type SimContext,
  type SimEvent,
  type SimState,
  simulateBar,
  simulateSeries,
  stepBar,
} from '../core/broker-sim.js';
import { type Candle, columnsFrom } from '../core/candles.js';
import { EXCHANGE_PROFILES, type FillModel } from '../core/fill-model.js';
import { signedQty, unrealizedPnl } from '../core/position.js';
import { HARD_MAX_LEVERAGE, type RiskConfig, type Sizing } from '../core/risk.js';
import { DECISION } from '../core/signal/index.js';
import type { Account, Fill, Target } from '../core/types.js';

const H = 60 * 60 * 1000;

// --- generators -------------------------------------------------------------------------------------------

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

/**
 * Uniform over [min, max]. `fc.double` is uniform over double representations, which concentrates its values
 * near zero and would make crashes, liquidations and stops too rare to test.
 */
const unit = (min: number, max: number) =>
  fc.integer({ min: 0, max: 1_000_000 }).map((k) => min + ((max - min) * k) / 1_000_000);
const logUnit = (min: number, max: number) => unit(Math.log(min), Math.log(max)).map(Math.exp);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

/**
 * A bar's move relative to the previous close (gaps are rare, crashes and squeezes possible) and the
 * strategy's decision at its close: `null` keeps the previous target, so positions live for several bars.
 */
const barMove = fc.record({
  gap: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: unit(-0.6, 0.8) }),
  ret: fc.oneof({ weight: 4, arbitrary: unit(-0.05, 0.05) }, { weight: 1, arbitrary: unit(-0.4, 0.5) }),
  up: unit(0, 0.15),
  down: unit(0, 0.15),
  target: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom<Target>('LONG', 'SHORT', 'FLAT') },
  ),
});

const series = fc.record({
  start: logUnit(0.0001, 100_000),
  barMs: fc.constantFrom(15 * 60 * 1000, H, 4 * H, 24 * H),
  moves: fc.array(barMove, { minLength: 1, maxLength: 150, size: 'max' }),
});

const sizing: fc.Arbitrary<Sizing> = fc.oneof(
  fc.record({
    kind: fc.constant('fixed_usd' as const),
    tradeAmountUsd: logUnit(1, 1_000_000),
    maxPositionPct: unit(0.01, 1),
  }),
  fc.record({ kind: fc.constant('equity_fraction' as const), fraction: optional(unit(0.01, 1)) }),
);

const exits = fc.record({
  stopLoss: optional(unit(0.001, 0.5)),
  takeProfit: optional(unit(0.001, 2)),
  maxDrawdown: optional(unit(0.05, 1)),
});

const spotConfig: fc.Arbitrary<RiskConfig> = fc
  .tuple(sizing, exits)
  .map(([s, e]) => ({ mode: 'spot', allowShort: false, maxLeverage: 1, leverage: 1, sizing: s, ...e }));

const marginConfig: fc.Arbitrary<RiskConfig> = fc
  .tuple(sizing, exits, fc.boolean(), unit(1, HARD_MAX_LEVERAGE), unit(0, 1))
  .map(([s, e, allowShort, maxLeverage, f]) => ({
    mode: 'margin',
    allowShort,
    maxLeverage,
    leverage: 1 + (maxLeverage - 1) * f,
    sizing: s,
    ...e,
  }));

const fillModelArb: fc.Arbitrary<FillModel> = fc.oneof(
  fc.constantFrom<FillModel>(EXCHANGE_PROFILES.coinbase, EXCHANGE_PROFILES.kraken),
  fc.record({ takerFeeBps: unit(0, 100), makerFeeBps: unit(0, 100), slippageBps: unit(0, 100) }),
);

const scenario = fc.record({
  cash: logUnit(1, 10_000_000),
  risk: fc.oneof(spotConfig, marginConfig),
  fill: fillModelArb,
  series,
});

function buildCandles(start: number, barMs: number, moves: readonly ValueOf<typeof barMove>[]): Candle[] {
  const out: Candle[] = [];
  let prev = start;
  moves.forEach((m, i) => {
    const open = prev * (1 + m.gap);
    const close = open * (1 + m.ret);
    out.push({
      ts: 1_700_000_000_000 + i * barMs,
      open,
      high: Math.max(open, close) * (1 + m.up),
      low: Math.min(open, close) * (1 - m.down),
      close,
      volume: 1,
    });
    prev = close;
  });
  return out;
}

// --- helpers ----------------------------------------------------------------------------------------------

function scaleOf(a: Account): number {
  return Math.max(
    1,
    Math.abs(a.cash),
    a.startingCash,
    Math.abs(a.realizedPnl),
    a.feesPaid,
    a.marginCostsPaid,
  );
}

function near(x: number, y: number, scale: number): boolean {
  return Math.abs(x - y) <= 1e-9 * Math.max(1, scale, Math.abs(x), Math.abs(y));
}

function entryCap(risk: RiskConfig, eq: number): number {
  return risk.sizing.kind === 'fixed_usd'
    ? Math.min(risk.sizing.tradeAmountUsd, risk.sizing.maxPositionPct * eq)
    : eq * (risk.sizing.fraction ?? 1);
}

interface Trace {
  readonly candles: Candle[];
  readonly targets: Target[];
  readonly ctx: SimContext;
  readonly init: SimState;
}

function setup(s: ValueOf<typeof scenario>): Trace {
  const candles = buildCandles(s.series.start, s.series.barMs, s.series.moves);
  let t: Target = 'FLAT';
  return {
    candles,
    targets: s.series.moves.map((m) => {
      t = m.target ?? t;
      return t;
    }),
    ctx: createSimContext({ risk: s.risk, fill: s.fill, barMs: s.series.barMs }),
    init: createSimState(s.cash),
  };
}

// --- properties -------------------------------------------------------------------------------------------

describe('broker sim invariants over random candles and targets', () => {
  test.prop([scenario], { numRuns: 300 })('every step keeps the accounting and risk invariants', (s) => {
    const { candles, targets, ctx, init } = setup(s);
    const risk = ctx.risk;
    let state = init;
    let pending: Target = 'FLAT';
    let fillSum = 0;
    let maxQty = 0;
    let haltedSeen = false;

    candles.forEach((c, i) => {
      const before = state.account;
      const r = simulateBar(state, c, pending, ctx);
      state = r.state;
      const a = state.account;

      // Replays the bar's fills to check each entry against the equity it was sized on.
      let replay = before;
      for (const f of r.fills) {
        expect(f.fee).toBeGreaterThanOrEqual(0);
        expect(f.qty).toBeGreaterThan(0);
        fillSum += f.side === 'buy' ? f.qty : -f.qty;
        maxQty = Math.max(maxQty, f.qty);
        if (replay.position.side === 'NONE') {
          // Only signal fills at the open can open a position, never after a halt.
          expect(f.reason).toBe('signal');
          expect(haltedSeen).toBe(false);
          expect(replay.halted).toBeNull();
          expect(f.leverage).toBe(risk.leverage);
          const eqAtEntry = equity(replay, c.open);
          const collateral = (f.qty * f.price) / risk.leverage;
          expect(collateral).toBeLessThanOrEqual(entryCap(risk, eqAtEntry) * (1 + 1e-9));
          if (risk.sizing.kind === 'fixed_usd') {
            expect(collateral).toBeLessThanOrEqual(risk.sizing.maxPositionPct * eqAtEntry * (1 + 1e-9));
          }
        }
        replay = f.reason === 'liquidation' ? applyLiquidation(replay, f) : applyFill(replay, f);
      }
      if (r.events.some((e) => e.type === 'halt')) haltedSeen = true;

      // equity = cash + position value, and = quote + base * mark.
      const eq = equity(a, c.close);
      const scale = scaleOf(a);
      expect(near(eq, a.cash + unrealizedPnl(a.position, c.close), scale)).toBe(true);
      const b = balances(a, c.close);
      expect(near(eq, b.quote + b.base * c.close, scale)).toBe(true);
      // Ledger identity.
      const ledger = a.startingCash + a.realizedPnl - a.feesPaid - a.marginCostsPaid + a.lossWrittenOff;
      expect(near(a.cash, ledger, scale)).toBe(true);
      // Costs only ever accumulate.
      expect(a.feesPaid).toBeGreaterThanOrEqual(before.feesPaid);
      expect(a.marginCostsPaid).toBeGreaterThanOrEqual(before.marginCostsPaid);
      expect(a.lossWrittenOff).toBeGreaterThanOrEqual(before.lossWrittenOff);

      // Equity never goes below zero (liquidations cap the loss at the collateral).
      expect(eq).toBeGreaterThanOrEqual(0);
      if (r.events.some((e) => e.type === 'liquidation')) expect(a.cash).toBeGreaterThanOrEqual(0);

      // Spot: no negative balance, no leverage, no margin costs, no liquidation.
      if (risk.mode === 'spot') {
        expect(b.quote).toBeGreaterThanOrEqual(0);
        expect(b.base).toBeGreaterThanOrEqual(0);
        expect(a.marginCostsPaid).toBe(0);
        expect(a.liquidations).toBe(0);
      }
      // Long-only never holds a short.
      if (!risk.allowShort) expect(a.position.side).not.toBe('SHORT');
      // Leverage caps.
      expect(a.position.leverage).toBeLessThanOrEqual(risk.maxLeverage);
      expect(a.position.leverage).toBeLessThanOrEqual(HARD_MAX_LEVERAGE);
      // The position is the signed sum of the fills.
      expect(Math.abs(signedQty(a.position) - fillSum)).toBeLessThanOrEqual(1e-9 * Math.max(1, maxQty));
      expect(a.position.qty).toBeGreaterThanOrEqual(0);
      // Once halted, stays halted (nothing resumes in the sim).
      if (haltedSeen) expect(a.halted).toBe('max_drawdown');

      pending = targets[i]!;
    });
  });

  test.prop([scenario], { numRuns: 100 })('is deterministic and the column loop matches the bar API', (s) => {
    const { candles, targets, ctx, init } = setup(s);
    const cols = columnsFrom(candles);
    const a = simulateSeries(cols, targets, init, ctx);
    const b = simulateSeries(cols, targets, init, ctx);
    expect(b).toEqual(a);

    let state = init;
    let pending: Target = init.lastTarget;
    const fills: Fill[] = [];
    candles.forEach((c, i) => {
      const r = simulateBar(state, c, pending, ctx);
      state = r.state;
      fills.push(...r.fills);
      expect(a.equity[i]).toBe(equity(state.account, c.close));
      pending = targets[i]!;
    });
    expect(fills).toEqual(a.fills);
    expect(state).toEqual(a.state);
  });
});

describe('runSeries, the backtest loop', () => {
  // Quiet bars skip `stepBar`; this holds the result to a plain stepBar loop bit for bit, on decision codes
  // with "no change" (0) in them, any window [from, to), and the onChange reports.
  test.prop([scenario, fc.nat(), fc.nat()], { numRuns: 300 })(
    'equals stepBar on every bar, with the same fills, events, equity and changes',
    (s, x, y) => {
      const { candles, ctx, init } = setup(s);
      const n = candles.length;
      const from = x % n;
      const to = from + 1 + (y % (n - from));
      const codes = Int8Array.from(s.series.moves, (m) =>
        m.target === null ? DECISION.NONE : DECISION[m.target],
      );
      const cols = columnsFrom(candles);
      const changes: [number, SimState, SimState, number, number][] = [];
      const sink: SeriesSink = {
        equity: new Float64Array(to - from),
        fills: [],
        events: [],
        onChange: (i, pre, post, f0, e0) => changes.push([i, pre, post, f0, e0]),
      };
      const run = runSeries(cols, codes, from, to, init, ctx, sink);

      let state = init;
      let pending: Target = init.lastTarget;
      let exposed = 0;
      const fills: Fill[] = [];
      const events: SimEvent[] = [];
      const expected: typeof changes = [];
      for (let i = from; i < to; i++) {
        const c = candles[i]!;
        const f0 = fills.length;
        const e0 = events.length;
        const pre = state;
        state = stepBar(state, c.ts, c.open, c.high, c.low, c.close, pending, ctx, fills, events);
        if (state !== pre) expected.push([i, pre, state, f0, e0]);
        expect(Object.is(sink.equity[i - from], equity(state.account, c.close))).toBe(true);
        if (state.account.position.side !== 'NONE') exposed++;
        const code = codes[i]!;
        if (code !== DECISION.NONE)
          pending = code === DECISION.LONG ? 'LONG' : code === DECISION.SHORT ? 'SHORT' : 'FLAT';
      }
      expect(sink.fills).toEqual(fills);
      expect(sink.events).toEqual(events);
      expect(run.state).toEqual(state);
      expect(run.exposedBars).toBe(exposed);
      expect(changes).toEqual(expected);
    },
  );

  it('refuses a window outside the candles or codes shorter than it', () => {
    const cols = columnsFrom(buildCandles(100, H, [{ gap: 0, ret: 0, up: 0, down: 0, target: null }]));
    const ctx = createSimContext({
      risk: {
        mode: 'spot',
        allowShort: false,
        maxLeverage: 1,
        leverage: 1,
        sizing: { kind: 'equity_fraction' },
      },
      fill: EXCHANGE_PROFILES.coinbase,
      barMs: H,
    });
    const sink = () => ({ equity: new Float64Array(1), fills: [], events: [] });
    expect(() => runSeries(cols, new Int8Array(1), 0, 2, createSimState(1), ctx, sink())).toThrow(RangeError);
    expect(() => runSeries(cols, new Int8Array(0), 0, 1, createSimState(1), ctx, sink())).toThrow(RangeError);
  });
});

describe('the generators', () => {
  it('reach stops, take-profits, liquidations (with and without write-off), halts, shorts and flips', () => {
    const counts: Record<string, number> = {};
    const bump = (k: string) => {
      counts[k] = (counts[k] ?? 0) + 1;
    };
    for (const s of fc.sample(scenario, { numRuns: 300, seed: 20_240_601 })) {
      const { candles, targets, ctx, init } = setup(s);
      const r = simulateSeries(columnsFrom(candles), targets, init, ctx);
      for (const e of r.events) {
        bump(e.type === 'liquidation' && e.lossWrittenOff > 0 ? 'liquidation_write_off' : e.type);
      }
      let a = init.account;
      r.fills.forEach((f, i) => {
        const was = a.position.side;
        a = f.reason === 'liquidation' ? applyLiquidation(a, f) : applyFill(a, f);
        if (was === 'NONE' && a.position.side !== 'NONE') bump(`open_${a.position.side}_${ctx.risk.mode}`);
        const prev = r.fills[i - 1];
        if (prev !== undefined && prev.ts === f.ts && prev.reason === 'signal' && f.reason === 'signal')
          bump('flip');
      });
    }
    for (const k of [
      'stop_loss',
      'take_profit',
      'liquidation',
      'liquidation_write_off',
      'halt',
      'entry_skipped',
      'open_LONG_spot',
      'open_LONG_margin',
      'open_SHORT_margin',
      'flip',
    ]) {
      expect(counts[k] ?? 0, k).toBeGreaterThan(0);
    }
  });
});
