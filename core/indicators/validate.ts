/**
 * Parameter checks shared by the indicators. They run once at construction (or once per batch call), never
 * per value, so the hot loops stay branch-free.
 */

/**
 * Throws a `RangeError` unless `value` is an integer >= 1.
 *
 * @param what - Human-readable name used in the message, e.g. `'SMA period'`.
 */
export function assertPeriod(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be an integer >= 1, got ${String(value)}`);
  }
}

/**
 * Throws a `RangeError` unless `value` is a finite number >= 0.
 *
 * @param what - Human-readable name used in the message, e.g. `'Bollinger k'`.
 */
export function assertNonNegativeFinite(what: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${what} must be a finite number >= 0, got ${String(value)}`);
  }
}
