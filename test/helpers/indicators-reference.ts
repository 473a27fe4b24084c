/**
 * Deliberately naive reference indicators for the tests: each value recomputed from its definition, with no
 * running state shared with core/indicators, so they check the maths independently of both the fast code
 * and the technicalindicators oracle. Output convention: `number[]` of the input's length, `NaN` before
 * warm-up.
 */

function mean(xs: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let j = from; j < to; j++) s += xs[j]!;
  return s / (to - from);
}

/** SMA recomputed from scratch for every bar. */
export function refSma(x: ArrayLike<number>, p: number): number[] {
  return Array.from({ length: x.length }, (_, t) => (t >= p - 1 ? mean(x, t - p + 1, t + 1) : NaN));
}

/** EMA in the `alpha * x + (1 - alpha) * prev` form, seeded with the mean of the first p values. */
export function refEma(x: ArrayLike<number>, p: number): number[] {
  const out: number[] = new Array(x.length).fill(NaN);
  if (x.length < p) return out;
  const a = 2 / (p + 1);
  let e = mean(x, 0, p);
  out[p - 1] = e;
  for (let t = p; t < x.length; t++) {
    e = a * x[t]! + (1 - a) * e;
    out[t] = e;
  }
  return out;
}

/** Wilder RSI from explicit gain/loss lists; 100 when the average loss is 0. */
export function refRsi(x: ArrayLike<number>, p: number): number[] {
  const out: number[] = new Array(x.length).fill(NaN);
  if (x.length <= p) return out;
  const gains: number[] = [];
  const losses: number[] = [];
  for (let t = 1; t < x.length; t++) {
    const d = x[t]! - x[t - 1]!;
    gains.push(Math.max(d, 0));
    losses.push(Math.max(-d, 0));
  }
  let g = mean(gains, 0, p);
  let l = mean(losses, 0, p);
  const rsiOf = (gg: number, ll: number) => (ll === 0 ? 100 : 100 - 100 / (1 + gg / ll));
  out[p] = rsiOf(g, l);
  for (let t = p + 1; t < x.length; t++) {
    g = (g * (p - 1) + gains[t - 1]!) / p;
    l = (l * (p - 1) + losses[t - 1]!) / p;
    out[t] = rsiOf(g, l);
  }
  return out;
}

/** Wilder ATR: mean of true ranges of bars 1..p at index p, then Wilder smoothing. */
export function refAtr(
  h: ArrayLike<number>,
  l: ArrayLike<number>,
  c: ArrayLike<number>,
  p: number,
): number[] {
  const n = c.length;
  const out: number[] = new Array(n).fill(NaN);
  if (n <= p) return out;
  const tr: number[] = [NaN];
  for (let t = 1; t < n; t++) {
    tr.push(Math.max(h[t]! - l[t]!, Math.abs(h[t]! - c[t - 1]!), Math.abs(l[t]! - c[t - 1]!)));
  }
  let a = mean(tr, 1, p + 1);
  out[p] = a;
  for (let t = p + 1; t < n; t++) {
    a = (a * (p - 1) + tr[t]!) / p;
    out[t] = a;
  }
  return out;
}

/** Bollinger bands with a two-pass population standard deviation per window. */
export function refBollinger(
  x: ArrayLike<number>,
  p: number,
  k: number,
): { middle: number[]; upper: number[]; lower: number[] } {
  const middle = refSma(x, p);
  const upper: number[] = new Array(x.length).fill(NaN);
  const lower: number[] = new Array(x.length).fill(NaN);
  for (let t = p - 1; t < x.length; t++) {
    const m = middle[t]!;
    let ss = 0;
    for (let j = t - p + 1; j <= t; j++) ss += (x[j]! - m) ** 2;
    const sd = Math.sqrt(ss / p);
    upper[t] = m + k * sd;
    lower[t] = m - k * sd;
  }
  return { middle, upper, lower };
}

/** MACD from {@link refEma}; the signal EMA runs over the defined part of the line. */
export function refMacd(
  x: ArrayLike<number>,
  fast: number,
  slow: number,
  signal: number,
): { macd: number[]; signal: number[]; histogram: number[] } {
  const f = refEma(x, fast);
  const s = refEma(x, slow);
  const line = f.map((v, i) => v - s[i]!);
  const sig: number[] = new Array(x.length).fill(NaN);
  const tail = refEma(line.slice(slow - 1), signal);
  tail.forEach((v, i) => {
    sig[slow - 1 + i] = v;
  });
  return { macd: line, signal: sig, histogram: line.map((v, i) => v - sig[i]!) };
}

/** Max (sign 1) or min (sign -1) of the previous p values, by scanning the window. */
export function refExtreme(x: ArrayLike<number>, p: number, sign: 1 | -1): number[] {
  return Array.from({ length: x.length }, (_, t) => {
    if (t < p) return NaN;
    let best = x[t - p]!;
    for (let j = t - p + 1; j < t; j++) {
      if (sign * x[j]! > sign * best) best = x[j]!;
    }
    return best;
  });
}

/**
 * Returns a description of the first index where `a` and `b` differ by more than `rel` relative (scaled by
 * `max(|a|, |b|, floor)`), or where exactly one is NaN; `undefined` when they agree everywhere.
 */
export function firstMismatch(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rel: number,
  floor = 0,
): string | undefined {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return `index ${i}: ${x} vs ${y}`;
      continue;
    }
    const scale = Math.max(Math.abs(x), Math.abs(y), floor);
    if (Math.abs(x - y) > rel * scale) return `index ${i}: ${x} vs ${y} (diff ${Math.abs(x - y)})`;
  }
  return undefined;
}

/** Returns the first index where `a` and `b` are not `Object.is`-identical, or -1 (bit-identical check). */
export function firstNotIdentical(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
