/**
 * Exchange errors, classified by what the caller should do. Only `retryable` errors of reads are retried
 * blindly; a `rejected` order is never retried; an `unknown-outcome` order is looked up by its client
 * order id before anything else happens.
 */
export type ExchangeErrorKind = 'retryable' | 'rejected' | 'unknown-outcome';

/** Stable codes; never reuse one for a different meaning. */
export type ExchangeErrorCode =
  | 'EXCHANGE_NETWORK'
  | 'EXCHANGE_RATE_LIMIT'
  | 'EXCHANGE_DOWN'
  | 'EXCHANGE_TIMEOUT'
  | 'EXCHANGE_INSUFFICIENT_FUNDS'
  | 'EXCHANGE_INVALID_ORDER'
  | 'EXCHANGE_AUTH'
  | 'EXCHANGE_ORDER_NOT_FOUND'
  | 'EXCHANGE_BAD_RESPONSE'
  | 'EXCHANGE_UNKNOWN_OUTCOME'
  | 'EXCHANGE_UNSUPPORTED';

export const KIND_OF: Readonly<Record<ExchangeErrorCode, ExchangeErrorKind>> = {
  EXCHANGE_NETWORK: 'retryable',
  EXCHANGE_RATE_LIMIT: 'retryable',
  EXCHANGE_DOWN: 'retryable',
  EXCHANGE_TIMEOUT: 'retryable',
  EXCHANGE_INSUFFICIENT_FUNDS: 'rejected',
  EXCHANGE_INVALID_ORDER: 'rejected',
  EXCHANGE_AUTH: 'rejected',
  EXCHANGE_ORDER_NOT_FOUND: 'rejected',
  EXCHANGE_BAD_RESPONSE: 'retryable',
  EXCHANGE_UNKNOWN_OUTCOME: 'unknown-outcome',
  EXCHANGE_UNSUPPORTED: 'rejected',
};

export class ExchangeError extends Error {
  readonly kind: ExchangeErrorKind;
  constructor(
    readonly code: ExchangeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExchangeError';
    this.kind = KIND_OF[code];
  }
}

export function isExchangeError(e: unknown): e is ExchangeError {
  return e instanceof ExchangeError;
}
