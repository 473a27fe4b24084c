/**
 * Oracle tests of core/indicators on real candles: every indicator against technicalindicators (an
 * independent implementation) and against the naive references in test/helpers, to 1e-9 relative wherever
 * both are defined, plus the warm-up index each declares and the parameter validation.
 */
import { ATR, BollingerBands, EMA, Highest, Lowest, MACD, RSI, SMA } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import type { CandleColumns } from '../core/candles.js';
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
import { loadCandleCsv } from './helpers/indicators-csv.js';
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

const REL = 1e-9;

/**
 * Pads the oracle's output (which omits warm-up bars) with leading NaN to length n, asserting that it starts
 * exactly at our declared warm-up index.
 */
function alignOracle(oracle: readonly (number | undefined)[], n: number, warmup: number): number[] {
  expect(n - oracle.length, 'oracle starts at our warm-up index').toBe(warmup);
  return [...new Array<number>(n - oracle.length).fill(NaN), ...oracle.map((v) => v ?? NaN)];
}

/** Asserts agreement to `rel` relative (scale floored at `floor`), with NaN in the same places. */
function expectAgree(ours: ArrayLike<number>, theirs: ArrayLike<number>, rel = REL, floor = 0): void {
  expect(firstMismatch(ours, theirs, rel, floor)).toBeUndefined();
}

function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(firstNotIdentical(a, b)).toBe(-1);
}

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) if (Math.abs(xs[i]!) > m) m = Math.abs(xs[i]!);
  return m;
}

const DATASETS: readonly [string, CandleColumns][] = [
  ['binance_BTC-USDT_1d.csv', loadCandleCsv('binance_BTC-USDT_1d.csv')],
  ['kraken_LTC-USD_1d.csv', loadCandleCsv('kraken_LTC-USD_1d.csv')],
];

