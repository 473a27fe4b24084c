import type { CandleColumns } from '../candles.js';
import type { PriceSource } from './contract.js';

/** Every candle field a strategy may read. */
export const PRICE_SOURCES: readonly PriceSource[] = Object.freeze([
  'open',
  'high',
  'low',
  'close',
  'volume',
]);

/**
 * A candle column by source, or undefined for a name that is not one. Compares rather than reading
 * `c[source]`: a variable-key property read is slow, and the per-bar context runs this on every read.
 */
export function priceColumn(c: CandleColumns, source: PriceSource): Float64Array | undefined {
  if (source === 'close') return c.close;
  if (source === 'open') return c.open;
  if (source === 'high') return c.high;
  if (source === 'low') return c.low;
  if (source === 'volume') return c.volume;
  return undefined;
}
