import { describe, expect, it } from 'vitest';
import {
  applyFill,
  applyLiquidation,
  balances,
  chargeMarginCost,
  createAccount,
  equity,
} from '../core/account.js';
import { CoreRangeError, InvalidFillError, isCoreError } from '../core/errors.js';
import {
  EXCHANGE_PROFILES,
  type FillModel,
  feeFor,
  fillModel,
  fillPrice,
  marketFill,
} from '../core/fill-model.js';
import {
  accrueRollover,
  checkLiquidation,
  DEFAULT_MARGIN_TERMS,
  FOUR_HOURS_MS,
  liquidationPrice,
  marginLevel,
  marginTerms,
  rolloverPeriodsDue,
} from '../core/margin.js';
import { signedQty } from '../core/position.js';
import type { Account, Fill } from '../core/types.js';

const H = 60 * 60 * 1000;
const coinbase = EXCHANGE_PROFILES.coinbase;
const kraken = EXCHANGE_PROFILES.kraken;

function fill(side: 'buy' | 'sell', qty: number, price: number, fee = 0, ts = 0, leverage?: number): Fill {
  return leverage === undefined
    ? { side, qty, price, fee, ts, reason: 'external' }
    : { side, qty, price, fee, ts, reason: 'external', leverage };
}

function ledgerHolds(a: Account): boolean {
  const expected = a.startingCash + a.realizedPnl - a.feesPaid - a.marginCostsPaid + a.lossWrittenOff;
  return Math.abs(a.cash - expected) < 1e-9 * Math.max(1, Math.abs(a.cash));
}

describe('fill model', () => {
  it('has the documented exchange profiles', () => {
    expect(coinbase).toEqual({ takerFeeBps: 60, makerFeeBps: 40, slippageBps: 5 });
    expect(kraken).toEqual({ takerFeeBps: 40, makerFeeBps: 25, slippageBps: 5 });
    expect(Object.isFrozen(EXCHANGE_PROFILES.kraken)).toBe(true);
  });

  it('slips against the trader on both sides', () => {
    expect(fillPrice('buy', 100, coinbase)).toBeCloseTo(100.05, 10);
    expect(fillPrice('sell', 100, coinbase)).toBeCloseTo(99.95, 10);
  });

  it('charges taker by default, maker on request, never negative', () => {
    expect(feeFor(1000, coinbase)).toBeCloseTo(6, 10);
    expect(feeFor(1000, coinbase, 'maker')).toBeCloseTo(4, 10);
    expect(feeFor(1000, kraken)).toBeCloseTo(4, 10);
    expect(feeFor(-1000, kraken)).toBeCloseTo(4, 10);
    expect(feeFor(1000, { takerFeeBps: -5, makerFeeBps: 0, slippageBps: 0 } as FillModel)).toBe(0);
  });

  it('rejects negative rates', () => {
    expect(() => fillModel({ takerFeeBps: -1, makerFeeBps: 0, slippageBps: 0 })).toThrow(RangeError);
    expect(() => fillModel({ takerFeeBps: 1, makerFeeBps: 0, slippageBps: Number.NaN })).toThrow(RangeError);
  });

  it('builds market fills with the slipped price and the taker fee on that price', () => {
    const f = marketFill({ side: 'buy', qty: 10, referencePrice: 100, ts: 5, reason: 'signal' }, coinbase);
    expect(f.price).toBeCloseTo(100.05, 10);
    expect(f.fee).toBeCloseTo(6.003, 10);
    expect(f.leverage).toBeUndefined();
  });
});

