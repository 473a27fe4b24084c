/**
 * Date windows over a candle series: `--from`/`--to` bounds and "the last N months" of the data's own
 * timeline. Pure (dates are inputs; nothing reads the clock).
 */

import { lowerBound } from './data/load.js';
import { BacktestInputError } from './errors.js';

/** First index whose timestamp is >= `t`; one binary search for the loader's ranges and the windows. */
export { lowerBound };

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** A date-time with no zone (no `Z`, no `+hh:mm`): `Date.parse` would read it in the machine's local time. */
const NO_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** Parses a date-time, as UTC when it names no zone (the documented rule, whatever the machine's TZ). */
function parseUtc(text: string): number {
  return Date.parse(NO_ZONE.test(text) ? `${text}Z` : text);
}

/** A half-open range of bar indices `[start, end)`. */
export interface BarWindow {
  readonly start: number;
  readonly end: number;
}

/**
 * Parses a `--from` date (ISO 8601, UTC when no zone is given) into the first included time, epoch ms.
 *
 * @throws BacktestInputError when the text is not a date.
 */
export function parseFromBound(text: string): number {
  const ms = DATE_ONLY.test(text) ? Date.parse(`${text}T00:00:00Z`) : parseUtc(text);
  if (Number.isNaN(ms))
    throw new BacktestInputError(`--from ${JSON.stringify(text)}: expected an ISO 8601 date`);
  return ms;
}

/**
 * Parses a `--to` date into the first excluded time, epoch ms. The bound is inclusive: a date means through
 * the end of that day (UTC), a date-time includes the candle opening at that instant.
 *
 * @throws BacktestInputError when the text is not a date.
 */
export function parseToBound(text: string): number {
  if (DATE_ONLY.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isNaN(ms)) return ms + DAY_MS;
  } else {
    const ms = parseUtc(text);
    if (!Number.isNaN(ms)) return ms + 1;
  }
  throw new BacktestInputError(`--to ${JSON.stringify(text)}: expected an ISO 8601 date`);
}

/** Returns the bars with `fromMs <= ts < toMs` as an index window (either bound optional). */
export function windowFor(ts: Float64Array, fromMs?: number, toMs?: number): BarWindow {
  const start = fromMs === undefined ? 0 : lowerBound(ts, fromMs);
  const end = toMs === undefined ? ts.length : lowerBound(ts, toMs);
  return { start, end: Math.max(start, end) };
}

/**
 * Moves a UTC time by whole calendar months, clamping the day to the target month's length (so one month
 * before 31 March is 28 or 29 February, not 3 March).
 */
export function addUtcMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(
    targetYear,
    targetMonth,
    day,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/** A trailing window of the data's timeline. */
export interface TrailingWindow extends BarWindow {
  /** First included time: the data's end minus the period. */
  readonly fromMs: number;
  /** The data's end: the last candle's open + one timeframe. */
  readonly toMs: number;
  /** False when the data starts after `fromMs`, i.e. the window is shorter than asked. */
  readonly complete: boolean;
}

/**
 * Returns the last `months` calendar months of the series: from (last candle's end - months) to the last
 * candle's end, measured on the data's own timeline, never on the wall clock.
 */
export function trailingMonths(ts: Float64Array, timeframeMs: number, months: number): TrailingWindow {
  const n = ts.length;
  if (n === 0) return { start: 0, end: 0, fromMs: 0, toMs: 0, complete: false };
  const toMs = ts[n - 1]! + timeframeMs;
  const fromMs = addUtcMonths(toMs, -months);
  return { start: lowerBound(ts, fromMs), end: n, fromMs, toMs, complete: ts[0]! <= fromMs };
}
