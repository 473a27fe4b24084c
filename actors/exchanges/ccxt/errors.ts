/**
 * Maps ccxt's error classes to our {@link ExchangeError} codes, with one rule above all: when a request that
 * places an order may have reached the exchange and we did not get its answer, the outcome is
 * `EXCHANGE_UNKNOWN_OUTCOME`, never a retryable error, because repeating it could place a second order.
 *
 * | ccxt class (first match wins)                         | read                     | place order              |
 * | ----------------------------------------------------- | ------------------------ | ------------------------ |
 * | our own ExchangeError (thrown inside a call)          | unchanged                | unchanged                |
 * | OnMaintenance                                         | DOWN                     | DOWN (refused, not sent) |
 * | RequestTimeout                                        | TIMEOUT                  | UNKNOWN_OUTCOME          |
 * | RateLimitExceeded, DDoSProtection                     | RATE_LIMIT               | RATE_LIMIT (refused)     |
 * | InvalidNonce                                          | NETWORK                  | NETWORK (refused)        |
 * | ExchangeNotAvailable (5xx, Kraken EService/EGeneral)  | DOWN                     | UNKNOWN_OUTCOME          |
 * | other NetworkError (reset, refused, DNS)              | NETWORK                  | UNKNOWN_OUTCOME          |
 * | BadResponse, NullResponse                             | BAD_RESPONSE             | UNKNOWN_OUTCOME          |
 * | CancelPending                                         | NETWORK                  | NETWORK                  |
 * | AuthenticationError, PermissionDenied, AccountSusp.   | AUTH                     | AUTH                     |
 * | InsufficientFunds                                     | INSUFFICIENT_FUNDS       | INSUFFICIENT_FUNDS       |
 * | OrderNotFound                                         | ORDER_NOT_FOUND          | ORDER_NOT_FOUND          |
 * | InvalidOrder                                          | INVALID_ORDER (*)        | INVALID_ORDER            |
 * | BadRequest, BadSymbol, ArgumentsRequired, Op.Rejected | INVALID_ORDER            | INVALID_ORDER            |
 * | NotSupported                                          | UNSUPPORTED              | UNSUPPORTED              |
 * | other ExchangeError, by its message (**)              | BAD_RESPONSE (**)        | INVALID_ORDER            |
 * | anything else (a TypeError while parsing, ...)        | BAD_RESPONSE             | UNKNOWN_OUTCOME          |
 *
 * (*) For calls about one existing order (`order` kind: fetch, cancel) InvalidOrder means "no such order"
 * (Kraken answers `EOrder:Invalid order` / `EOrder:Unknown order`), so it becomes ORDER_NOT_FOUND.
 *
 * (**) ccxt throws a plain ExchangeError for answers it does not classify; the message still says what
 * happened: "insufficient funds/margin/balance" becomes INSUFFICIENT_FUNDS, "not found"/"unknown order"
 * ORDER_NOT_FOUND, "internal"/"unavailable"/"busy" DOWN (placing: UNKNOWN_OUTCOME, a server that failed
 * inside may have booked the order). What is left is the exchange refusing the request: for an order that
 * is a rejection (INVALID_ORDER, never retried), and so it is for a call about one order (a cancel the
 * exchange refuses); for any other read it is BAD_RESPONSE (retryable, so a bounded number of retries and
 * then the caller sees it).
 *
 * This module never imports ccxt (that costs 0.75 s and 80 MB): the adapter hands over the loaded module's
 * error classes.
 */
import { ExchangeError, type ExchangeErrorCode } from '../errors.js';

type ErrorClass = abstract new (...args: never[]) => Error;

/** The ccxt error classes the mapping needs (the loaded `ccxt` module satisfies this). */
export interface CcxtErrorClasses {
  readonly ExchangeError: ErrorClass;
  readonly AuthenticationError: ErrorClass;
  readonly InsufficientFunds: ErrorClass;
  readonly InvalidOrder: ErrorClass;
  readonly OrderNotFound: ErrorClass;
  readonly BadRequest: ErrorClass;
  readonly BadSymbol: ErrorClass;
  readonly ArgumentsRequired: ErrorClass;
  readonly OperationRejected: ErrorClass;
  readonly NotSupported: ErrorClass;
  readonly NetworkError: ErrorClass;
  readonly RateLimitExceeded: ErrorClass;
  readonly DDoSProtection: ErrorClass;
  readonly ExchangeNotAvailable: ErrorClass;
  readonly OnMaintenance: ErrorClass;
  readonly RequestTimeout: ErrorClass;
  readonly InvalidNonce: ErrorClass;
  readonly BadResponse: ErrorClass;
  readonly CancelPending: ErrorClass;
}

/**
 * What the failed call was: `read` (market data, balances, lists), `order` (fetch or cancel one order by
 * id) or `place` (the request that creates an order).
 */
export type CallKind = 'read' | 'order' | 'place';

export interface ErrorContext {
  readonly call: CallKind;
  /** Exchange id, for the message. */
  readonly exchange: string;
  /** The operation, for the message (e.g. `fetchTicker LTC-USD`). */
  readonly what: string;
  readonly classes: CcxtErrorClasses;
  /** Credentials to scrub from every message. */
  readonly secrets: readonly string[];
}