describe('account: applyFill', () => {
  it('books a spot long round trip with fees and slippage to the cent', () => {
    // Buy 10 at 100 on Coinbase: price 100 * 1.0005 = 100.05, fee 1000.50 * 0.6% = 6.003.
    // Sell 10 at 110: price 110 * 0.9995 = 109.945, fee 1099.45 * 0.6% = 6.5967.
    // PnL 10 * (109.945 - 100.05) = 98.95; cash 10000 - 6.003 + 98.95 - 6.5967 = 10086.3503.
    let a = createAccount(10_000);
    a = applyFill(
      a,
      marketFill({ side: 'buy', qty: 10, referencePrice: 100, ts: 0, reason: 'signal' }, coinbase),
    );
    expect(a.position.side).toBe('LONG');
    expect(a.cash).toBeCloseTo(10_000 - 6.003, 9);
    const mid = balances(a, 105);
    expect(mid.quote).toBeCloseTo(8993.497, 9); // 10000 - 6.003 - 1000.50
    expect(mid.base).toBe(10);
    expect(mid.equity).toBeCloseTo(8993.497 + 1050, 9);
    expect(equity(a, 105)).toBeCloseTo(mid.quote + mid.base * 105, 9);

    a = applyFill(
      a,
      marketFill({ side: 'sell', qty: 10, referencePrice: 110, ts: H, reason: 'signal' }, coinbase),
    );
    expect(a.position.side).toBe('NONE');
    expect(a.realizedPnl).toBeCloseTo(98.95, 9);
    expect(a.feesPaid).toBeCloseTo(12.5997, 9);
    expect(a.cash).toBeCloseTo(10_086.35, 2);
    expect(a.cash).toBeCloseTo(10_086.3503, 9);
    expect(a.tradeCount).toBe(1);
    expect(ledgerHolds(a)).toBe(true);
  });

  it('averages the entry on increases and realises pro rata on reductions', () => {
    let a = createAccount(1000);
    a = applyFill(a, fill('buy', 1, 100, 1, 10));
    a = applyFill(a, fill('buy', 3, 120, 1, 20));
    expect(a.position.qty).toBe(4);
    expect(a.position.entryPrice).toBeCloseTo(115, 12);
    expect(a.position.openedAt).toBe(10);
    a = applyFill(a, fill('sell', 1, 125, 1, 30));
    expect(a.position.qty).toBe(3);
    expect(a.position.entryPrice).toBeCloseTo(115, 12);
    expect(a.realizedPnl).toBeCloseTo(10, 12);
    expect(a.cash).toBeCloseTo(1000 - 3 + 10, 12);
    expect(ledgerHolds(a)).toBe(true);
  });

  it('flips: closes the whole position, then opens the remainder at the fill price', () => {
    let a = createAccount(1000);
    a = applyFill(a, fill('buy', 2, 100, 0, 0, 2));
    a = applyFill(a, fill('sell', 5, 90, 0.5, 7, 3));
    expect(a.realizedPnl).toBeCloseTo(-20, 12);
    expect(a.position).toMatchObject({ side: 'SHORT', qty: 3, entryPrice: 90, leverage: 3, openedAt: 7 });
    expect(a.tradeCount).toBe(2);
    expect(a.cash).toBeCloseTo(1000 - 20 - 0.5, 12);
    // A short gains when the price falls.
    expect(equity(a, 80)).toBeCloseTo(979.5 + 30, 12);
    const b = balances(a, 80);
    expect(b.base).toBe(-3);
    expect(b.quote + b.base * 80).toBeCloseTo(equity(a, 80), 9);
  });

  it('closes exactly on partial fills that sum to the position with float error', () => {
    let a = createAccount(1000);
    a = applyFill(a, fill('buy', 0.3, 100));
    a = applyFill(a, fill('sell', 0.1, 100));
    a = applyFill(a, fill('sell', 0.2, 100));
    expect(a.position.side).toBe('NONE');
    expect(signedQty(a.position)).toBe(0);
  });

  it('keeps the leverage the position was opened with on increases', () => {
    let a = createAccount(1000);
    a = applyFill(a, fill('sell', 1, 100, 0, 0, 2));
    a = applyFill(a, fill('sell', 1, 100, 0, 0, 3));
    expect(a.position.leverage).toBe(2);
  });

  it('rejects malformed fills with a stable code', () => {
    const a = createAccount(1000);
    expect(() => applyFill(a, fill('buy', 0, 100))).toThrow(InvalidFillError);
    expect(() => applyFill(a, fill('buy', 1, -1))).toThrow(InvalidFillError);
    expect(() => applyFill(a, fill('buy', 1, 100, -0.01))).toThrow(InvalidFillError);
    expect(() => applyFill(a, fill('buy', 1, 100, 0, 0, 0.5))).toThrow(InvalidFillError);
    try {
      applyFill(a, fill('buy', 1, 100, -1));
    } catch (e) {
      expect(isCoreError(e) && e.code).toBe('INVALID_FILL');
    }
    expect(() => createAccount(-1)).toThrow(CoreRangeError);
  });

  it('charges margin costs from cash and refuses negative ones', () => {
    const a = chargeMarginCost(createAccount(100), 2.5);
    expect(a.cash).toBe(97.5);
    expect(a.marginCostsPaid).toBe(2.5);
    expect(chargeMarginCost(a, 0)).toBe(a);
    expect(() => chargeMarginCost(a, -1)).toThrow(RangeError);
  });
});

