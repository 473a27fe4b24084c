import { type CandleColumns, copyColumns } from '../../core/candles.js';
import { CandleDataError, type CandleDataErrorCode } from './errors.js';

/** The only accepted header. Case-sensitive: a different header usually means a different column order. */
export const CANDLES_CSV_HEADER = 'timestamp,open,high,low,close,volume';

const FIELD_NAMES = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
const FIELD_COUNT = FIELD_NAMES.length;

const CR = 13;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const LOWER_E = 101;
const UPPER_E = 69;
const PLUS = 43;
const BOM = 0xfeff;

/** Rule texts, shared by the messages and the tests' expectations. */
export const CSV_RULES = {
  header: `header is exactly ${CANDLES_CSV_HEADER}`,
  empty: 'at least one candle after the header',
  fields: `${FIELD_COUNT} comma-separated fields per row`,
  number: 'every field is a finite decimal number',
  timestamp: 'timestamp is an integer (epoch milliseconds)',
  order: 'timestamps strictly increasing',
  price: 'prices > 0',
  volume: 'volume >= 0',
  high: 'high >= max(open, close)',
  low: 'low <= min(open, close)',
} as const;

/** What {@link parseCandlesCsv} returns. */
export interface ParseResult {
  /** Exact-size columns (no spare capacity), ready for the backtester. */
  readonly candles: CandleColumns;
  /** The source name given to the parser (used in error messages). */
  readonly source: string;
  /** Number of candles (= `candles.ts.length`). */
  readonly rows: number;
}

// 10^0 .. 10^22 are exactly representable doubles: the fast path in `scanDecimal` relies on that.
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Where the last `scanDecimal` call stopped. A module-level cursor instead of a returned tuple keeps the hot
 * loop free of allocations; the parser is synchronous, so nothing can interleave.
 */
let scanEnd = 0;

/**
 * Scans a strict decimal number starting at `i` (not beyond `end`) and returns its value, or NaN when there is
 * no number at `i`. Sets {@link scanEnd} to the first character after the number; the caller decides whether
 * what follows (comma, end of line, garbage) is acceptable.
 *
 * Accepted: `-?(digits[.digits?] | .digits)([eE][+-]?digits)?`. Rejected (NaN or stops early): empty, `+1`,
 * spaces, `NaN`, `Infinity`, `0x1f`, `1_000`, `1,5`. Exponents are accepted because some exporters write tiny
 * volumes as `1e-05`; overflow (`1e999`) comes back as Infinity for the caller to reject.
 *
 * Why not `Number(slice)` alone: `Number` trims whitespace and accepts hex/binary/`Infinity`, and slicing every
 * field allocates. The value is exact: when the digits fit in 2^53 and the decimal exponent is within ±22, both
 * operands of `m / 10^k` (or `m * 10^k`) are exact doubles, so the single IEEE operation rounds correctly and
 * gives the same double as `Number()` (Clinger's fast path). Anything else falls back to `Number()` on the
 * already-validated text.
 */
function scanDecimal(s: string, start: number, end: number): number {
  let i = start;
  let neg = false;
  if (i < end && s.charCodeAt(i) === MINUS) {
    neg = true;
    i++;
  }
  let m = 0;
  let exact = true;
  let intDigits = 0;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) break;
    m = m * 10 + d;
    intDigits++;
  }
  // Once m passes 2^53 the accumulation may round; rounding is monotonic, so the check below still sees it.
  if (m > Number.MAX_SAFE_INTEGER) exact = false;
  let fracDigits = 0;
  if (i < end && s.charCodeAt(i) === DOT) {
    i++;
    for (; i < end; i++) {
      const d = s.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) break;
      m = m * 10 + d;
      fracDigits++;
    }
    if (m > Number.MAX_SAFE_INTEGER) exact = false;
  }
  if (intDigits + fracDigits === 0) {
    scanEnd = start;
    return Number.NaN;
  }
  let exp = 0;
  if (i < end) {
    const c = s.charCodeAt(i);
    if (c === LOWER_E || c === UPPER_E) {
      i++;
      let expNeg = false;
      if (i < end) {
        const sign = s.charCodeAt(i);
        if (sign === MINUS || sign === PLUS) {
          expNeg = sign === MINUS;
          i++;
        }
      }
      let expDigits = 0;
      for (; i < end; i++) {
        const d = s.charCodeAt(i) - ZERO;
        if (d < 0 || d > 9) break;
        // Capped: past ±22 the fallback below reads the text anyway, the cap only avoids overflow.
        if (exp < 100_000) exp = exp * 10 + d;
        expDigits++;
      }
      if (expDigits === 0) {
        scanEnd = start;
        return Number.NaN;
      }
      if (expNeg) exp = -exp;
    }
  }
  scanEnd = i;
  const e10 = exp - fracDigits;
  if (exact && e10 >= -22 && e10 <= 22) {
    const v = e10 < 0 ? m / POW10[-e10]! : m * POW10[e10]!;
    return neg ? -v : v;
  }
  return Number(s.slice(start, i));
}

