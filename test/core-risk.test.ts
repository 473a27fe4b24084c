import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { applyFill, balances, createAccount } from '../core/account.js';
import { CoreRangeError } from '../core/errors.js';
import { EXCHANGE_PROFILES, marketFill } from '../core/fill-model.js';
import {
  checkStopTakeProfit,
  drawdown,
  effectiveTarget,
  entryQuantity,
  floorToStep,
  HARD_MAX_LEVERAGE,
  type RiskConfig,
  resume,
  updateDrawdown,
  validateRiskConfig,
} from '../core/risk.js';
import type { Position } from '../core/types.js';

const coinbase = EXCHANGE_PROFILES.coinbase;
const kraken = EXCHANGE_PROFILES.kraken;

const spot: RiskConfig = {
  mode: 'spot',
  allowShort: false,
  maxLeverage: 1,
  leverage: 1,
  sizing: { kind: 'equity_fraction' },
};
const margin: RiskConfig = {
  mode: 'margin',
  allowShort: true,
  maxLeverage: 3,
  leverage: 3,
  sizing: { kind: 'fixed_usd', tradeAmountUsd: 1000, maxPositionPct: 0.25 },
};

function position(side: 'LONG' | 'SHORT', entryPrice: number): Position {
  return { side, qty: 1, entryPrice, leverage: 1, openedAt: 0, lastRolloverAt: 0 };
}

describe('risk config', () => {
  it('accepts valid configs', () => {
    expect(validateRiskConfig(spot)).toBe(spot);
    expect(validateRiskConfig(margin)).toBe(margin);
    expect(HARD_MAX_LEVERAGE).toBe(3);
  });

  it('throws RangeError above the leverage cap instead of clamping', () => {
    expect(() => validateRiskConfig({ ...margin, maxLeverage: 5, leverage: 3 })).toThrow(RangeError);
    expect(() => validateRiskConfig({ ...margin, maxLeverage: 2, leverage: 3 })).toThrow(RangeError);
    expect(() => validateRiskConfig({ ...margin, leverage: 0.5 })).toThrow(RangeError);
    expect(() => entryQuantity(1000, 100, { ...margin, maxLeverage: 3.5, leverage: 3.5 }, kraken)).toThrow(
      CoreRangeError,
    );
  });

  it('refuses leverage or shorts on spot', () => {
    expect(() => validateRiskConfig({ ...spot, maxLeverage: 2, leverage: 2 })).toThrow(RangeError);
    expect(() => validateRiskConfig({ ...spot, allowShort: true })).toThrow(RangeError);
  });

  it('refuses out-of-range stops, drawdown and sizing', () => {
    expect(() => validateRiskConfig({ ...spot, stopLoss: 0 })).toThrow(RangeError);
    expect(() => validateRiskConfig({ ...spot, stopLoss: 1 })).toThrow(RangeError);
    expect(() => validateRiskConfig({ ...spot, takeProfit: -0.1 })).toThrow(RangeError);
    expect(() => validateRiskConfig({ ...spot, maxDrawdown: 1.5 })).toThrow(RangeError);
    expect(() =>
      validateRiskConfig({ ...spot, sizing: { kind: 'fixed_usd', tradeAmountUsd: 100, maxPositionPct: 25 } }),
    ).toThrow(RangeError);
    expect(() => validateRiskConfig({ ...spot, sizing: { kind: 'equity_fraction', fraction: 0 } })).toThrow(
      RangeError,
    );
  });
});

describe('effectiveTarget', () => {
  it('turns SHORT into FLAT when shorts are not allowed', () => {
    expect(effectiveTarget('SHORT', spot)).toBe('FLAT');
    expect(effectiveTarget('SHORT', { ...margin, allowShort: false })).toBe('FLAT');
    expect(effectiveTarget('SHORT', margin)).toBe('SHORT');
    expect(effectiveTarget('LONG', spot)).toBe('LONG');
    expect(effectiveTarget('FLAT', margin)).toBe('FLAT');
  });
});

