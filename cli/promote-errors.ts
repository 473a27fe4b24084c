/** Maps the errors of `promote` and `parity` to exit codes: every kind of bad input is 78 (`EX_CONFIG`). */
import { isCandleDataError } from '../backtest/data/index.js';
import { BacktestInputError } from '../backtest/errors.js';
import { PromotionInputError } from '../backtest/promotion/context.js';
import { ConfigError, EXIT_CONFIG } from '../config/index.js';
import { isCoreError } from '../core/index.js';
import { type CliIO, ExitCode, printConfigProblems } from './program.js';

/** Prints a bad-input error and ends with exit 78; rethrows anything else. */
export function failPromotion(e: unknown, io: CliIO): never {
  if (e instanceof ExitCode) throw e;
  if (e instanceof ConfigError) {
    printConfigProblems(e.message.split('\n'), io);
    throw new ExitCode(EXIT_CONFIG);
  }
  if (isCandleDataError(e)) {
    io.err(`data error: ${e.message}`);
    throw new ExitCode(EXIT_CONFIG);
  }
  if (
    e instanceof PromotionInputError ||
    e instanceof BacktestInputError ||
    isCoreError(e) ||
    e instanceof RangeError
  ) {
    io.err(`error: ${e.message}`);
    throw new ExitCode(EXIT_CONFIG);
  }
  throw e;
}

/**
 * Parses a numeric option, or ends with exit 78 naming it.
 */
export function numberArg(io: CliIO, flag: string, text: string, ok: (x: number) => boolean): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || !ok(x)) {
    io.err(`${flag}: invalid value "${text}"`);
    throw new ExitCode(EXIT_CONFIG);
  }
  return x;
}