describe('margin', () => {
  it('has Kraken defaults and validates overrides', () => {
    expect(DEFAULT_MARGIN_TERMS).toEqual({
      openingFeeBps: 2,
      rolloverBps: 2,
      rolloverPeriodMs: 4 * H,
      liquidationMarginLevel: 0.4,
    });
    expect(marginTerms({ rolloverBps: 1 }).rolloverBps).toBe(1);
    expect(() => marginTerms({ liquidationMarginLevel: 1.2 })).toThrow(RangeError);
    expect(() => marginTerms({ rolloverPeriodMs: 0 })).toThrow(RangeError);
  });

  it('counts rollover boundaries from the open time', () => {
    const a = applyFill(createAccount(10_000), fill('buy', 10, 100, 0, 1000, 2));
    const p = a.position;
    expect(rolloverPeriodsDue(p, 1000 + 4 * H - 1, DEFAULT_MARGIN_TERMS)).toBe(0);
    expect(rolloverPeriodsDue(p, 1000 + 4 * H, DEFAULT_MARGIN_TERMS)).toBe(1);
    expect(rolloverPeriodsDue(p, 1000 + 12 * H, DEFAULT_MARGIN_TERMS)).toBe(3);
    // 3 boundaries on a 1000 notional at 2 bps = 0.60, charged once.
    const b = accrueRollover(a, 1000 + 13 * H, DEFAULT_MARGIN_TERMS);
    expect(b.marginCostsPaid).toBeCloseTo(0.6, 12);
    expect(b.position.lastRolloverAt).toBe(1000 + 12 * H);
    expect(accrueRollover(b, 1000 + 15 * H, DEFAULT_MARGIN_TERMS)).toBe(b);
    expect(accrueRollover(b, 1000 + 16 * H, DEFAULT_MARGIN_TERMS).marginCostsPaid).toBeCloseTo(0.8, 12);
    expect(FOUR_HOURS_MS).toBe(4 * H);
  });

  it('computes the liquidation price from the margin level', () => {
    // Long 300 @ 100 at 3x on 10000: used margin 10000; 10000 + 300 (P - 100) = 0.4 * 10000 -> P = 80.
    const long = applyFill(createAccount(10_000), fill('buy', 300, 100, 0, 0, 3));
    expect(liquidationPrice(long.position, long.cash, DEFAULT_MARGIN_TERMS)).toBeCloseTo(80, 9);
    expect(marginLevel(long, 80)).toBeCloseTo(0.4, 12);
    expect(marginLevel(long, 100)).toBeCloseTo(1, 12);
    const short = applyFill(createAccount(10_000), fill('sell', 300, 100, 0, 0, 3));
    expect(liquidationPrice(short.position, short.cash, DEFAULT_MARGIN_TERMS)).toBeCloseTo(120, 9);
    // A 1x long on twice its notional in collateral cannot be liquidated at any positive price.
    const spotLike = applyFill(createAccount(10_000), fill('buy', 50, 100, 0, 0, 1));
    expect(liquidationPrice(spotLike.position, spotLike.cash, DEFAULT_MARGIN_TERMS)).toBeNull();
    expect(liquidationPrice(createAccount(1).position, 1, DEFAULT_MARGIN_TERMS)).toBeNull();
  });

  it('checks a candle: the low reaches the price, or the open gapped through it', () => {
    const long = applyFill(createAccount(10_000), fill('buy', 300, 100, 0, 0, 3));
    const c = { ts: 0, open: 100, high: 100, low: 60, close: 65, volume: 1 };
    expect(checkLiquidation(long, c, DEFAULT_MARGIN_TERMS)?.price).toBeCloseTo(80, 9);
    expect(checkLiquidation(long, { ...c, open: 70 }, DEFAULT_MARGIN_TERMS)?.price).toBe(70);
    expect(checkLiquidation(long, { ...c, low: 81 }, DEFAULT_MARGIN_TERMS)).toBeNull();
  });

  it('caps a liquidation loss at the collateral', () => {
    const long = applyFill(createAccount(10_000), fill('buy', 300, 100, 0, 0, 3));
    // Gap to 60: loss 300 * 40 = 12000 > 10000 collateral (+ fee 72): written off, equity 0.
    const liq = applyLiquidation(long, { ...fill('sell', 300, 60, 72), reason: 'liquidation' });
    expect(liq.cash).toBe(0);
    expect(liq.lossWrittenOff).toBeCloseTo(2072, 9);
    expect(liq.liquidations).toBe(1);
    expect(ledgerHolds(liq)).toBe(true);
    expect(() => applyLiquidation(long, fill('sell', 100, 60))).toThrow(InvalidFillError);
  });
});
