/**
 * Delivery policy for Mission Control posts, as pure functions: what an HTTP outcome means for the item
 * (delivered, retry later, or drop), how long to back off, and how to read `Retry-After`.
 */

/** What to do with an outbox item after one attempt. */
export type Outcome =
  | { readonly kind: 'delivered'; readonly status: number }
  /** Retry later; `afterMs` is the server's Retry-After when it sent one. */
  | { readonly kind: 'retry'; readonly reason: string; readonly afterMs?: number }
  /** The board refused this item for good (a 4xx): retrying would fail the same way forever. */
  | { readonly kind: 'drop'; readonly reason: string; readonly status: number };

export interface BackoffPolicy {
  /** First retry delay (ms); doubles per consecutive failure. */
  readonly baseMs: number;
  /** Longest delay between retries (ms). */
  readonly maxMs: number;
  /** Longest Retry-After honoured (ms): a board asking for a day's pause gets this instead. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 300_000, maxRetryAfterMs: 3_600_000 };

/**
 * Parses a Retry-After header: delay-seconds or an HTTP date. Returns ms from `now`, or undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Classifies a response status. 2xx delivers; 429, 408 and 5xx are transient (the board is overloaded or
 * down, so the same item will succeed later); any other 4xx means the board rejects this item (bad secret,
 * bad payload) and retrying cannot help; a 3xx is not followed (the secret header must not travel to
 * another address) and is dropped like a 4xx.
 */
export function classifyStatus(status: number, retryAfter: string | null, now: number): Outcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 429 || status === 408 || status >= 500) {
    const afterMs = parseRetryAfter(retryAfter, now);
    return { kind: 'retry', reason: `HTTP ${status}`, ...(afterMs !== undefined ? { afterMs } : {}) };
  }
  if (status >= 300 && status < 400)
    return { kind: 'drop', status, reason: `HTTP ${status}: redirects are not followed; set the final URL` };
  return { kind: 'drop', status, reason: `HTTP ${status}` };
}

/** A network failure or timeout is always worth a retry: the item never reached the board, or we cannot tell. */
export function classifyError(err: unknown): Outcome {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return { kind: 'retry', reason: 'timed out' };
  if (e?.name === 'AbortError') return { kind: 'retry', reason: 'aborted' };
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return { kind: 'retry', reason: `network error (${detail})` };
}

/**
 * The delay before retry number `failures` (1 = after the first failure): exponential with "equal jitter"
 * (half fixed, half random), so many processes recovering at once do not hit the board in step, while a
 * single one still backs off predictably. A server's Retry-After wins, within `maxRetryAfterMs`.
 */
export function retryDelayMs(
  p: BackoffPolicy,
  failures: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), p.maxRetryAfterMs);
  const exp = Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
