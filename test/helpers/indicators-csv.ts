/**
 * Minimal CSV reader for the bundled candle files, local to the indicator tests so they do not depend on the
 * real loader (written elsewhere). Expects the header `timestamp,open,high,low,close,volume`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allocateColumns, type CandleColumns } from '../../core/candles.js';

/** Reads `data/<name>` into candle columns; throws on any malformed row. */
export function loadCandleCsv(name: string): CandleColumns {
  const path = fileURLToPath(new URL(`../../data/${name}`, import.meta.url));
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[0]?.trim() !== 'timestamp,open,high,low,close,volume') {
    throw new Error(`${name}: unexpected header ${JSON.stringify(lines[0])}`);
  }
  const rows = lines.slice(1).filter((l) => l.trim() !== '');
  const n = rows.length;
  const cols = allocateColumns(n);
  const keys = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;
  for (let i = 0; i < n; i++) {
    const fields = rows[i]!.split(',');
    if (fields.length !== 6) throw new Error(`${name}: row ${i + 2} has ${fields.length} fields`);
    for (let j = 0; j < 6; j++) {
      const v = Number(fields[j]);
      if (!Number.isFinite(v)) throw new Error(`${name}: row ${i + 2} field ${j} is not a number`);
      cols[keys[j]!][i] = v;
    }
  }
  return cols;
}
