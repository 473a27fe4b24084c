/**
 * Errors of the backtest commands' input (options, params, grids). The CLI maps them to exit 78
 * (`EX_CONFIG`, like a bad config file); bad candle data is a `CandleDataError` (exit 65).
 */

/** Bad backtest input: an option out of range, a param the strategy's schema refuses, an unknown strategy. */
export class BacktestInputError extends Error {
  readonly code = 'BACKTEST_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'BacktestInputError';
  }
}

/** sysexits.h EX_DATAERR: the input data was incorrect (a malformed candle file). */
export const EXIT_DATAERR = 65;

/** Exit code of a process ended by Ctrl-C (128 + SIGINT). */
export const EXIT_SIGINT = 130;
