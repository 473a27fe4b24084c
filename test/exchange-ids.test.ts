/**
 * Client order ids: deterministic, short, unambiguous, and in the shapes Kraken accepts (`cl_ord_id` UUID,
 * 31-bit `userref`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientOrderId, krakenClOrdId, userrefFor } from '../actors/exchanges/client-order-id.js';
import { orderRequestSchema } from '../actors/exchanges/port.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const input = fc.record({
  bot: fc.string({ minLength: 1, maxLength: 40 }),
  decisionTs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  action: fc.string({ minLength: 1, maxLength: 30 }),
});

describe('clientOrderId', () => {
  it('reads db-<bot>-<decisionTs base 36>-<action>', () => {
    expect(clientOrderId({ bot: 'kraken', decisionTs: 1_700_000_000_000, action: 'entry' })).toBe(
      `db-kraken-${(1_700_000_000_000).toString(36)}-entry`,
    );
  });

  it('is deterministic, at most 44 characters, four dash-separated safe fields, valid for the port', () => {
    fc.assert(
      fc.property(input, (i) => {
        const id = clientOrderId(i);
        expect(clientOrderId({ ...i })).toBe(id);
        expect(id.length).toBeLessThanOrEqual(44);
        expect(id).toMatch(/^db-[a-z0-9_.]+-[0-9a-z]+-[a-z0-9_.]+$/);
        expect(id.split('-')).toHaveLength(4);
        expect(orderRequestSchema.shape.clientOrderId.safeParse(id).success).toBe(true);
      }),
    );
  });

  it('gives different decisions different ids, even when names only differ in case or punctuation', () => {
    fc.assert(
      fc.property(input, input, (a, b) => {
        const same = a.bot === b.bot && a.decisionTs === b.decisionTs && a.action === b.action;
        fc.pre(!same);
        expect(clientOrderId(a)).not.toBe(clientOrderId(b));
      }),
      { numRuns: 500 },
    );
    const names = ['Long Only Bot', 'long only bot', 'long-only-bot', 'long_only_bot', 'kraken_bot_margin_x'];
    const ids = names.map((bot) => clientOrderId({ bot, decisionTs: 1, action: 'entry' }));
    expect(new Set(ids).size).toBe(names.length);
    // A hashed name carries a '.', which no kept name has: it cannot collide with a literal one.
    expect(ids[0]).toMatch(/^db-long_only_\.[0-9a-z]{5}-1-entry$/);
    expect(ids[3]).toBe('db-long_only_bot-1-entry');
  });

  it('rejects a negative, fractional or unsafe timestamp and empty names', () => {
    for (const decisionTs of [-1, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => clientOrderId({ bot: 'b', decisionTs, action: 'a' })).toThrow(RangeError);
    }
    expect(() => clientOrderId({ bot: '', decisionTs: 1, action: 'a' })).toThrow(RangeError);
    expect(() => clientOrderId({ bot: 'b', decisionTs: 1, action: '' })).toThrow(RangeError);
  });
});

describe('Kraken forms of the id', () => {
  it('krakenClOrdId is a stable version-4-layout UUID (Kraken: UUID or <= 18 characters of free text)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (id) => {
        const u = krakenClOrdId(id);
        expect(u).toMatch(UUID);
        expect(u).toHaveLength(36);
        expect(krakenClOrdId(id)).toBe(u);
      }),
    );
    expect(krakenClOrdId('db-a-1-entry')).not.toBe(krakenClOrdId('db-a-2-entry'));
  });

  it('userrefFor is a stable positive signed-32-bit integer', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (id) => {
        const n = userrefFor(id);
        expect(Number.isInteger(n)).toBe(true);
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(2 ** 31 - 1);
        expect(userrefFor(id)).toBe(n);
      }),
    );
    const refs = new Set(
      Array.from({ length: 2000 }, (_, i) => userrefFor(`db-bot-${i.toString(36)}-entry`)),
    );
    expect(refs.size).toBe(2000);
  });
});
