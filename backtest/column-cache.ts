/**
 * The indicator column cache of a sweep worker, bounded in bytes. A worker computes each distinct indicator
 * (e.g. one SMA period) once and reuses it for every combination that asks for it; unbounded, a wide grid
 * over long data kept every column it ever computed (192 SMA periods of a million bars: 1.5 GB per worker,
 * times one worker per CPU). Past `maxBytes`, the least recently used columns are dropped and computed again
 * if asked for: a column takes milliseconds to compute and a backtest over it tens.
 */
export class ColumnCache extends Map<string, Float64Array> {
  #bytes = 0;

  constructor(readonly maxBytes: number) {
    super();
  }

  /** Bytes of the cached columns. */
  get bytes(): number {
    return this.#bytes;
  }

  override get(key: string): Float64Array | undefined {
    const col = super.get(key);
    if (col !== undefined) {
      // A Map iterates in insertion order: re-inserting keeps the least recently used first.
      super.delete(key);
      super.set(key, col);
    }
    return col;
  }

  override set(key: string, col: Float64Array): this {
    this.delete(key);
    super.set(key, col);
    this.#bytes += col.byteLength;
    // Oldest first; the column just stored stays even when it alone is over the budget (it is in use).
    for (const [k, c] of super.entries()) {
      if (this.#bytes <= this.maxBytes || k === key) break;
      super.delete(k);
      this.#bytes -= c.byteLength;
    }
    return this;
  }

  override delete(key: string): boolean {
    const col = super.get(key);
    if (col === undefined) return false;
    this.#bytes -= col.byteLength;
    return super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.#bytes = 0;
  }
}
