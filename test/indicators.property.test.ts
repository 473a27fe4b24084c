/**
 * Property tests of core/indicators on random series: streaming equals batch bit for bit, the declared
 * warm-up is exact (NaN before it, finite from it), values are causal (never depend on later bars), and on
 * price-like random walks the batch form agrees with the naive references.
 */
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import {
  AtrStream,
  atr,
  atrWarmup,
  BollingerStream,
  bollinger,
  bollingerWarmup,
  EmaStream,
  ema,
  emaWarmup,
  HighestStream,
  highest,
  highestWarmup,
  LowestStream,
  lowest,
  lowestWarmup,
  MacdStream,
  macd,
  macdLineWarmup,
  macdWarmup,
  RsiStream,
  rsi,
  rsiWarmup,
  SmaStream,
  sma,
  smaWarmup,
} from '../core/indicators/index.js';
import {
  firstMismatch,
  firstNotIdentical,
  refAtr,
  refBollinger,
  refEma,
  refExtreme,
  refMacd,
  refRsi,
  refSma,
} from './helpers/indicators-reference.js';

/** OHLC columns as the indicators take them; single-input indicators read `close`. */
interface Bars {
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

/** One output column of an indicator: its values and the index of its first defined value. */
interface Output {
  readonly values: Float64Array;
  readonly warmup: number;
}

/** What a stream reports after one update, per output, plus its `ready` flag and `value` (if any). */
interface StreamStep {
  readonly outs: readonly number[];
  readonly ready: boolean;
  /** The stream's `value` getter after the update; single-output streams only. */
  readonly value?: number;
}

/**
 * An indicator under test, with its parameters drawn as a plain number tuple so one set of properties
 * covers them all.
 */
interface Spec {
  readonly name: string;
  readonly params: fc.Arbitrary<number[]>;
  batch(b: Bars, p: number[]): Output[];
  /** Returns a function feeding bar i to a fresh stream. */
  stream(p: number[]): (b: Bars, i: number) => StreamStep;
  /** Index from which the stream must report `ready`. */
  readyAt(p: number[]): number;
}

const period = fc.integer({ min: 1, max: 30 });

const SPECS: readonly Spec[] = [
  {
    name: 'SMA',
    params: fc.tuple(period),
    batch: (b, [p]) => [{ values: sma(b.close, p!), warmup: smaWarmup(p!) }],
    stream: ([p]) => {
      const s = new SmaStream(p!);
      return (b, i) => ({ outs: [s.update(b.close[i]!)], ready: s.ready, value: s.value });
    },
    readyAt: ([p]) => smaWarmup(p!),
  },
  {
    name: 'EMA',
    params: fc.tuple(period),
    batch: (b, [p]) => [{ values: ema(b.close, p!), warmup: emaWarmup(p!) }],
    stream: ([p]) => {
      const s = new EmaStream(p!);
      return (b, i) => ({ outs: [s.update(b.close[i]!)], ready: s.ready, value: s.value });
    },
    readyAt: ([p]) => emaWarmup(p!),
  },
  {
    name: 'RSI',
    params: fc.tuple(period),
    batch: (b, [p]) => [{ values: rsi(b.close, p!), warmup: rsiWarmup(p!) }],
    stream: ([p]) => {
      const s = new RsiStream(p!);
      return (b, i) => ({ outs: [s.update(b.close[i]!)], ready: s.ready, value: s.value });
    },
    readyAt: ([p]) => rsiWarmup(p!),
  },
  {
    name: 'ATR',
    params: fc.tuple(period),
    batch: (b, [p]) => [{ values: atr(b.high, b.low, b.close, p!), warmup: atrWarmup(p!) }],
    stream: ([p]) => {
      const s = new AtrStream(p!);
      return (b, i) => ({
        outs: [s.update(b.high[i]!, b.low[i]!, b.close[i]!)],
        ready: s.ready,
        value: s.value,
      });
    },
    readyAt: ([p]) => atrWarmup(p!),
  },
  {
    name: 'Bollinger',
    params: fc.tuple(period, fc.double({ min: 0, max: 4, noNaN: true })),
    batch: (b, [p, k]) => {
      const r = bollinger(b.close, p!, k);
      const w = bollingerWarmup(p!);
      return [r.middle, r.upper, r.lower].map((values) => ({ values, warmup: w }));
    },
    stream: ([p, k]) => {
      const s = new BollingerStream(p!, k);
      return (b, i) => {
        const v = s.update(b.close[i]!);
        return { outs: [v.middle, v.upper, v.lower], ready: s.ready };
      };
    },
    readyAt: ([p]) => bollingerWarmup(p!),
  },
  {
    name: 'MACD',
    params: fc
      .tuple(
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 12 }),
      )
      .map(([f, extra, s]) => [f, f + extra, s]),
    batch: (b, [f, sl, sg]) => {
      const r = macd(b.close, f, sl, sg);
      return [
        { values: r.macd, warmup: macdLineWarmup(f, sl) },
        { values: r.signal, warmup: macdWarmup(f, sl, sg) },
        { values: r.histogram, warmup: macdWarmup(f, sl, sg) },
      ];
    },
    stream: ([f, sl, sg]) => {
      const s = new MacdStream(f, sl, sg);
      return (b, i) => {
        const v = s.update(b.close[i]!);
        return { outs: [v.macd, v.signal, v.histogram], ready: s.ready };
      };
    },
    readyAt: ([f, sl, sg]) => macdWarmup(f, sl, sg),
  },
  {
    name: 'highest',
    params: fc.tuple(period),
    batch: (b, [p]) => [{ values: highest(b.high, p!), warmup: highestWarmup(p!) }],
    stream: ([p]) => {
      const s = new HighestStream(p!);
      return (b, i) => ({ outs: [s.update(b.high[i]!)], ready: s.ready, value: s.value });
    },
    readyAt: ([p]) => highestWarmup(p!),
  },
  {
    name: 'lowest',
    params: fc.tuple(period),
    batch: (b, [p]) => [{ values: lowest(b.low, p!), warmup: lowestWarmup(p!) }],
    stream: ([p]) => {
      const s = new LowestStream(p!);
      return (b, i) => ({ outs: [s.update(b.low[i]!)], ready: s.ready, value: s.value });
    },
    readyAt: ([p]) => lowestWarmup(p!),
  },
];