describe('entryQuantity', () => {
  it('fixed_usd: collateral is the trade amount capped at maxPositionPct of equity, times leverage', () => {
    // min(1000, 0.25 * 10000) = 1000 collateral, 3000 notional at 3x -> 30 @ 100.
    expect(entryQuantity(10_000, 100, margin, kraken)).toBeCloseTo(30, 12);
    // min(1000, 0.25 * 2000) = 500 collateral, 1500 notional -> 15 @ 100.
    expect(entryQuantity(2000, 100, margin, kraken)).toBeCloseTo(15, 12);
  });

  it('equity_fraction: notional = equity * fraction * leverage', () => {
    const cfg: RiskConfig = { ...margin, leverage: 2, sizing: { kind: 'equity_fraction', fraction: 0.5 } };
    // 10000 * 0.5 * 2 = 10000 notional -> 100 @ 100.
    expect(entryQuantity(10_000, 100, cfg, kraken)).toBeCloseTo(100, 12);
  });

  it('spot: never spends more than the cash, fee included', () => {
    const qty = entryQuantity(10_000, 100.05, spot, coinbase);
    expect(qty * 100.05 * 1.006).toBeLessThanOrEqual(10_000);
    expect(qty * 100.05 * 1.006).toBeGreaterThan(10_000 - 1e-6);
    // Booked through the account, the quote balance stays >= 0 exactly.
    const a = applyFill(
      createAccount(10_000),
      marketFill({ side: 'buy', qty, referencePrice: 100, ts: 0, reason: 'signal' }, coinbase),
    );
    expect(balances(a, 100).quote).toBeGreaterThanOrEqual(0);
    // A fixed amount below the cash is not affected by the cap.
    const fixed: RiskConfig = {
      ...spot,
      sizing: { kind: 'fixed_usd', tradeAmountUsd: 1000, maxPositionPct: 1 },
    };
    expect(entryQuantity(10_000, 100, fixed, coinbase)).toBeCloseTo(10, 12);
  });

  it('spot: ends, and never overspends, even on balances of a few subnormals', () => {
    // A fee-drained backtest reaches these; the shrink loop used to spin forever at 1e-310.
    for (const eq of [1e-300, 1e-310, 5e-320, 5e-324, 1e300]) {
      for (const price of [1e-9, 100.05, 1e12]) {
        const qty = entryQuantity(eq, price, spot, coinbase);
        expect(qty).toBeGreaterThanOrEqual(0);
        expect(eq - (qty * price * coinbase.takerFeeBps) / 10_000 - qty * price).toBeGreaterThanOrEqual(0);
      }
    }
  });

  // Over every positive double (fc.double reaches subnormals and huge values, which a backtest that drains or
  // compounds its balance can too): the sizing ends, and a spot entry never books a negative quote balance.
  fcTest.prop(
    [
      fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }),
      fc.double({ min: 1e-12, max: 1e12, noNaN: true }),
      fc.constantFrom(coinbase, kraken),
    ],
    { numRuns: 500 },
  )('spot sizing ends and fits the balance for any positive equity', (eq, price, model) => {
    const qty = entryQuantity(eq, price, spot, model);
    expect(Number.isFinite(qty) && qty >= 0).toBe(true);
    expect(eq - (qty * price * model.takerFeeBps) / 10_000 - qty * price).toBeGreaterThanOrEqual(0);
  });

  it('returns 0 without equity or for an infinite size, and throws on a bad price', () => {
    expect(entryQuantity(0, 100, spot, coinbase)).toBe(0);
    expect(entryQuantity(1e300, 1e-10, spot, coinbase)).toBe(0);
    expect(entryQuantity(-5, 100, margin, kraken)).toBe(0);
    expect(() => entryQuantity(100, 0, spot, coinbase)).toThrow(RangeError);
  });
});

