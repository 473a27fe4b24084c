/**
 * The paper exchange's side of the newer port methods: free collateral (spot cash; margin equity minus used
 * margin) and its own fills as trades (a liquidation marked as one); it places no stops.
 */
import { describe, expect, it } from 'vitest';
import { PaperExchange } from '../actors/exchanges/paper.js';
import type { ExchangePort } from '../actors/exchanges/port.js';
import { EXCHANGE_PROFILES, fillModel, marginTerms } from '../core/index.js';

function paper(mode: 'spot' | 'margin', price: { value: number }, now: { value: number }) {
  return new PaperExchange({
    pair: 'LTC-USD',
    mode,
    maxLeverage: mode === 'margin' ? 3 : 1,
    startingBalance: 10_000,
    fill: fillModel(EXCHANGE_PROFILES.kraken),
    margin: marginTerms(),
    referencePrice: () => price.value,
    now: () => now.value,
  });
}

describe('paper exchange: free collateral, trades, no stops', () => {
  it('spot: the free quote cash after a buy', async () => {
    const price = { value: 100 };
    const ex = paper('spot', price, { value: 1_000 });
    expect(await ex.fetchFreeCollateral('LTC-USD')).toBe(10_000);
    const o = await ex.placeOrder({
      clientOrderId: 'b1',
      pair: 'LTC-USD',
      side: 'buy',
      type: 'market',
      amount: 10,
    });
    const free = await ex.fetchFreeCollateral('LTC-USD');
    expect(free).toBeCloseTo(10_000 - o.filled * o.average! - o.fee, 8);
    expect(free).toBeCloseTo((await ex.fetchBalances())['USD']!.free, 8);
    expect((ex as ExchangePort).placeStopOrder).toBeUndefined();
  });

  it('margin: equity minus the margin the position uses, at the reference price', async () => {
    const price = { value: 100 };
    const ex = paper('margin', price, { value: 1_000 });
    const o = await ex.placeOrder({
      clientOrderId: 'm1',
      pair: 'LTC-USD',
      side: 'buy',
      type: 'market',
      amount: 30,
      leverage: 3,
    });
    price.value = 110;
    const cash = ex.account.cash;
    const pnl = 30 * (110 - o.average!);
    const used = (30 * o.average!) / 3;
    expect(await ex.fetchFreeCollateral('LTC-USD')).toBeCloseTo(cash + pnl - used, 8);
  });

  it('lists its fills at or after `since`, oldest first, and marks a liquidation', async () => {
    const price = { value: 10 };
    const now = { value: 1_000 };
    const ex = paper('margin', price, now);
    const open = await ex.placeOrder({
      clientOrderId: 'm1',
      pair: 'LTC-USD',
      side: 'buy',
      type: 'market',
      amount: 2_900,
      leverage: 3,
    });
    // A candle that crashes through the liquidation price.
    ex.onCandle({ ts: 86_400_000, open: 10, high: 10, low: 5, close: 6, volume: 1 }, 86_400_000);
    const trades = await ex.fetchMyTrades('LTC-USD', 0);
    expect(trades).toHaveLength(2);
    expect(trades[0]).toMatchObject({ orderId: open.id, side: 'buy', amount: 2_900, timestamp: 1_000 });
    expect(trades[0]?.liquidation).toBeUndefined();
    expect(trades[1]).toMatchObject({
      side: 'sell',
      amount: 2_900,
      liquidation: true,
      timestamp: 86_400_000,
    });
    expect(await ex.fetchMyTrades('LTC-USD', 1_001)).toHaveLength(1);
    expect(await ex.fetchMyTrades('XRP-USD', 0)).toEqual([]);
  });
});
