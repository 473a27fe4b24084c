import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type BacktestRun, createScratch, type EngineConfig, runBacktest } from '../backtest/engine.js';
import { computeMetrics } from '../backtest/metrics.js';
import { resolveSettings } from '../backtest/settings.js';
import {
  type Candle,
  type CandleColumns,
  columnsFrom,
  createSimContext,
  createSimState,
  simulateSeries,
  type Target,
} from '../core/index.js';
import { DECISION } from '../core/signal/index.js';
import { rsiMomentum } from '../strategies/production/rsi_momentum.js';
import { smaCrossover } from '../strategies/production/sma_crossover.js';

const DAY = 86_400_000;

/** A dozen daily candles whose SMA(2)/SMA(3) cross up at bar 4, down at bar 7 and up again at bar 10. */
const CLOSES = [10, 9, 8, 9, 11, 12, 11, 9, 8, 9, 11, 12];
const OPENS = [10, 9.8, 8.9, 8.2, 9.1, 11.2, 11.9, 10.8, 9.2, 8.1, 9.3, 11.1];
const DOZEN: CandleColumns = columnsFrom(
  CLOSES.map((c, i) => {
    const o = OPENS[i]!;
    return {
      ts: i * DAY,
      open: o,
      high: Math.max(o, c) + 0.5,
      low: Math.min(o, c) - 0.5,
      close: c,
      volume: 1,
    };
  }),
);

describe('backtest engine: a hand-computed dozen candles', () => {
  // Long only, 10 bps fee, 20 bps slippage, 1000 cash, all equity per entry.
  const settings = resolveSettings({ mode: 'long_only', feeBps: 10, slippageBps: 20, startingCash: 1000 });
  const run = runBacktest({
    strategy: smaCrossover,
    params: { fast_period: 2, slow_period: 3 },
    candles: DOZEN,
    timeframeMs: DAY,
    config: settings.config,
  });

  it('decides on the closes where the averages cross', () => {
    // SMA2/SMA3: bar 4 golden cross (8.5 <= 8.667, 10 > 9.333), bar 7 death cross (11.5 >= 11.333,
    // 10 < 10.667), bar 10 golden cross (8.5 <= 8.667, 10 > 9.333).
    const expected = new Array(12).fill(DECISION.NONE);
    expected[4] = DECISION.LONG;
    expected[7] = DECISION.FLAT;
    expected[10] = DECISION.LONG;
    expect([...run.decisions]).toEqual(expected);
  });

  it('fills at the next open with slippage and fee, and marks equity at every close, to 1e-9', () => {
    // Entry 1 at bar 5's open 11.2: buy at 11.2 * 1.002 = 11.2224; qty = 1000 / (11.2224 * 1.001) so that
    // notional + 0.1 % fee spend the whole 1000 (the core may shave the last ulp).
    const p1 = 11.2 * 1.002;
    const q1 = 1000 / (p1 * 1.001);
    const fee1 = q1 * p1 * 0.001;
    const cash1 = 1000 - fee1;
    // Exit at bar 8's open 9.2: sell at 9.2 * 0.998 = 9.1816.
    const x1 = 9.2 * 0.998;
    const fee2 = q1 * x1 * 0.001;
    const cash2 = cash1 + q1 * (x1 - p1) - fee2;
    // Entry 2 at bar 11's open 11.1 (the last bar), marked at its close 12.
    const p2 = 11.1 * 1.002;
    const q2 = cash2 / (p2 * 1.001);
    const fee3 = q2 * p2 * 0.001;
    const cash3 = cash2 - fee3;
    const eq = [
      1000,
      1000,
      1000,
      1000,
      1000,
      cash1 + q1 * (12 - p1),
      cash1 + q1 * (11 - p1),
      cash1 + q1 * (9 - p1),
      cash2,
      cash2,
      cash2,
      cash3 + q2 * (12 - p2),
    ];
    expect(run.equity).toHaveLength(12);
    for (let i = 0; i < 12; i++) expect(run.equity[i], `equity at bar ${i}`).toBeCloseTo(eq[i]!, 9);

    expect(run.fills.map((f) => [f.side, f.ts / DAY, f.reason])).toEqual([
      ['buy', 5, 'signal'],
      ['sell', 8, 'signal'],
      ['buy', 11, 'signal'],
    ]);
    const [f1, f2, f3] = run.fills;
    expect(f1!.price).toBeCloseTo(p1, 12);
    expect(f1!.qty).toBeCloseTo(q1, 9);
    expect(f1!.fee).toBeCloseTo(fee1, 9);
    expect(f2!.price).toBeCloseTo(x1, 12);
    expect(f2!.fee).toBeCloseTo(fee2, 9);
    expect(f3!.price).toBeCloseTo(p2, 12);
    expect(f3!.qty).toBeCloseTo(q2, 9);
    expect(f3!.fee).toBeCloseTo(fee3, 9);
    expect(run.account.feesPaid).toBeCloseTo(fee1 + fee2 + fee3, 9);

    expect(run.trades).toHaveLength(2);
    expect(run.trades[0]).toMatchObject({
      side: 'LONG',
      entryTs: 5 * DAY,
      exitTs: 8 * DAY,
      reason: 'signal',
    });
    expect(run.trades[0]!.pnl).toBeCloseTo(cash2 - 1000, 9);
    expect(run.trades[1]).toMatchObject({
      side: 'LONG',
      entryTs: 11 * DAY,
      exitTs: 11 * DAY,
      reason: 'open',
    });
    expect(run.trades[1]!.pnl).toBeCloseTo(eq[11]! - cash2, 9);
    expect(run.exposedBars).toBe(4);
  });

  it('reports the metrics of that run', () => {
    const m = computeMetrics(run, DAY);
    expect(m.bars).toBe(12);
    expect(m.trades).toBe(2);
    expect(m.closed_trades).toBe(1);
    expect(m.return_pct).toBeCloseTo((run.equity[11]! / 1000 - 1) * 100, 9);
    expect(m.buy_hold_pct).toBeCloseTo((12 / 10 - 1) * 100, 9);
    expect(m.outperform).toBeCloseTo(m.return_pct - m.buy_hold_pct, 9);
    // Peak 1000 * ... at bar 5, trough at bar 7.
    const peak = run.equity[5]!;
    expect(m.max_drawdown_pct).toBeCloseTo(((peak - run.equity[7]!) / peak) * 100, 9);
    expect(m.win_rate).toBe(0);
    expect(m.profit_factor).toBe(0);
    expect(m.exposure_pct).toBeCloseTo((4 / 12) * 100, 9);
    expect(m.fees_paid).toBeCloseTo(run.account.feesPaid, 12);
  });

  it('a decision on the last bar is never filled', () => {
    const short = runBacktest({
      strategy: smaCrossover,
      params: { fast_period: 2, slow_period: 3 },
      candles: DOZEN,
      timeframeMs: DAY,
      end: 11,
      config: settings.config,
    });
    // Bar 10's golden cross is the last decision of bars 0..10: nothing opens after it.
    expect(short.decisions[10]).toBe(DECISION.LONG);
    expect(short.fills).toHaveLength(2);
    expect(short.account.position.side).toBe('NONE');
  });
});

