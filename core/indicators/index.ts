/**
 * Technical indicators of the pure trading core. Each comes in two forms with bit-identical results:
 * a batch function over a `Float64Array` column (`NaN` before warm-up) for backtests, and an O(1)-per-value
 * streaming class for live bots. `*Warmup(...)` returns the index of the first defined value, so strategies
 * can declare how much history they need.
 *
 * Inputs are assumed finite and are not checked (that would cost a branch per value): a `NaN` makes the
 * running-sum indicators (SMA, EMA, RSI, ATR, Bollinger, MACD) return `NaN` from then on.
 */
export { AtrStream, atr, atrWarmup } from './atr.js';
export {
  type BollingerBands,
  BollingerStream,
  type BollingerValue,
  bollinger,
  bollingerWarmup,
} from './bollinger.js';
export { EmaStream, ema, emaWarmup } from './ema.js';
export {
  HighestStream,
  highest,
  highestWarmup,
  LowestStream,
  lowest,
  lowestWarmup,
} from './highest-lowest.js';
export { type MacdResult, MacdStream, type MacdValue, macd, macdLineWarmup, macdWarmup } from './macd.js';
export { RsiStream, rsi, rsiWarmup } from './rsi.js';
export { SmaStream, sma, smaWarmup } from './sma.js';
