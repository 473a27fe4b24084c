/**
 * Client order ids derived from the decision that caused the order, so that placing the same decision twice
 * (a retry, a restart, an unknown outcome) names the same order and the exchange adapters can find it again
 * instead of placing a second one.
 *
 * Format: `db-<bot>-<decisionTs base 36>-<action>`, at most 44 characters (Coinbase accepts far longer ids;
 * the port allows 64). A bot name or action made of `[a-z0-9_]` and short enough is kept as it is; any
 * other is shortened to a sanitized prefix plus `.` and a hash of the original. No kept name contains a
 * `.`, so a hashed form can never equal a literal name, different inputs do not collapse to one id, and the
 * four dash-separated fields stay unambiguous.
 *
 * Kraken takes a different shape: `cl_ord_id` must be a UUID or free text of at most 18 characters, and the
 * older `userref` is a signed 32-bit integer. {@link krakenClOrdId} and {@link userrefFor} derive both from
 * our id, deterministically.
 */
import { createHash } from 'node:crypto';

export interface ClientOrderIdInput {
  /** Bot name (its folder name or configured name). */
  readonly bot: string;
  /** Timestamp (ms) of the candle or event the decision was taken on. */
  readonly decisionTs: number;
  /** What the order does, e.g. `entry`, `exit`, `stop`. */
  readonly action: string;
}

const PREFIX = 'db';
const MAX_BOT = 16;
const MAX_ACTION = 12;
const HASH_CHARS = 5;
const SAFE_PART = /^[a-z0-9_]+$/;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A short base-36 digest of `text`; five characters give ~26 bits, plenty to tell two bot names apart. */
function shortHash(text: string): string {
  return sha256(text).readUInt32BE(0).toString(36).padStart(7, '0').slice(0, HASH_CHARS);
}

/** Keeps `part` when it is already safe and short; otherwise a sanitized prefix, `.` and a hash of it. */
function safePart(part: string, max: number, what: string): string {
  if (part.length === 0) throw new RangeError(`clientOrderId: ${what} must not be empty`);
  if (part.length <= max && SAFE_PART.test(part)) return part;
  const cleaned = part.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return cleaned.slice(0, max - HASH_CHARS - 1) + '.' + shortHash(part);
}

/**
 * Returns the client order id for one decision: the same inputs always give the same id.
 *
 * @throws RangeError when `decisionTs` is not a non-negative safe integer or `bot`/`action` is empty.
 */
export function clientOrderId(input: ClientOrderIdInput): string {
  const { bot, decisionTs, action } = input;
  if (!Number.isSafeInteger(decisionTs) || decisionTs < 0) {
    throw new RangeError(`clientOrderId: decisionTs must be a non-negative integer (ms), got ${decisionTs}`);
  }
  return [
    PREFIX,
    safePart(bot, MAX_BOT, 'bot'),
    decisionTs.toString(36),
    safePart(action, MAX_ACTION, 'action'),
  ].join('-');
}

/**
 * Returns a stable 31-bit positive integer for `id` (1 ... 2^31 - 1), for Kraken's `userref`, which is a
 * signed 32-bit integer where 0 means "none".
 */
export function userrefFor(id: string): number {
  const n = sha256(id).readUInt32BE(0) & 0x7fffffff;
  return (n % 0x7fffffff) + 1;
}

/**
 * Returns Kraken's `cl_ord_id` for our client order id: a UUID (version 4 layout) derived from a SHA-256 of
 * the id. Kraken accepts free text only up to 18 characters, which our ids exceed, and a UUID is accepted
 * everywhere Kraken takes `cl_ord_id` (REST, WebSocket, FIX).
 */
export function krakenClOrdId(id: string): string {
  const hex = sha256(`cl_ord_id:${id}`).toString('hex').slice(0, 32).split('');
  hex[12] = '4';
  // RFC 4122 variant: the top two bits of this nibble are 10.
  hex[16] = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