describe.each(DATASETS)('%s', (_name, c) => {
  const n = c.close.length;
  const close = Array.from(c.close);

  it('has enough candles for every tested warm-up', () => {
    expect(n).toBeGreaterThan(1000);
  });

  it.each([1, 2, 20, 50, 200])('SMA(%i) matches technicalindicators, the naive SMA and the stream', (p) => {
    const ours = sma(c.close, p);
    expectAgree(ours, alignOracle(SMA.calculate({ period: p, values: close }), n, smaWarmup(p)));
    expectAgree(ours, refSma(close, p));
    const s = new SmaStream(p);
    expectIdentical(
      close.map((x) => s.update(x)),
      ours,
    );
  });

  it.each([1, 2, 12, 26, 100])('EMA(%i) matches technicalindicators, the naive EMA and the stream', (p) => {
    const ours = ema(c.close, p);
    expectAgree(ours, alignOracle(EMA.calculate({ period: p, values: close }), n, emaWarmup(p)));
    expectAgree(ours, refEma(close, p));
    const s = new EmaStream(p);
    expectIdentical(
      close.map((x) => s.update(x)),
      ours,
    );
  });

  it.each([1, 2, 14, 30])('RSI(%i) matches the naive RSI, and technicalindicators to its rounding', (p) => {
    const ours = rsi(c.close, p);
    // technicalindicators rounds RSI to 2 decimals (toFixed(2)), so the 1e-9 check is against the naive
    // reference; the oracle is still checked, to half a unit in the last kept decimal.
    expectAgree(ours, refRsi(close, p));
    const oracle = alignOracle(RSI.calculate({ period: p, values: close }), n, rsiWarmup(p));
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(oracle[i]!)) expect(ours[i]).toBeNaN();
      else expect(Math.abs(ours[i]! - oracle[i]!)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    const s = new RsiStream(p);
    expectIdentical(
      close.map((x) => s.update(x)),
      ours,
    );
  });

  it.each([1, 2, 14, 30])('ATR(%i) matches technicalindicators, the naive ATR and the stream', (p) => {
    const ours = atr(c.high, c.low, c.close, p);
    const oracle = ATR.calculate({ period: p, high: Array.from(c.high), low: Array.from(c.low), close });
    expectAgree(ours, alignOracle(oracle, n, atrWarmup(p)));
    expectAgree(ours, refAtr(c.high, c.low, c.close, p));
    const s = new AtrStream(p);
    expectIdentical(
      close.map((x, i) => s.update(c.high[i]!, c.low[i]!, x)),
      ours,
    );
  });

  it.each([
    [20, 2],
    [10, 1.5],
    [50, 2.5],
    [2, 1],
    [1, 2],
  ])('Bollinger(%i, %d) matches technicalindicators, the naive bands and the stream', (p, k) => {
    const ours = bollinger(c.close, p, k);
    const oracle = BollingerBands.calculate({ period: p, stdDev: k, values: close });
    const w = bollingerWarmup(p);
    expectAgree(
      ours.middle,
      alignOracle(
        oracle.map((o) => o.middle),
        n,
        w,
      ),
    );
    expectAgree(
      ours.upper,
      alignOracle(
        oracle.map((o) => o.upper),
        n,
        w,
      ),
    );
    expectAgree(
      ours.lower,
      alignOracle(
        oracle.map((o) => o.lower),
        n,
        w,
      ),
    );
    const ref = refBollinger(close, p, k);
    expectAgree(ours.middle, ref.middle);
    expectAgree(ours.upper, ref.upper);
    expectAgree(ours.lower, ref.lower);
    // The middle band is the SMA, bit for bit.
    expectIdentical(ours.middle, sma(c.close, p));
    const s = new BollingerStream(p, k);
    const streamed = close.map((x) => {
      const v = s.update(x);
      return [v.middle, v.upper, v.lower] as const;
    });
    expectIdentical(
      streamed.map((v) => v[0]),
      ours.middle,
    );
    expectIdentical(
      streamed.map((v) => v[1]),
      ours.upper,
    );
    expectIdentical(
      streamed.map((v) => v[2]),
      ours.lower,
    );
  });

  it.each([
    [12, 26, 9],
    [5, 35, 5],
    [3, 10, 16],
    [1, 2, 1],
  ])('MACD(%i, %i, %i) matches technicalindicators (EMA/EMA), the naive MACD and the stream', (f, sl, sg) => {
    const ours = macd(c.close, f, sl, sg);
    const oracle = MACD.calculate({
      values: close,
      fastPeriod: f,
      slowPeriod: sl,
      signalPeriod: sg,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    const lineW = macdLineWarmup(f, sl);
    const allW = macdWarmup(f, sl, sg);
    // Line, signal and histogram are differences of EMAs of the price, so their rounding error scales with
    // the price, not with their own (often near-zero) size: floor the relative scale at the line's range.
    const floor = maxAbs(ours.macd.subarray(lineW));
    expectAgree(
      ours.macd,
      alignOracle(
        oracle.map((o) => o.MACD),
        n,
        lineW,
      ),
      REL,
      floor,
    );
    const oracleSignal = alignOracle(
      oracle.map((o) => o.signal),
      n,
      lineW,
    );
    const oracleHist = alignOracle(
      oracle.map((o) => o.histogram),
      n,
      lineW,
    );
    // technicalindicators drops a signal value of exactly 0 (`signal ? format(signal) : undefined`), which
    // happens on LTC's flat first days; where only the oracle is undefined ours must be that 0.
    for (let i = allW; i < n; i++) {
      if (Number.isNaN(oracleSignal[i]!)) {
        expect(ours.signal[i]).toBe(0);
        oracleSignal[i] = 0;
      }
    }
    expect(ours.signal.findIndex((v) => !Number.isNaN(v))).toBe(allW);
    expectAgree(ours.signal, oracleSignal, REL, floor);
    expectAgree(ours.histogram, oracleHist, REL, floor);
    const ref = refMacd(close, f, sl, sg);
    expectAgree(ours.macd, ref.macd, REL, floor);
    expectAgree(ours.signal, ref.signal, REL, floor);
    expectAgree(ours.histogram, ref.histogram, REL, floor);
    const s = new MacdStream(f, sl, sg);
    const streamed = close.map((x) => {
      const v = s.update(x);
      return [v.macd, v.signal, v.histogram] as const;
    });
    expectIdentical(
      streamed.map((v) => v[0]),
      ours.macd,
    );
    expectIdentical(
      streamed.map((v) => v[1]),
      ours.signal,
    );
    expectIdentical(
      streamed.map((v) => v[2]),
      ours.histogram,
    );
  });

  it.each([1, 2, 20, 55])('highest/lowest(%i) of the previous bars match the oracle shifted by one', (p) => {
    const high = Array.from(c.high);
    const low = Array.from(c.low);
    const hi = highest(c.high, p);
    const lo = lowest(c.low, p);
    // technicalindicators' Highest/Lowest include the current bar; ours exclude it, so ours[t] is the
    // oracle's value at t - 1.
    const oracleHi = alignOracle(Highest.calculate({ period: p, values: high }), n, p - 1);
    const oracleLo = alignOracle(Lowest.calculate({ period: p, values: low }), n, p - 1);
    expect(highestWarmup(p)).toBe(p);
    expect(lowestWarmup(p)).toBe(p);
    expectIdentical(hi, [NaN, ...oracleHi.slice(0, n - 1)]);
    expectIdentical(lo, [NaN, ...oracleLo.slice(0, n - 1)]);
    expectIdentical(hi, refExtreme(high, p, 1));
    expectIdentical(lo, refExtreme(low, p, -1));
    const hs = new HighestStream(p);
    const ls = new LowestStream(p);
    expectIdentical(
      high.map((x) => hs.update(x)),
      hi,
    );
    expectIdentical(
      low.map((x) => ls.update(x)),
      lo,
    );
  });
});

describe('flat series conventions', () => {
  const flat = new Float64Array(40).fill(3);

  it('RSI is 100 when there are neither gains nor losses (as technicalindicators)', () => {
    const ours = rsi(flat, 14);
    expect(ours[14]).toBe(100);
    expect(ours[39]).toBe(100);
    expect(RSI.calculate({ period: 14, values: Array.from(flat) }).at(-1)).toBe(100);
  });

  it('RSI is 0 after only losses and 100 after only gains', () => {
    const down = Float64Array.from({ length: 30 }, (_, i) => 100 - i);
    const up = Float64Array.from({ length: 30 }, (_, i) => 100 + i);
    expect(rsi(down, 14)[29]).toBe(0);
    expect(rsi(up, 14)[29]).toBe(100);
  });

  it('Bollinger bands collapse onto the middle, ATR is 0', () => {
    const b = bollinger(flat, 20, 2);
    expect(b.upper[39]).toBe(3);
    expect(b.lower[39]).toBe(3);
    expect(atr(flat, flat, flat, 14)[39]).toBe(0);
  });
});

describe('streams', () => {
  it('expose value and ready consistently with update', () => {
    const s = new SmaStream(3);
    expect(s.ready).toBe(false);
    expect(s.value).toBeNaN();
    expect(s.update(1)).toBeNaN();
    expect(s.update(2)).toBeNaN();
    expect(s.ready).toBe(false);
    expect(s.update(6)).toBe(3);
    expect(s.ready).toBe(true);
    expect(s.value).toBe(3);
  });

  it('return NaN for an empty or too-short series in batch form', () => {
    const empty = new Float64Array(0);
    expect(sma(empty, 3).length).toBe(0);
    expect(Array.from(ema(new Float64Array([1, 2]), 3))).toEqual([NaN, NaN]);
    expect(Array.from(rsi(new Float64Array([1, 2, 3]), 3))).toEqual([NaN, NaN, NaN]);
    expect(Array.from(atr(empty, empty, empty, 2))).toEqual([]);
    expect(Array.from(macd(new Float64Array(5).fill(1)).signal)).toEqual([NaN, NaN, NaN, NaN, NaN]);
    expect(Array.from(highest(new Float64Array([5]), 1))).toEqual([NaN]);
  });
});

describe('parameter validation', () => {
  const bad = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY];
  const x = new Float64Array([1, 2, 3]);

  it.each(bad)('rejects period %d with a RangeError', (p) => {
    const msg = /period must be an integer >= 1/;
    expect(() => sma(x, p)).toThrow(RangeError);
    expect(() => sma(x, p)).toThrow(msg);
    expect(() => new SmaStream(p)).toThrow(msg);
    expect(() => smaWarmup(p)).toThrow(msg);
    expect(() => ema(x, p)).toThrow(msg);
    expect(() => new EmaStream(p)).toThrow(msg);
    expect(() => rsi(x, p)).toThrow(msg);
    expect(() => new RsiStream(p)).toThrow(msg);
    expect(() => atr(x, x, x, p)).toThrow(msg);
    expect(() => new AtrStream(p)).toThrow(msg);
    expect(() => bollinger(x, p)).toThrow(msg);
    expect(() => new BollingerStream(p)).toThrow(msg);
    expect(() => macd(x, p, 26, 9)).toThrow(msg);
    expect(() => macd(x, 12, 26, p)).toThrow(msg);
    expect(() => new MacdStream(12, 26, p)).toThrow(msg);
    expect(() => highest(x, p)).toThrow(msg);
    expect(() => new LowestStream(p)).toThrow(msg);
  });

  it('names the indicator and the bad value in the message', () => {
    expect(() => new RsiStream(0)).toThrow('RSI period must be an integer >= 1, got 0');
  });

  it('rejects a negative or non-finite Bollinger k', () => {
    expect(() => bollinger(x, 2, -1)).toThrow(RangeError);
    expect(() => new BollingerStream(2, Number.NaN)).toThrow(/Bollinger k must be a finite number >= 0/);
  });

  it('rejects MACD with fast >= slow', () => {
    expect(() => macd(x, 26, 12, 9)).toThrow(/fast period must be less than slow period/);
    expect(() => new MacdStream(5, 5, 3)).toThrow(RangeError);
  });

  it('rejects ATR columns of different lengths', () => {
    expect(() => atr(x, x, new Float64Array(2), 1)).toThrow(/equal length/);
  });
});
