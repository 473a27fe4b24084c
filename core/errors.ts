/**
 * Errors thrown by the trading core. Each carries a stable `code` so callers (the CLI, the actors, the
 * journal) can branch on it without parsing messages, which are for humans and may change.
 */

/** Stable error codes of the trading core. */
export type CoreErrorCode = 'CONFIG_OUT_OF_RANGE' | 'ARGUMENT_OUT_OF_RANGE' | 'INVALID_FILL';

/** Base class of the core's errors that are not range errors. */
export class CoreError extends Error {
  readonly code: CoreErrorCode;

  constructor(code: CoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A fill that cannot be booked (non-positive quantity or price, negative fee). */
export class InvalidFillError extends CoreError {
  constructor(message: string) {
    super('INVALID_FILL', message);
  }
}

/**
 * A configuration or argument outside its allowed range (e.g. leverage above the 3x cap). It extends the
 * built-in `RangeError` rather than `CoreError` because callers are promised a `RangeError` for out-of-range
 * settings, and JavaScript classes have a single parent; `isCoreError` accepts both.
 */
export class CoreRangeError extends RangeError {
  readonly code: CoreErrorCode;

  constructor(code: 'CONFIG_OUT_OF_RANGE' | 'ARGUMENT_OUT_OF_RANGE', message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Tells whether a caught value is one of the core's errors (and so has a stable `code`). */
export function isCoreError(e: unknown): e is CoreError | CoreRangeError {
  return e instanceof CoreError || e instanceof CoreRangeError;
}
