/**
 * Stable codes for report failures. Callers (the backtest CLI, tests) branch on the code, never on the message
 * text, so codes are never renamed; new failures get new codes.
 */
export type ReportErrorCode =
  /** The input does not match `BacktestReportInputSchema`; `cause` is the `ZodError`. */
  | 'REPORT_INPUT'
  /** `opts.name` is not a plain file name (it would escape the output folder or is empty). */
  | 'REPORT_NAME'
  /** A bundled asset (chart library, font) could not be found in node_modules. */
  | 'REPORT_ASSET'
  /** A report file could not be written. */
  | 'REPORT_WRITE';

/**
 * A backtest report could not be rendered or written. The message says what was wrong and where; `code` says
 * which kind of failure it was.
 */
export class ReportError extends Error {
  override readonly name = 'ReportError';
  readonly code: ReportErrorCode;

  constructor(code: ReportErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

/** Type guard that also narrows by code, for `catch (e)` blocks. */
export function isReportError(e: unknown, code?: ReportErrorCode): e is ReportError {
  return e instanceof ReportError && (code === undefined || e.code === code);
}
