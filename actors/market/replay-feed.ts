/**
 * Replays a CSV of candles at a chosen speed, so the demo and tests run hours of market in seconds.
 *
 * Time in a replay is synthetic: when `loop` is on and the file ends, it starts again with every timestamp
 * shifted past the last one, so timestamps keep increasing and a bot's state never sees time go backwards.
 * A restarted bot resumes after the last candle it processed (`next(afterTs)`), so no candle is repeated or
 * skipped across a restart.
 */
import type { Candle, CandleColumns } from '../../core/candles.js';
import { type CandleFeed, sleep } from './feed.js';

export interface ReplayOptions {
  readonly candles: CandleColumns;
  readonly timeframeMs: number;
  /** 1 = real time; 345600 plays a day candle every 0.25 s. */
  readonly speed: number;
  readonly warmupBars: number;
  /** Replay from the first candle at or after this time (ms). */
  readonly startMs?: number;
  readonly loop: boolean;
}

export class ReplayFeed implements CandleFeed {
  private readonly n: number;
  private readonly start: number;
  private readonly span: number;
  /** Virtual index of the last candle handed out (may exceed n with looping). */
  private cursor: number;

  constructor(private readonly o: ReplayOptions) {
    this.n = o.candles.ts.length;
    if (this.n < 2) throw new RangeError('a replay needs at least 2 candles');
    let first = 0;
    if (o.startMs !== undefined) {
      while (first < this.n && o.candles.ts[first]! < o.startMs) first++;
    }
    this.start = Math.min(this.n - 1, Math.max(first, Math.min(o.warmupBars, this.n - 1)));
    this.span = o.candles.ts[this.n - 1]! - o.candles.ts[0]! + o.timeframeMs;
    this.cursor = this.start - 1;
  }

  private at(v: number): Candle | null {
    if (v < 0) return null;
    const lap = Math.floor(v / this.n);
    if (lap > 0 && !this.o.loop) return null;
    const i = v - lap * this.n;
    const c = this.o.candles;
    return {
      ts: c.ts[i]! + lap * this.span,
      open: c.open[i]!,
      high: c.high[i]!,
      low: c.low[i]!,
      close: c.close[i]!,
      volume: c.volume[i]!,
    };
  }

  async history(upToTs: number | null): Promise<Candle[]> {
    // After a restart the strategy is warmed up to the last candle the bot processed, so its first decision
    // is the one it would have taken without the restart.
    const end = upToTs === null ? this.start : this.indexAfter(upToTs);
    this.cursor = end - 1;
    const out: Candle[] = [];
    for (let v = Math.max(0, end - this.o.warmupBars); v < end; v++) {
      const c = this.at(v);
      if (c) out.push(c);
    }
    return out;
  }

  /** First virtual index whose candle opens after `ts`. */
  private indexAfter(ts: number): number {
    const lap = Math.max(0, Math.floor((ts - this.o.candles.ts[0]!) / this.span));
    const base = lap * this.n;
    for (let v = base; v < base + 2 * this.n; v++) {
      const c = this.at(v);
      if (c === null) return v;
      if (c.ts > ts) return v;
    }
    return base + 2 * this.n;
  }

  async next(afterTs: number | null, signal: AbortSignal): Promise<Candle | null> {
    const v = afterTs === null ? this.cursor + 1 : Math.max(this.indexAfter(afterTs), 0);
    const c = this.at(v);
    if (c === null) return null;
    await sleep(this.o.timeframeMs / this.o.speed, signal);
    this.cursor = v;
    return c;
  }

  nextOpen(): number | undefined {
    return this.at(this.cursor + 1)?.open;
  }

  close(): void {}
}
