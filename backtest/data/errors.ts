/**
 * Stable codes for bad candle data. Callers (CLI, replay feed, tests) branch on the code, never on the message
 * text, so codes are never renamed; new rules get new codes.
 */
export type CandleDataErrorCode =
  /** The file could not be read or decompressed. */
  | 'CSV_READ'
  /** The first line is not exactly `timestamp,open,high,low,close,volume`. */
  | 'CSV_HEADER'
  /** The file holds no candles (empty, or header only). */
  | 'CSV_EMPTY'
  /** A row does not have exactly 6 fields (a blank line counts as a row with one empty field). */
  | 'CSV_FIELDS'
  /** A field is not a finite decimal number. */
  | 'CSV_NUMBER'
  /** The timestamp is not an integer number of milliseconds. */
  | 'CSV_TIMESTAMP'
  /** Timestamps are not strictly increasing. */
  | 'CSV_ORDER'
  /** A price (open, high, low, close) is not > 0. */
  | 'CSV_PRICE'
  /** The volume is negative. */
  | 'CSV_VOLUME'
  /** high/low do not bound open and close. */
  | 'CSV_OHLC'
  /** The timeframe could not be inferred (fewer than 2 candles) and was not given. */
  | 'CSV_TIMEFRAME';

export interface CandleDataErrorInit {
  readonly code: CandleDataErrorCode;
  /** The file (or other source name) the data came from, as the caller named it. */
  readonly file: string;
  /** 1-based line number (the header is line 1); undefined when the error is about the whole file. */
  readonly line?: number | undefined;
  /** The rule that was broken, in words, e.g. `high >= max(open, close)`. */
  readonly rule: string;
  /** What was found, e.g. `high 9.5 is below max(open, close) 10`. */
  readonly detail: string;
  readonly cause?: unknown;
}

/**
 * Bad or unreadable candle data. The message always starts with `file:line:` (or `file:` for whole-file
 * errors) so that editors and terminals can jump to the offending row, and ends with the rule that was broken.
 *
 * @example `data/x.csv:17: high 9.5 is below max(open, close) 10 (rule: high >= max(open, close))`
 */
export class CandleDataError extends Error {
  override readonly name = 'CandleDataError';
  readonly code: CandleDataErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly rule: string;
  readonly detail: string;

  constructor(init: CandleDataErrorInit) {
    const where = init.line === undefined ? init.file : `${init.file}:${init.line}`;
    super(
      `${where}: ${init.detail} (rule: ${init.rule})`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.code = init.code;
    this.file = init.file;
    this.line = init.line;
    this.rule = init.rule;
    this.detail = init.detail;
  }
}

/** Type guard that also narrows by code, for `catch (e)` blocks. */
export function isCandleDataError(e: unknown, code?: CandleDataErrorCode): e is CandleDataError {
  return e instanceof CandleDataError && (code === undefined || e.code === code);
}
