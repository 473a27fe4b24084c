/**
 * Retries with exponential backoff and full jitter, for exchange reads only.
 *
 * Only an {@link ExchangeError} of kind `retryable` is retried: a `rejected` error would fail the same way
 * again, and an `unknown-outcome` error must be resolved by looking the order up, never by repeating the
 * call. Placing an order is therefore never wrapped in this.
 *
 * Full jitter (the delay before retry `n` is uniform in `[0, min(maxMs, baseMs * 2^n))`) spreads the
 * retries of many callers hitting the same rate limit instead of synchronising them.
 */
import { isExchangeError } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt (0 = no retry). */
  readonly retries: number;
  /** Backoff cap of the first retry (ms). */
  readonly baseMs: number;
  /** Largest backoff cap (ms). */
  readonly maxMs: number;
  /** Waits `ms`; injectable so tests do not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  readonly random?: () => number;
  /** Called before each retry with the error that caused it, the retry number (1-based) and the delay. */
  readonly onRetry?: (error: unknown, retry: number, delayMs: number) => void;
}

/** Three retries within about 2 s in the worst case: enough for a blip, short next to a candle. */
export const DEFAULT_RETRY: RetryOptions = Object.freeze({ retries: 3, baseMs: 250, maxMs: 2_000 });

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function check(opts: RetryOptions): void {
  if (!Number.isInteger(opts.retries) || opts.retries < 0) {
    throw new RangeError(`withRetry: retries must be a non-negative integer, got ${opts.retries}`);
  }
  if (!(opts.baseMs >= 0) || !(opts.maxMs >= opts.baseMs) || !Number.isFinite(opts.maxMs)) {
    throw new RangeError(
      `withRetry: need 0 <= baseMs <= maxMs < Infinity, got ${opts.baseMs}, ${opts.maxMs}`,
    );
  }
}

/** The backoff before retry `retry` (1-based): uniform in [0, min(maxMs, baseMs * 2^(retry-1))). */
export function backoffMs(
  retry: number,
  opts: Pick<RetryOptions, 'baseMs' | 'maxMs'>,
  random: number,
): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** (retry - 1));
  return Math.floor(Math.min(Math.max(random, 0), 1) * cap);
}

/**
 * Calls `fn` until it resolves, it throws something other than a retryable {@link ExchangeError}, or the
 * retries are used up; then the last error is thrown unchanged.
 *
 * @param fn receives the attempt number (0 for the first call).
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  check(opts);
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const retryable = isExchangeError(e) && e.kind === 'retryable';
      if (!retryable || attempt >= opts.retries) throw e;
      const delay = backoffMs(attempt + 1, opts, random());
      opts.onRetry?.(e, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