/** Random daily candles with valid OHLC. */
const candlesArb = (min: number, max: number) =>
  fc
    .array(
      fc.record({
        step: fc.double({ min: -0.08, max: 0.08, noNaN: true }),
        gap: fc.double({ min: -0.03, max: 0.03, noNaN: true }),
        up: fc.double({ min: 0, max: 0.05, noNaN: true }),
        down: fc.double({ min: 0, max: 0.05, noNaN: true }),
      }),
      { minLength: min, maxLength: max },
    )
    .map((steps) => {
      let price = 100;
      return steps.map((s, i): Candle => {
        const open = price * (1 + s.gap);
        const close = open * (1 + s.step);
        price = close;
        return {
          ts: i * DAY,
          open,
          high: Math.max(open, close) * (1 + s.up),
          low: Math.min(open, close) * (1 - s.down),
          close,
          volume: 1,
        };
      });
    });

const configs: Record<string, EngineConfig> = {
  long_only: resolveSettings({ mode: 'long_only', stopLoss: 0.05, takeProfit: 0.1 }).config,
  leveraged: resolveSettings({ mode: 'leveraged', leverage: 3, stopLoss: 0.2, maxDrawdown: 0.5 }).config,
  leveraged_no_stops: resolveSettings({ mode: 'leveraged', leverage: 3 }).config,
};

function run(candles: readonly Candle[], cfg: EngineConfig, strategy: 'sma' | 'rsi'): BacktestRun {
  return strategy === 'sma'
    ? runBacktest({
        strategy: smaCrossover,
        params: { fast_period: 3, slow_period: 7 },
        candles: columnsFrom(candles),
        timeframeMs: DAY,
        config: cfg,
      })
    : runBacktest({
        strategy: rsiMomentum,
        params: { rsi_period: 5, sma_period: 4, upper: 55, lower: 45 },
        candles: columnsFrom(candles),
        timeframeMs: DAY,
        config: cfg,
      });
}

