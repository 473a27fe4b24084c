/** A strategy threw, or broke its contract (e.g. asked for a future bar). The bot skips the cycle. */
export class StrategyError extends Error {
  readonly code:
    | 'STRATEGY_THREW'
    | 'STRATEGY_LOOKAHEAD'
    | 'STRATEGY_UNKNOWN_INDICATOR'
    | 'STRATEGY_BAD_DECISION';
  constructor(
    code: StrategyError['code'],
    readonly strategy: string,
    readonly bar: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`strategy ${strategy} at bar ${bar}: ${message}`, options);
    this.name = 'StrategyError';
    this.code = code;
  }
}
