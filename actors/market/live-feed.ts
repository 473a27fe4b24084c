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
  /**
   * The exchange's clock (ms), where the venue reports it: whether a candle has closed is judged on the
   * exchange's time, not only the local one. Read at start and every {@link CLOCK_REFRESH_MS}.
   */
  readonly exchangeTime?: () => Promise<number>;
}

/** How often the exchange's clock is read again. */
const CLOCK_REFRESH_MS = 10 * 60_000;

export class LiveFeed implements CandleFeed {
  private price: number | undefined;
  private readonly localNow: () => number;
  /** Exchange time minus local time (ms), from the last clock read. */
  private offset = 0;
  private clockReadAt = Number.NEGATIVE_INFINITY;
  /** Closed candles from the last read, oldest first. */
  private buffer: Candle[] = [];
  /** The last candle handed out for warm-up: on a first start, `next(null)` begins after it. */
  private warmedTo: number | null = null;

  constructor(private readonly o: LiveFeedOptions) {
    this.localNow = o.now ?? Date.now;
  }

  /** The exchange's time as best known: the local clock plus the offset measured at the last read. */
  private now(): number {
    return this.localNow() + this.offset;
  }

  /** Reads the exchange's clock when due; a failed read keeps the last offset. */
  private async syncClock(): Promise<void> {
    const read = this.o.exchangeTime;
    if (!read || this.localNow() - this.clockReadAt < CLOCK_REFRESH_MS) return;
    const before = this.localNow();
    try {
      const t = await read();
      const after = this.localNow();
      if (Number.isFinite(t) && t > 0) this.offset = t - (before + after) / 2;
      this.clockReadAt = after;
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  /**
   * A candle is stale when its close is more than one bar plus the poll interval in the past: it closed
   * while the bot was down, and deciding on it now would trade on an old price.
   */
  isStale(c: Candle): boolean {
    return this.now() - (c.ts + this.o.timeframeMs) > this.o.timeframeMs + this.o.pollIntervalMs;
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
    await this.syncClock();
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
      await this.syncClock();
      if (this.now() >= expectedClose) {
        try {
          const since = afterTs === null ? undefined : afterTs + 1;
          const buffered = this.buffer.find((c) => afterTs === null || c.ts > afterTs);
          if (buffered) return buffered;
          // After downtime one read brings a run of closed candles; the next calls are served from it.
          this.buffer = this.closed(await this.o.fetch(since, 100));
          const next = this.buffer.find((c) => afterTs === null || c.ts > afterTs);
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
