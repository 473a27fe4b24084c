/**
 * Market data port: closed candles for one pair and timeframe. A feed never hands out a candle that is
 * still forming.
 */
import type { Candle } from '../../core/candles.js';

export interface CandleFeed {
  /**
   * Closed candles for the strategy's warm-up, oldest first: those before the feed's start, or, after a
   * restart, those up to and including `upToTs` (the last candle the bot processed).
   */
  history(upToTs: number | null): Promise<Candle[]>;
  /**
   * Waits for the next closed candle after `afterTs` (open time, ms). Resolves null when the feed has ended.
   * Rejects with an AbortError when `signal` aborts.
   */
  next(afterTs: number | null, signal: AbortSignal): Promise<Candle | null>;
  /**
   * The price a market order placed now would trade at, when the feed knows it: for a replay, the open of
   * the candle after the last one handed out (exactly the backtester's "decide on the close, fill at the
   * next open"). Undefined for live data (the paper exchange then uses the ticker).
   */
  nextOpen(): number | undefined;
  /**
   * True for a candle that closed too long ago to act on (live data after downtime): it only warms the
   * strategy up. A replay's candles are never stale on its own clock.
   */
  isStale?(c: Candle): boolean;
  close(): void;
}

/** A promise-based sleep on an injected timer, abortable. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
      return;
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
