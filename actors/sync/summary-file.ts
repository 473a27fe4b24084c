/**
 * Reads the backtest summary that `dualbot backtest --summary` writes to HOME/backtest/results/summary.json,
 * for the Mission Control payload and the dashboard. A missing file is normal (no summary yet); an
 * unreadable or malformed one gives empty tables and a problem description, never an exception, because a
 * bad report must not stop the bots' status from reaching the board.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type SummaryRow, summaryRecordSchema, TABLE_KEYS, TABLE_LIMITS, type Tables } from './payload.js';

/** The tables as written by `backtest --summary`: every record, unsorted (`strategies` is derived). */
export type SummaryFileTables = { [K in Exclude<(typeof TABLE_KEYS)[number], 'strategies'>]: SummaryRow[] };

export interface BacktestSummary {
  /** Absolute path of summary.json. */
  readonly file: string;
  /** False when the file does not exist. */
  readonly present: boolean;
  /** The file's modification time (ms), for "computed at". */
  readonly mtimeMs: number | null;
  readonly tables: SummaryFileTables;
  /** Why the file was ignored, when it exists but cannot be used. */
  readonly problem: string | null;
}

const FILE_KEYS = TABLE_KEYS.filter((k) => k !== 'strategies') as Exclude<
  (typeof TABLE_KEYS)[number],
  'strategies'
>[];

const fileSchema = z.looseObject(
  Object.fromEntries(FILE_KEYS.map((k) => [k, z.array(summaryRecordSchema).optional()])) as Record<
    (typeof FILE_KEYS)[number],
    z.ZodOptional<z.ZodArray<typeof summaryRecordSchema>>
  >,
);

function emptyTables(): SummaryFileTables {
  return Object.fromEntries(FILE_KEYS.map((k) => [k, []])) as unknown as SummaryFileTables;
}

/** Where `backtest --summary` writes the summary under a home folder. */
export function summaryPath(home: string): string {
  return path.join(home, 'backtest', 'results', 'summary.json');
}

const cache = new Map<string, { key: string; value: BacktestSummary }>();

/**
 * Returns the summary under `home`. The parsed file is cached by modification time and size, so calling
 * this on every trade costs one `stat`.
 */
export function readBacktestSummary(home: string): BacktestSummary {
  const file = summaryPath(home);
  let st: { mtimeMs: number; size: number };
  try {
    st = statSync(file);
  } catch {
    return { file, present: false, mtimeMs: null, tables: emptyTables(), problem: null };
  }
  const key = `${st.mtimeMs}:${st.size}`;
  const hit = cache.get(file);
  if (hit?.key === key) return hit.value;
  const value = parseSummary(file, st.mtimeMs);
  cache.set(file, { key, value });
  return value;
}

function parseSummary(file: string, mtimeMs: number): BacktestSummary {
  const fail = (problem: string): BacktestSummary => ({
    file,
    present: true,
    mtimeMs,
    tables: emptyTables(),
    problem,
  });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return fail(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const res = fileSchema.safeParse(raw);
  if (!res.success) {
    const first = res.error.issues[0];
    return fail(
      `${file} does not match the summary format (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})`,
    );
  }
  const tables = emptyTables();
  for (const k of FILE_KEYS) tables[k] = res.data[k] ?? [];
  return { file, present: true, mtimeMs, tables, problem: null };
}

const byReturn = (a: SummaryRow, b: SummaryRow) => b.return_pct - a.return_pct;

/**
 * The payload's backtest tables, as the original sync built them: each sorted by return (best first) and
 * cut to its limit; `strategies` is the top of the 1-month table.
 */
export function payloadTables(s: SummaryFileTables): Tables {
  const top = (rows: readonly SummaryRow[], n: number) => [...rows].sort(byReturn).slice(0, n);
  return {
    strategies: top(s.strategies_1mo, TABLE_LIMITS.strategies),
    strategies_1mo: top(s.strategies_1mo, TABLE_LIMITS.byPeriod),
    strategies_6mo: top(s.strategies_6mo, TABLE_LIMITS.byPeriod),
    strategies_1yr: top(s.strategies_1yr, TABLE_LIMITS.byPeriod),
    long_only_1mo: top(s.long_only_1mo, TABLE_LIMITS.byMode),
    long_only_6mo: top(s.long_only_6mo, TABLE_LIMITS.byMode),
    long_only_1yr: top(s.long_only_1yr, TABLE_LIMITS.byMode),
    leveraged_1mo: top(s.leveraged_1mo, TABLE_LIMITS.byMode),
    leveraged_6mo: top(s.leveraged_6mo, TABLE_LIMITS.byMode),
    leveraged_1yr: top(s.leveraged_1yr, TABLE_LIMITS.byMode),
  };
}
