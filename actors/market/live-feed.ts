/**
 * Live market data: polls the exchange for candles and hands out only closed ones (a candle whose period
 * has not ended is never treated as closed; the original system acted on the forming bar). The forming
 * candle's latest close is kept as the current price, which the paper exchange fills market orders at when
 * the bot trades on live data.
 */
import type { Candle } from '../../core/candles.js';
import { type CandleFeed, sleep } from './feed.js';

/** Fetches raw candles (oldest first, possibly including the forming one), already validated. */
export type FetchCandles = (since: number | undefined, limit: number) => Promise<Candle[]>;

export interface LiveFeedOptions {
  readonly fetch: FetchCandles;
  readonly timeframeMs: number;
  readonly pollIntervalMs: number;
  readonly warmupBars: number;
  /** Wall clock (ms); injectable for tests. */
  readonly now?: () => number;
  /** A failed poll is retried at the next interval; this hook sees the error (logging). */
  readonly onError?: (err: unknown) => void;
}

export class LiveFeed implements CandleFeed {
  private price: number | undefined;
  private readonly now: () => number;
  /** The last candle handed out for warm-up: on a first start, `next(null)` begins after it. */
  private warmedTo: number | null = null;

  constructor(private readonly o: LiveFeedOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Splits fetched candles into the closed ones and remembers the forming one's price. */
  private closed(candles: readonly Candle[]): Candle[] {
    const now = this.now();
    const out: Candle[] = [];
    for (const c of candles) {
      if (c.ts + this.o.timeframeMs <= now) out.push(c);
      this.price = c.close;
    }
    return out;
  }

  async history(upToTs: number | null): Promise<Candle[]> {
    const limit = this.o.warmupBars + 2;
    const got = this.closed(await this.o.fetch(undefined, limit));
    const upTo = upToTs === null ? got : got.filter((c) => c.ts <= upToTs);
    const warm = upTo.slice(-this.o.warmupBars);
    this.warmedTo = warm.at(-1)?.ts ?? null;
    return warm;
  }

  async next(lastTs: number | null, signal: AbortSignal): Promise<Candle | null> {
    // A first start (nothing processed yet) has warmed up on every closed candle: the first one to decide on
    // is the next to close, never one already seen (fed twice to the indicators, and days old).
    const afterTs = lastTs ?? this.warmedTo;
    for (;;) {
      const expectedClose = afterTs === null ? 0 : afterTs + 2 * this.o.timeframeMs;
      // Do not ask before the next candle can have closed.
      if (this.now() >= expectedClose) {
        try {
          const since = afterTs === null ? undefined : afterTs + 1;
          const closed = this.closed(await this.o.fetch(since, 10));
          const next = closed.find((c) => afterTs === null || c.ts > afterTs);
          if (next) return next;
        } catch (err) {
          if (signal.aborted) throw err;
          this.o.onError?.(err);
        }
      }
      await sleep(this.o.pollIntervalMs, signal);
    }
  }

  nextOpen(): number | undefined {
    return this.price;
  }

  close(): void {}
}