function clip(raw: string, max = 40): string {
  return JSON.stringify(raw.length > max ? raw.slice(0, max) + '…' : raw);
}

function fail(
  code: CandleDataErrorCode,
  source: string,
  line: number,
  rule: string,
  detail: string,
): CandleDataError {
  return new CandleDataError({ code, file: source, line, rule, detail });
}

/**
 * Slow path, run only after the fast path rejected a row: re-reads the row field by field to say exactly what is
 * wrong (field count first, then the first bad field). Keeping diagnosis out of the hot loop keeps that loop
 * small.
 */
function diagnoseSyntax(
  text: string,
  start: number,
  end: number,
  source: string,
  line: number,
): CandleDataError {
  const raw = text.slice(start, end);
  if (raw.length === 0) {
    return fail('CSV_FIELDS', source, line, CSV_RULES.fields, 'blank line');
  }
  const parts = raw.split(',');
  if (parts.length !== FIELD_COUNT) {
    return fail(
      'CSV_FIELDS',
      source,
      line,
      CSV_RULES.fields,
      `${parts.length} field${parts.length === 1 ? '' : 's'}, expected ${FIELD_COUNT}`,
    );
  }
  for (let k = 0; k < FIELD_COUNT; k++) {
    const part = parts[k]!;
    const v = scanDecimal(part, 0, part.length);
    if (scanEnd !== part.length || !Number.isFinite(v)) {
      return fail(
        'CSV_NUMBER',
        source,
        line,
        CSV_RULES.number,
        `${FIELD_NAMES[k]} ${clip(part)} is not a finite decimal number`,
      );
    }
  }
  // Not reached while the fast path and this diagnosis agree; kept so a disagreement still reports the row.
  return fail('CSV_NUMBER', source, line, CSV_RULES.number, `malformed row ${clip(raw)}`);
}

/**
 * Parses a candles CSV (`timestamp,open,high,low,close,volume`, see `data/README.md`) into columns. Pure: no
 * I/O, `source` is only used to name the data in errors.
 *
 * Accepted: LF or CRLF line ends, an optional final line end, an optional UTF-8 byte order mark (spreadsheet
 * exports add one, and it is invisible when the header is printed). Every row is validated; the first broken
 * rule throws a {@link CandleDataError} naming `source`, the 1-based line (the header is line 1) and the rule:
 * - `CSV_EMPTY`: no text at all (line 1) or no row after the header (line 2);
 * - `CSV_HEADER`: the first line is not exactly {@link CANDLES_CSV_HEADER} (case-sensitive);
 * - `CSV_FIELDS`: not exactly 6 fields (blank lines included);
 * - `CSV_NUMBER`: a field is not a finite decimal number (empty, `NaN`, `Infinity`, hex, spaces, trailing text);
 * - `CSV_TIMESTAMP`: the timestamp is not a safe integer;
 * - `CSV_ORDER`: the timestamp is not greater than the previous row's;
 * - `CSV_PRICE`: open, high, low or close is not > 0;
 * - `CSV_VOLUME`: volume < 0;
 * - `CSV_OHLC`: high < max(open, close) or low > min(open, close) (together these imply high >= low).
 *
 * Performance: one pass over the text with `charCodeAt`, no per-row strings or objects; columns grow by
 * doubling and are copied once to their exact size at the end.
 *
 * @throws {CandleDataError} on the first invalid line.
 */
