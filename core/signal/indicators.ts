/**
 * Turns a strategy's indicator specs into numbers: a whole column in batch (backtests) or one value per
 * closed candle in streaming form (live and paper). Both go through the indicator modules' two forms,
 * which are bit-identical, so a strategy sees the same numbers on either path.
 */
import type { Candle, CandleColumns } from '../candles.js';
import {
  AtrStream,
  atr,
  BollingerStream,
  bollinger,
  EmaStream,
  ema,
  HighestStream,
  highest,
  LowestStream,
  lowest,
  MacdStream,
  macd,
  RsiStream,
  rsi,
  SmaStream,
  sma,
} from '../indicators/index.js';
import type { IndicatorSpec, PriceSource } from './contract.js';

/** A stable key for a spec: equal specs share one computed column (sweeps compute each once). */
export function specKey(s: IndicatorSpec): string {
  switch (s.kind) {
    case 'sma':
    case 'ema':
    case 'rsi':
    case 'highest':
    case 'lowest':
      return `${s.kind}(${s.source},${s.period})`;
    case 'atr':
      return `atr(${s.period})`;
    case 'bollinger':
      return `bollinger.${s.band}(${s.source},${s.period},${s.k})`;
    case 'macd':
      return `macd.${s.line}(${s.source},${s.fast},${s.slow},${s.signal})`;
  }
}

export function sourceColumn(c: CandleColumns, source: PriceSource): Float64Array {
  return c[source];
}

/** Computes one indicator over whole columns (NaN during warm-up). */
export function computeIndicator(spec: IndicatorSpec, c: CandleColumns): Float64Array {
  switch (spec.kind) {
    case 'sma':
      return sma(c[spec.source], spec.period);
    case 'ema':
      return ema(c[spec.source], spec.period);
    case 'rsi':
      return rsi(c[spec.source], spec.period);
    case 'atr':
      return atr(c.high, c.low, c.close, spec.period);
    case 'bollinger':
      return bollinger(c[spec.source], spec.period, spec.k)[spec.band];
    case 'macd':
      return macd(c[spec.source], spec.fast, spec.slow, spec.signal)[spec.line];
    case 'highest':
      return highest(c[spec.source], spec.period);
    case 'lowest':
      return lowest(c[spec.source], spec.period);
  }
}

/** One indicator updated once per closed candle, O(1). */
export interface IndicatorStream {
  update(c: Candle): number;
}

export function createIndicatorStream(spec: IndicatorSpec): IndicatorStream {
  switch (spec.kind) {
    case 'sma': {
      const s = new SmaStream(spec.period);
      return { update: (c) => s.update(c[spec.source]) };
    }
    case 'ema': {
      const s = new EmaStream(spec.period);
      return { update: (c) => s.update(c[spec.source]) };
    }
    case 'rsi': {
      const s = new RsiStream(spec.period);
      return { update: (c) => s.update(c[spec.source]) };
    }
    case 'atr': {
      const s = new AtrStream(spec.period);
      return { update: (c) => s.update(c.high, c.low, c.close) };
    }
    case 'bollinger': {
      const s = new BollingerStream(spec.period, spec.k);
      return { update: (c) => s.update(c[spec.source])[spec.band] };
    }
    case 'macd': {
      const s = new MacdStream(spec.fast, spec.slow, spec.signal);
      return { update: (c) => s.update(c[spec.source])[spec.line] };
    }
    case 'highest': {
      const s = new HighestStream(spec.period);
      return { update: (c) => s.update(c[spec.source]) };
    }
    case 'lowest': {
      const s = new LowestStream(spec.period);
      return { update: (c) => s.update(c[spec.source]) };
    }
  }
}
