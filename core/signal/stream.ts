/**
 * Runs a strategy one closed candle at a time (live and paper bots): streaming indicators, a short ring of
 * recent values for `back` lookups, and the same `decide` as the batch path.
 */
import type { Candle } from '../candles.js';
import { CoreRangeError } from '../errors.js';
import type { DecideContext, Decision, PriceSource, StrategyDefinition } from './contract.js';
import { badDecision, decisionCode } from './decision.js';
import { StrategyError } from './errors.js';
import { createIndicatorStream, type IndicatorStream } from './indicators.js';
import { PRICE_SOURCES } from './sources.js';

/** A fixed ring of the last `size` values; `at(back)` is `back` bars ago, NaN when not yet seen. */
class Ring {
  private readonly buf: Float64Array;
  private head = -1;
  private count = 0;
  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }
  push(x: number): void {
    this.head = (this.head + 1) % this.size;
    this.buf[this.head] = x;
    if (this.count < this.size) this.count++;
  }
  at(back: number): number {
    if (back >= this.count) return Number.NaN;
    return this.buf[(this.head - back + this.size) % this.size]!;
  }
}

export class StrategyStream<P> implements DecideContext {
  private readonly streams: { name: string; stream: IndicatorStream; ring: Ring }[] = [];
  private readonly byName = new Map<string, Ring>();
  private readonly prices = new Map<PriceSource, Ring>();
  private bar = -1;
  private lastTs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly def: StrategyDefinition<P>,
    private readonly params: P,
    readonly allowShort: boolean,
  ) {
    const size = def.lookback + 1;
    for (const [name, spec] of Object.entries(def.indicators(params))) {
      const entry = { name, stream: createIndicatorStream(spec), ring: new Ring(size) };
      this.streams.push(entry);
      this.byName.set(name, entry.ring);
    }
    for (const s of PRICE_SOURCES) this.prices.set(s, new Ring(size));
  }

  /** Index of the last candle seen (0-based), -1 before the first. */
  get t(): number {
    return this.bar;
  }

  value(name: string, back = 0): number {
    return this.read(this.ring(this.byName, name, 'indicator'), back);
  }

  price(source: PriceSource, back = 0): number {
    return this.read(this.ring(this.prices, source, 'price source'), back);
  }

  /** The ring of a name, or the contract break of a name the strategy never declared. */
  private ring<K extends string>(rings: Map<K, Ring>, name: K, what: string): Ring {
    const ring = rings.get(name);
    if (!ring) {
      throw new StrategyError(
        'STRATEGY_UNKNOWN_INDICATOR',
        this.def.name,
        this.bar,
        `no ${what} named "${name}"`,
      );
    }
    return ring;
  }

  /** The value `back` bars ago; the future and anything beyond the declared lookback break the contract. */
  private read(ring: Ring, back: number): number {
    if (!(back >= 0 && Number.isInteger(back))) {
      throw new StrategyError('STRATEGY_LOOKAHEAD', this.def.name, this.bar, `asked for back=${back}`);
    }
    if (back >= ring.size) {
      throw new StrategyError(
        'STRATEGY_LOOKAHEAD',
        this.def.name,
        this.bar,
        `back=${back} beyond its declared lookback`,
      );
    }
    return ring.at(back);
  }

  /**
   * Feeds history without deciding (warm-up at start).
   *
   * @throws CoreRangeError for a candle that does not come after the last one (a feed handing a candle out
   *   twice or out of order): the indicators would take it in again. Nothing is changed.
   */
  warm(c: Candle): void {
    if (!(c.ts > this.lastTs)) {
      throw new CoreRangeError(
        'ARGUMENT_OUT_OF_RANGE',
        `strategy ${this.def.name}: candle at ${c.ts} does not come after the last one (${this.lastTs}); not fed`,
      );
    }
    this.lastTs = c.ts;
    this.bar++;
    for (const s of this.streams) s.ring.push(s.stream.update(c));
    for (const src of PRICE_SOURCES) this.prices.get(src)!.push(c[src]);
  }

  /**
   * Feeds one closed candle and returns the decision at it.
   *
   * @throws StrategyError when `decide` throws or breaks the contract.
   */
  onCandle(c: Candle): Decision {
    this.warm(c);
    let d: Decision;
    try {
      d = this.def.decide(this, this.params);
    } catch (err) {
      if (err instanceof StrategyError) throw err;
      throw new StrategyError(
        'STRATEGY_THREW',
        this.def.name,
        this.bar,
        err instanceof Error ? err.message : String(err),
        {
          cause: err,
        },
      );
    }
    if (decisionCode(d) < 0) badDecision(this.def.name, this.bar, d);
    return d;
  }
}