describe('checkStopTakeProfit', () => {
  const cfg = { stopLoss: 0.05, takeProfit: 0.05 };
  const long = position('LONG', 100);
  const short = position('SHORT', 100);

  it('returns null inside the levels and when flat', () => {
    expect(checkStopTakeProfit(long, { open: 100, high: 104, low: 96 }, cfg)).toBeNull();
    expect(
      checkStopTakeProfit({ ...long, side: 'NONE', qty: 0 }, { open: 100, high: 200, low: 1 }, cfg),
    ).toBeNull();
    expect(checkStopTakeProfit(long, { open: 100, high: 200, low: 1 }, {})).toBeNull();
  });

  it('exits a long at the stop or the take-profit level', () => {
    expect(checkStopTakeProfit(long, { open: 100, high: 101, low: 94 }, cfg)).toEqual({
      price: 95,
      reason: 'stop_loss',
    });
    expect(checkStopTakeProfit(long, { open: 100, high: 106, low: 99 }, cfg)).toEqual({
      price: 105,
      reason: 'take_profit',
    });
  });

  it('lets the stop win when both levels are touched in one candle', () => {
    expect(checkStopTakeProfit(long, { open: 100, high: 106, low: 94 }, cfg)).toEqual({
      price: 95,
      reason: 'stop_loss',
    });
    expect(checkStopTakeProfit(short, { open: 100, high: 106, low: 94 }, cfg)).toEqual({
      price: 105,
      reason: 'stop_loss',
    });
  });

  it('fills at the open when the candle gapped through a level', () => {
    expect(checkStopTakeProfit(long, { open: 90, high: 92, low: 85 }, cfg)).toEqual({
      price: 90,
      reason: 'stop_loss',
    });
    expect(checkStopTakeProfit(short, { open: 110, high: 111, low: 104 }, cfg)).toEqual({
      price: 110,
      reason: 'stop_loss',
    });
    // The open is the first trade of the candle: a gap through the take-profit fills it even if the low
    // later reaches the stop.
    expect(checkStopTakeProfit(long, { open: 110, high: 111, low: 94 }, cfg)).toEqual({
      price: 110,
      reason: 'take_profit',
    });
  });
});

describe('drawdown halt', () => {
  const cfg = { maxDrawdown: 0.2 };

  it('tracks the peak and halts at the threshold', () => {
    let a = createAccount(1000);
    a = updateDrawdown(a, 1200, cfg);
    expect(a.equityPeak).toBe(1200);
    expect(a.halted).toBeNull();
    const same = updateDrawdown(a, 1100, cfg);
    expect(same).toBe(a);
    expect(drawdown(a, 1000)).toBeCloseTo(1 / 6, 12);
    a = updateDrawdown(a, 960, cfg); // (1200 - 960) / 1200 = 0.2 exactly
    expect(a.halted).toBe('max_drawdown');
    // Stays halted on a recovery; only resume lifts it, resetting the peak.
    a = updateDrawdown(a, 1300, cfg);
    expect(a.halted).toBe('max_drawdown');
    a = resume(a, 900);
    expect(a.halted).toBeNull();
    expect(a.equityPeak).toBe(900);
    expect(updateDrawdown(a, 850, cfg).halted).toBeNull();
  });

  it('never halts without maxDrawdown', () => {
    expect(updateDrawdown(createAccount(1000), 1, {}).halted).toBeNull();
  });
});

describe('floorToStep', () => {
  it('keeps an exact multiple of the step whole and never rounds a large amount up', () => {
    expect(floorToStep(13.08466761, 1e-8)).toBeCloseTo(13.08466761, 12);
    expect(Number(floorToStep(13.08466761, 1e-8).toFixed(8))).toBe(13.08466761);
    // The regression: the old relative nudge (1e-12) made this 25383.48867015, two steps above the order.
    expect(Number(floorToStep(25383.488670130002, 1e-8).toFixed(8))).toBe(25383.48867013);
    expect(floorToStep(0.5e-8, 1e-8)).toBe(0);
    // On the decimal grid exactly, as the venue writes it (no 15.728794820000001).
    expect(floorToStep(15.72879482, 1e-8)).toBe(15.72879482);
    expect(floorToStep(1.23456, 0.0005)).toBe(1.2345);
    expect(floorToStep(7.9, 2.5e-7)).toBe(7.9);
    expect(floorToStep(1234.9, 1)).toBe(1234);
    expect(floorToStep(0.7 + 0.1, 1e-8)).toBe(0.8);
  });

  fcTest.prop(
    [
      fc.integer({ min: 1, max: 2 ** 50 }),
      fc.double({ min: 0, max: 0.999_999, noNaN: true }),
      fc.constantFrom(1e-8, 1e-6, 0.001, 0.01, 1),
    ],
    { numRuns: 2000 },
  )('rounds down to the step: at most the amount, less than one step below it', (whole, frac, step) => {
    const amount = (whole + frac) * step;
    const steps = Math.round(floorToStep(amount, step) / step);
    // Exact in steps: never above what was asked (up to the float error of `amount` itself), never a whole
    // step below it.
    expect(steps).toBeLessThanOrEqual(Math.floor((whole + frac) * (1 + 1e-15)));
    expect(steps).toBeGreaterThanOrEqual(whole);
  });
});