/**
 * Positive finite values: arbitrary doubles over twelve orders of magnitude, mixed with small integers so
 * that ties, flat runs and zero changes (RSI with no losses, zero-width bands, equal maxima) are common.
 */
const value = fc.oneof(
  fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
  fc.integer({ min: 1, max: 4 }).map((v) => v),
);

/** A bar from three values: the largest is the high, the smallest the low, the third drawn is the close. */
const bar = fc.tuple(value, value, value).map(([a, b, c]) => ({
  high: Math.max(a, b, c),
  low: Math.min(a, b, c),
  close: c,
}));

function toBars(rows: readonly { high: number; low: number; close: number }[]): Bars {
  return {
    high: Float64Array.from(rows, (r) => r.high),
    low: Float64Array.from(rows, (r) => r.low),
    close: Float64Array.from(rows, (r) => r.close),
  };
}

const bars = fc.array(bar, { maxLength: 120 }).map(toBars);

function sliceBars(b: Bars, end: number): Bars {
  return { high: b.high.slice(0, end), low: b.low.slice(0, end), close: b.close.slice(0, end) };
}

function concatBars(a: Bars, b: Bars): Bars {
  const cat = (x: Float64Array, y: Float64Array) => {
    const out = new Float64Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return { high: cat(a.high, b.high), low: cat(a.low, b.low), close: cat(a.close, b.close) };
}

for (const spec of SPECS) {
  test.prop([bars, spec.params])(`${spec.name}: streaming equals batch bit for bit`, (b, p) => {
    const outputs = spec.batch(b, p);
    const feed = spec.stream(p);
    const n = b.close.length;
    const streamed = outputs.map(() => new Float64Array(n));
    const readyAt = spec.readyAt(p);
    for (let i = 0; i < n; i++) {
      const step = feed(b, i);
      step.outs.forEach((v, j) => {
        streamed[j]![i] = v;
      });
      expect(step.ready).toBe(i >= readyAt);
      if (step.value !== undefined) expect(Object.is(step.value, step.outs[0])).toBe(true);
    }
    outputs.forEach((o, j) => {
      expect(firstNotIdentical(streamed[j]!, o.values)).toBe(-1);
    });
  });

  test.prop([bars, spec.params])(`${spec.name}: NaN exactly before the declared warm-up`, (b, p) => {
    for (const { values, warmup } of spec.batch(b, p)) {
      expect(values.length).toBe(b.close.length);
      values.forEach((v, i) => {
        expect(i < warmup ? Number.isNaN(v) : Number.isFinite(v)).toBe(true);
      });
    }
  });

  test.prop([bars, spec.params, fc.nat(), fc.array(bar, { maxLength: 20 }).map(toBars)])(
    `${spec.name}: causal (a value ignores later bars, changed or removed)`,
    (b, p, cut, tail) => {
      const n = b.close.length;
      const t = n === 0 ? 0 : cut % (n + 1);
      const full = spec.batch(b, p);
      const prefix = spec.batch(sliceBars(b, t), p);
      const changed = spec.batch(concatBars(sliceBars(b, t), tail), p);
      full.forEach((o, j) => {
        const head = o.values.subarray(0, t);
        expect(firstNotIdentical(prefix[j]!.values, head)).toBe(-1);
        expect(firstNotIdentical(changed[j]!.values.subarray(0, t), head)).toBe(-1);
      });
    },
  );
}

/** Price-like series: a positive random walk with daily moves within +/-20%. */
const walk = fc
  .tuple(
    fc.double({ min: 1e-4, max: 1e5, noNaN: true }),
    fc.array(
      fc.tuple(fc.double({ min: -0.2, max: 0.2, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true })),
      {
        maxLength: 150,
      },
    ),
  )
  .map(([start, moves]) => {
    let px = start;
    return toBars(
      moves.map(([m, spread]) => {
        px *= 1 + m;
        return { high: px * (1 + spread), low: px * (1 - spread), close: px };
      }),
    );
  });

test.prop([walk, period, fc.integer({ min: 2, max: 12 })])(
  'on random walks every indicator agrees with its naive reference to 1e-9',
  (b, p, fast) => {
    const close = Array.from(b.close);
    const agree = (ours: ArrayLike<number>, ref: ArrayLike<number>, floor = 0) =>
      expect(firstMismatch(ours, ref, 1e-9, floor)).toBeUndefined();
    agree(sma(b.close, p), refSma(close, p));
    agree(ema(b.close, p), refEma(close, p));
    agree(rsi(b.close, p), refRsi(close, p));
    agree(atr(b.high, b.low, b.close, p), refAtr(b.high, b.low, b.close, p));
    const bb = bollinger(b.close, p, 2);
    const rb = refBollinger(close, p, 2);
    agree(bb.middle, rb.middle);
    agree(bb.upper, rb.upper);
    agree(bb.lower, rb.lower);
    // MACD outputs are differences of EMAs of the price: their rounding error scales with the price level.
    const m = macd(b.close, fast, fast + p, 9);
    const rm = refMacd(close, fast, fast + p, 9);
    const level = Math.max(0, ...close);
    agree(m.macd, rm.macd, level);
    agree(m.signal, rm.signal, level);
    agree(m.histogram, rm.histogram, level);
    expect(firstNotIdentical(highest(b.high, p), refExtreme(b.high, p, 1))).toBe(-1);
    expect(firstNotIdentical(lowest(b.low, p), refExtreme(b.low, p, -1))).toBe(-1);
  },
);
