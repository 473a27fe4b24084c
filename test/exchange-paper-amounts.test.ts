import { describe, expect, it } from 'vitest';
import { ExchangeError } from '../actors/exchanges/errors.js';
import { PaperExchange } from '../actors/exchanges/paper.js';
import { EXCHANGE_PROFILES, fillModel, marginTerms } from '../core/index.js';

// Amounts of a cheap coin (tens of thousands of units): the paper venue fills at most what was asked and
// never lets a spot account sell a step more than it holds, as a real venue would refuse it.
function venue(mode: 'spot' | 'margin') {
  return new PaperExchange({
    pair: 'DOGE-USD',
    mode,
    maxLeverage: mode === 'spot' ? 1 : 3,
    startingBalance: 1_000_000,
    fill: fillModel(EXCHANGE_PROFILES.coinbase),
    margin: marginTerms(),
    referencePrice: () => 0.002,
    now: () => 1_700_000_000_000,
  });
}

describe('paper exchange amounts', () => {
  it('fills a large amount rounded down to the step, never up (was two steps up)', async () => {
    const ex = venue('spot');
    const buy = await ex.placeOrder({
      clientOrderId: 'b1',
      pair: 'DOGE-USD',
      side: 'buy',
      type: 'market',
      amount: 25383.488670130002, // what 2538348867013 steps of 1e-8 make in floating point
    });
    expect(buy.filled).toBe(25383.48867013);
    expect((await ex.fetchBalances())['DOGE']?.total).toBe(25383.48867013);
  });

  it('refuses a spot sell one step above the balance, and sells exactly the balance', async () => {
    const ex = venue('spot');
    await ex.placeOrder({
      clientOrderId: 'b1',
      pair: 'DOGE-USD',
      side: 'buy',
      type: 'market',
      amount: 25383.48867013,
    });
    const over = ex.placeOrder({
      clientOrderId: 's1',
      pair: 'DOGE-USD',
      side: 'sell',
      type: 'market',
      amount: 25383.48867014,
    });
    await expect(over).rejects.toBeInstanceOf(ExchangeError);
    await expect(over).rejects.toMatchObject({ code: 'EXCHANGE_INSUFFICIENT_FUNDS' });
    const all = await ex.placeOrder({
      clientOrderId: 's2',
      pair: 'DOGE-USD',
      side: 'sell',
      type: 'market',
      amount: 25383.48867013,
    });
    expect(all.filled).toBe(25383.48867013);
    expect((await ex.fetchBalances())['DOGE']?.total ?? 0).toBe(0);
  });

  it('refuses a reduce-only order one step larger than the margin position', async () => {
    const ex = venue('margin');
    await ex.placeOrder({
      clientOrderId: 'o1',
      pair: 'DOGE-USD',
      side: 'sell',
      type: 'market',
      amount: 25383.48867013,
      leverage: 2,
    });
    const over = ex.placeOrder({
      clientOrderId: 'c1',
      pair: 'DOGE-USD',
      side: 'buy',
      type: 'market',
      amount: 25383.48867014,
      leverage: 2,
      reduceOnly: true,
    });
    await expect(over).rejects.toThrow(/reduce-only order would not reduce the position/);
    const close = await ex.placeOrder({
      clientOrderId: 'c2',
      pair: 'DOGE-USD',
      side: 'buy',
      type: 'market',
      amount: 25383.48867013,
      leverage: 2,
      reduceOnly: true,
    });
    expect(close.filled).toBe(25383.48867013);
    expect(await ex.fetchPositions('DOGE-USD')).toEqual([]);
  });
});