const REDACTED = '[redacted]';
/** Shorter strings would redact ordinary words; real credentials are long. */
const MIN_SECRET = 6;
const MAX_MESSAGE = 600;

/**
 * Returns the forms in which `secret` may appear in text: itself, JSON-escaped, and each long line of a
 * multi-line secret (a PEM key's base64 lines), longest first.
 */
export function secretVariants(secret: string): string[] {
  const out = new Set<string>();
  const add = (s: string) => {
    if (s.length >= MIN_SECRET) out.add(s);
  };
  add(secret);
  add(JSON.stringify(secret).slice(1, -1));
  for (const line of secret.split(/\r?\n|\\n/)) if (line.length >= 16 && !line.startsWith('-----')) add(line);
  return [...out].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret (in every form of {@link secretVariants}) in `text`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let s = text;
  for (const secret of secrets) {
    for (const v of secretVariants(secret)) if (s.includes(v)) s = s.split(v).join(REDACTED);
  }
  return s;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'unprintable error';
  }
}

function nameOf(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** The code for `err` per the table in the module header, before the `place` rule is applied. */
function classify(
  err: unknown,
  call: CallKind,
  c: CcxtErrorClasses,
): { code: ExchangeErrorCode; maybeSent: boolean } {
  const is = (k: keyof CcxtErrorClasses) => err instanceof c[k];
  if (is('OnMaintenance')) return { code: 'EXCHANGE_DOWN', maybeSent: false };
  if (is('RequestTimeout')) return { code: 'EXCHANGE_TIMEOUT', maybeSent: true };
  if (is('RateLimitExceeded') || is('DDoSProtection'))
    return { code: 'EXCHANGE_RATE_LIMIT', maybeSent: false };
  if (is('InvalidNonce')) return { code: 'EXCHANGE_NETWORK', maybeSent: false };
  if (is('ExchangeNotAvailable')) return { code: 'EXCHANGE_DOWN', maybeSent: true };
  if (is('CancelPending')) return { code: 'EXCHANGE_NETWORK', maybeSent: false };
  if (is('NetworkError')) return { code: 'EXCHANGE_NETWORK', maybeSent: true };
  if (is('BadResponse')) return { code: 'EXCHANGE_BAD_RESPONSE', maybeSent: true };
  if (is('AuthenticationError')) return { code: 'EXCHANGE_AUTH', maybeSent: false };
  if (is('InsufficientFunds')) return { code: 'EXCHANGE_INSUFFICIENT_FUNDS', maybeSent: false };
  if (is('OrderNotFound')) return { code: 'EXCHANGE_ORDER_NOT_FOUND', maybeSent: false };
  if (is('InvalidOrder')) {
    return {
      code: call === 'order' ? 'EXCHANGE_ORDER_NOT_FOUND' : 'EXCHANGE_INVALID_ORDER',
      maybeSent: false,
    };
  }
  if (is('BadRequest') || is('BadSymbol') || is('ArgumentsRequired') || is('OperationRejected')) {
    return { code: 'EXCHANGE_INVALID_ORDER', maybeSent: false };
  }
  if (is('NotSupported')) return { code: 'EXCHANGE_UNSUPPORTED', maybeSent: false };
  if (is('ExchangeError')) {
    const m = messageOf(err);
    if (/insufficient (funds|margin|balance)|insufficient_fund/i.test(m)) {
      return { code: 'EXCHANGE_INSUFFICIENT_FUNDS', maybeSent: false };
    }
    if (/not[ _]?found|unknown order/i.test(m)) return { code: 'EXCHANGE_ORDER_NOT_FOUND', maybeSent: false };
    if (/internal|unavailable|busy/i.test(m)) return { code: 'EXCHANGE_DOWN', maybeSent: true };
    return { code: call === 'read' ? 'EXCHANGE_BAD_RESPONSE' : 'EXCHANGE_INVALID_ORDER', maybeSent: false };
  }
  // Not a ccxt error: something broke while sending or parsing, so the request may have gone out.
  return { code: 'EXCHANGE_BAD_RESPONSE', maybeSent: true };
}

/**
 * Converts whatever a ccxt call threw into an {@link ExchangeError} (see the module header for the table).
 * The message names the exchange and operation and has the credentials scrubbed; the cause is a scrubbed
 * copy of the original, so logging it cannot leak a secret either.
 */
export function fromCcxtError(err: unknown, ctx: ErrorContext): ExchangeError {
  if (err instanceof ExchangeError) return err;
  const { code: base, maybeSent } = classify(err, ctx.call, ctx.classes);
  const code: ExchangeErrorCode = ctx.call === 'place' && maybeSent ? 'EXCHANGE_UNKNOWN_OUTCOME' : base;
  const detail = scrubSecrets(messageOf(err), ctx.secrets).slice(0, MAX_MESSAGE);
  const name = nameOf(err);
  const cause = new Error(detail);
  cause.name = name;
  const lead =
    code === 'EXCHANGE_UNKNOWN_OUTCOME'
      ? `${ctx.exchange} ${ctx.what}: outcome unknown (the order may have been placed; look it up by client order id)`
      : `${ctx.exchange} ${ctx.what}`;
  return new ExchangeError(code, `${lead}: ${name}: ${detail}`, { cause });
}
