/**
 * Axis ticks for the static (SVG/PNG) chart: round numbers on value axes and calendar-aligned UTC times on the
 * time axis, so that labels read like a person would write them.
 */

/**
 * The span (max / min) of all-positive values from which a value axis turns logarithmic, in the PNG and (as
 * the default of its switch) in the HTML report.
 */
export const LOG_RATIO = 8;

/** A tick position and its label. */
export interface Tick {
  readonly value: number;
  readonly label: string;
}

/**
 * Picks a "nice" step (1, 2, 2.5 or 5 times a power of ten) that splits `[min, max]` into at most `maxCount`
 * intervals, and returns the multiples of it inside the range.
 */
export function niceTicks(min: number, max: number, maxCount: number): { values: number[]; step: number } {
  if (!(max > min)) return { values: [min], step: 1 };
  const raw = (max - min) / Math.max(1, maxCount);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag) as number;
  const values: number[] = [];
  // Start from an exact multiple and snap to the step's precision so that 0.1 + 0.2 prints as 0.3.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
    values.push(Number(v.toFixed(digits)));
  }
  return { values, step };
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Time steps, smallest first: fixed durations, then calendar months and years. */
const TIME_STEPS: ReadonlyArray<{ readonly ms: number; readonly months?: number }> = [
  ...[1, 2, 5, 10, 15, 30].map((m) => ({ ms: m * MIN })),
  ...[1, 2, 3, 4, 6, 12].map((h) => ({ ms: h * HOUR })),
  ...[1, 2, 7, 14].map((d) => ({ ms: d * DAY })),
  ...[1, 2, 3, 6, 12, 24, 60, 120].map((m) => ({ ms: m * 30 * DAY, months: m })),
];

const pad2 = (n: number): string => String(n).padStart(2, '0');

function label(ts: number, step: { ms: number; months?: number }): string {
  const d = new Date(ts);
  const ymd = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  if (step.months !== undefined) return step.months >= 12 ? String(d.getUTCFullYear()) : ymd.slice(0, 7);
  if (step.ms >= DAY) return ymd;
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  // Midnight ticks carry the date so that an intraday axis still says which day it shows.
  return hm === '00:00' ? ymd : `${ymd.slice(5)} ${hm}`;
}

/**
 * Returns UTC time ticks between `min` and `max` (ms), at most `maxCount` of them, aligned to whole minutes,
 * hours, days, months or years depending on the span.
 */
export function timeTicks(min: number, max: number, maxCount: number): Tick[] {
  if (!(max > min)) return [{ value: min, label: label(min, { ms: DAY }) }];
  const span = max - min;
  const step = TIME_STEPS.find((s) => span / s.ms <= maxCount) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const out: Tick[] = [];
  if (step.months === undefined) {
    for (let v = Math.ceil(min / step.ms) * step.ms; v <= max; v += step.ms)
      out.push({ value: v, label: label(v, step) });
    return out;
  }
  const start = new Date(min);
  let year = start.getUTCFullYear();
  // Align to a multiple of the step within the year (Jan, Apr, Jul, Oct for 3 months) or of years.
  let month = step.months >= 12 ? 0 : Math.floor(start.getUTCMonth() / step.months) * step.months;
  if (step.months >= 12) year = Math.floor(year / (step.months / 12)) * (step.months / 12);
  for (;;) {
    const v = Date.UTC(year, month, 1);
    if (v > max) break;
    if (v >= min) out.push({ value: v, label: label(v, step) });
    month += step.months;
    year += Math.floor(month / 12);
    month %= 12;
  }
  return out;
}

/**
 * Returns ticks for a log axis over `[min, max]` (both > 0): 1-2-5 per decade, thinned to whole decades when
 * that gives more than `maxCount`, and filled in with 1-1.5-2-3-5-7 when the range is under a decade.
 */
export function logTicks(min: number, max: number, maxCount: number): number[] {
  const collect = (mantissas: readonly number[]): number[] => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of mantissas) {
        // Round away float noise (3 * 10^-1 = 0.30000000000000004) so that labels print clean.
        const v = Number((m * 10 ** e).toPrecision(6));
        if (v >= min && v <= max) out.push(v);
      }
    }
    return out;
  };
  const standard = collect([1, 2, 5]);
  if (standard.length > maxCount) {
    const decades = collect([1]);
    return decades.length >= 2 ? decades : standard.filter((_, i) => i % 3 === 0);
  }
  if (standard.length >= 3) return standard;
  return collect([1, 1.5, 2, 3, 5, 7]);
}