describe('backtest engine: properties', () => {
  fcTest.prop(
    [
      candlesArb(20, 80),
      candlesArb(1, 40),
      fc.nat(),
      fc.constantFrom(...Object.keys(configs)),
      fc.constantFrom('sma' as const, 'rsi' as const),
    ],
    { numRuns: 150 },
  )(
    'no lookahead: changing the bars after t never changes decisions, fills or equity up to t',
    (base, tail, k, cfgName, strat) => {
      const t = k % base.length;
      const cfg = configs[cfgName]!;
      // Replace everything after t with other candles (continuing the timeline).
      const changed = [...base.slice(0, t + 1), ...tail.map((c, i) => ({ ...c, ts: (t + 1 + i) * DAY }))];
      const a = run(base, cfg, strat);
      const b = run(changed, cfg, strat);
      expect([...b.decisions.subarray(0, t + 1)]).toEqual([...a.decisions.subarray(0, t + 1)]);
      expect([...b.equity.subarray(0, t + 1)]).toEqual([...a.equity.subarray(0, t + 1)]);
      // A decision at t fills at t+1's open, which may differ: compare fills up to bar t only.
      const upTo = (r: BacktestRun) => r.fills.filter((f) => f.ts <= t * DAY);
      expect(upTo(b)).toEqual(upTo(a));
    },
  );

  fcTest.prop([candlesArb(10, 80), fc.constantFrom(...Object.keys(configs))], { numRuns: 100 })(
    'trade pnls add up to the equity change, and the engine equals simulateSeries',
    (candles, cfgName) => {
      const cfg = configs[cfgName]!;
      const r = run(candles, cfg, 'sma');
      const total = r.trades.reduce((s, tr) => s + tr.pnl, 0);
      expect(total).toBeCloseTo(r.equity[r.equity.length - 1]! - cfg.startingCash, 6);
      // The same targets through the core's own series runner give the same curve, bit for bit.
      const names: (Target | null)[] = [null, 'LONG', 'SHORT', 'FLAT'];
      let cur: Target = 'FLAT';
      const targets = [...r.decisions].map((d) => {
        cur = names[d] ?? cur;
        return cur;
      });
      const ctx = createSimContext({ risk: cfg.risk, fill: cfg.fill, margin: cfg.margin, barMs: DAY });
      const ref = simulateSeries(columnsFrom(candles), targets, createSimState(cfg.startingCash), ctx);
      expect([...r.equity]).toEqual([...ref.equity]);
      expect(r.fills).toEqual(ref.fills);
    },
  );
});

describe('backtest engine: windows', () => {
  it('warms indicators on the bars before start and trades only inside [start, end)', () => {
    const cfg = resolveSettings({ mode: 'long_only' }).config;
    const full = runBacktest({
      strategy: smaCrossover,
      params: { fast_period: 2, slow_period: 3 },
      candles: DOZEN,
      timeframeMs: DAY,
      config: cfg,
    });
    const part = runBacktest({
      strategy: smaCrossover,
      params: { fast_period: 2, slow_period: 3 },
      candles: DOZEN,
      timeframeMs: DAY,
      start: 6,
      config: cfg,
    });
    expect(part.equity).toHaveLength(6);
    expect([...part.decisions]).toEqual([...full.decisions.subarray(6)]);
    // The cross at bar 4 happened before the window: the window starts flat and enters on bar 10's cross.
    expect(part.fills.map((f) => f.ts / DAY)).toEqual([11]);
  });

  it('reused scratch buffers give the same runs as fresh ones, whatever ran in them before', () => {
    const cfg = resolveSettings({ mode: 'long_only' }).config;
    const scratch = createScratch(DOZEN.ts.length);
    const input = (start: number, slow: number) => ({
      strategy: smaCrossover,
      params: { fast_period: 2, slow_period: slow },
      candles: DOZEN,
      timeframeMs: DAY,
      start,
      config: cfg,
    });
    for (const [start, slow] of [
      [0, 3],
      [6, 3],
      [2, 4],
      [0, 3],
    ] as const) {
      const fresh = runBacktest(input(start, slow));
      const reused = runBacktest({ ...input(start, slow), scratch });
      expect([...reused.decisions]).toEqual([...fresh.decisions]);
      expect([...reused.equity]).toEqual([...fresh.equity]);
      expect(reused.trades).toEqual(fresh.trades);
      expect(reused.decisions.buffer).toBe(scratch.decisions.buffer);
    }
    expect(() => runBacktest({ ...input(0, 3), scratch: createScratch(5) })).toThrow(RangeError);
  });

  fcTest.prop([candlesArb(10, 80), fc.constantFrom(...Object.keys(configs))], { numRuns: 100 })(
    "detail 'metrics' keeps no fills, events or trades, and gives the same metrics",
    (candles, cfgName) => {
      const cfg = configs[cfgName]!;
      const input = {
        strategy: smaCrossover,
        params: { fast_period: 2, slow_period: 5 },
        candles: columnsFrom(candles),
        timeframeMs: DAY,
        config: cfg,
      };
      const full = runBacktest(input);
      const lean = runBacktest({ ...input, detail: 'metrics' });
      expect([lean.fills, lean.events, lean.trades]).toEqual([[], [], []]);
      expect(lean.tradeTally).toEqual(full.tradeTally);
      expect(computeMetrics(lean, DAY)).toEqual(computeMetrics(full, DAY));
    },
  );

  it('refuses an empty window', () => {
    const cfg = resolveSettings({ mode: 'long_only' }).config;
    expect(() =>
      runBacktest({
        strategy: smaCrossover,
        params: { fast_period: 2, slow_period: 3 },
        candles: DOZEN,
        timeframeMs: DAY,
        start: 5,
        end: 5,
        config: cfg,
      }),
    ).toThrow(RangeError);
  });
});