export function parseCandlesCsv(text: string, source: string): ParseResult {
  const len = text.length;
  let pos = len > 0 && text.charCodeAt(0) === BOM ? 1 : 0;
  if (pos === len) {
    throw fail('CSV_EMPTY', source, 1, CSV_RULES.empty, 'the file is empty');
  }

  let nl = text.indexOf('\n', pos);
  let lineEnd = nl === -1 ? len : nl;
  let end = lineEnd > pos && text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
  const header = text.slice(pos, end);
  if (header !== CANDLES_CSV_HEADER) {
    const hint = header.toLowerCase() === CANDLES_CSV_HEADER ? ' (the header is case-sensitive)' : '';
    throw fail(
      'CSV_HEADER',
      source,
      1,
      CSV_RULES.header,
      `header ${clip(header, 80)} is not ${JSON.stringify(CANDLES_CSV_HEADER)}${hint}`,
    );
  }
  pos = lineEnd + 1;

  // Rows are ~40-60 characters; len/32 over-estimates a little so a typical file never regrows.
  let cap = Math.max(16, Math.ceil(len / 32));
  let ts = new Float64Array(cap);
  let open = new Float64Array(cap);
  let high = new Float64Array(cap);
  let low = new Float64Array(cap);
  let close = new Float64Array(cap);
  let volume = new Float64Array(cap);
  let n = 0;
  let line = 1;
  let prevTs = Number.NEGATIVE_INFINITY;

  // `pos < len` also makes the blank line after a final line end a non-row.
  while (pos < len) {
    line++;
    nl = text.indexOf('\n', pos);
    lineEnd = nl === -1 ? len : nl;
    end = lineEnd > pos && text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;

    // Fast path: six numbers separated by commas, nothing else. Any deviation goes to `diagnoseSyntax`.
    let p = pos;
    const t = scanDecimal(text, p, end);
    p = scanEnd;
    let ok = Number.isFinite(t) && p < end && text.charCodeAt(p) === COMMA;
    const o = ok ? scanDecimal(text, p + 1, end) : Number.NaN;
    p = scanEnd;
    ok = ok && Number.isFinite(o) && p < end && text.charCodeAt(p) === COMMA;
    const h = ok ? scanDecimal(text, p + 1, end) : Number.NaN;
    p = scanEnd;
    ok = ok && Number.isFinite(h) && p < end && text.charCodeAt(p) === COMMA;
    const l = ok ? scanDecimal(text, p + 1, end) : Number.NaN;
    p = scanEnd;
    ok = ok && Number.isFinite(l) && p < end && text.charCodeAt(p) === COMMA;
    const c = ok ? scanDecimal(text, p + 1, end) : Number.NaN;
    p = scanEnd;
    ok = ok && Number.isFinite(c) && p < end && text.charCodeAt(p) === COMMA;
    const v = ok ? scanDecimal(text, p + 1, end) : Number.NaN;
    p = scanEnd;
    ok = ok && Number.isFinite(v) && p === end;
    if (!ok) throw diagnoseSyntax(text, pos, end, source, line);

    if (!Number.isSafeInteger(t)) {
      throw fail('CSV_TIMESTAMP', source, line, CSV_RULES.timestamp, `timestamp ${t} is not an integer`);
    }
    if (t <= prevTs) {
      throw fail(
        'CSV_ORDER',
        source,
        line,
        CSV_RULES.order,
        `timestamp ${t} is not after the previous row's ${prevTs} (line ${line - 1})`,
      );
    }
    if (!(o > 0)) throw fail('CSV_PRICE', source, line, CSV_RULES.price, `open ${o} is not > 0`);
    if (!(h > 0)) throw fail('CSV_PRICE', source, line, CSV_RULES.price, `high ${h} is not > 0`);
    if (!(l > 0)) throw fail('CSV_PRICE', source, line, CSV_RULES.price, `low ${l} is not > 0`);
    if (!(c > 0)) throw fail('CSV_PRICE', source, line, CSV_RULES.price, `close ${c} is not > 0`);
    if (!(v >= 0)) throw fail('CSV_VOLUME', source, line, CSV_RULES.volume, `volume ${v} is negative`);
    const top = Math.max(o, c);
    if (h < top) {
      throw fail('CSV_OHLC', source, line, CSV_RULES.high, `high ${h} is below max(open, close) ${top}`);
    }
    const bottom = Math.min(o, c);
    if (l > bottom) {
      throw fail('CSV_OHLC', source, line, CSV_RULES.low, `low ${l} is above min(open, close) ${bottom}`);
    }

    if (n === cap) {
      cap *= 2;
      ts = grow(ts, cap);
      open = grow(open, cap);
      high = grow(high, cap);
      low = grow(low, cap);
      close = grow(close, cap);
      volume = grow(volume, cap);
    }
    ts[n] = t;
    open[n] = o;
    high[n] = h;
    low[n] = l;
    close[n] = c;
    volume[n] = v;
    n++;
    prevTs = t;
    pos = lineEnd + 1;
  }

  if (n === 0) {
    throw fail('CSV_EMPTY', source, 2, CSV_RULES.empty, 'no candles after the header');
  }
  return {
    // Copied out of the over-allocated buffers (a view would keep them alive for the life of the backtest),
    // into one shared buffer that a sweep's workers read in place.
    candles: copyColumns({ ts, open, high, low, close, volume }, n),
    source,
    rows: n,
  };
}

function grow(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
