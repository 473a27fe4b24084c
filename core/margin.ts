/**
 * Kraken-style margin costs and liquidation, as configurable rates.
 *
 * Costs:
 * - Opening fee: `openingFeeBps` of the notional opened, charged once when the position opens (on top of the
 *   trading fee).
 * - Rollover: `rolloverBps` of the position's entry notional, charged at every rollover boundary
 *   `openedAt + k * rolloverPeriodMs` (k >= 1) reached while the position is open, i.e. once per elapsed full
 *   period counted from the open time (Kraken charges every 4 hours after opening). A position held less than
 *   one period pays no rollover. `accrueRollover(account, now)` charges the boundaries in
 *   `(lastRolloverAt, now]`; the caller chooses `now` (the broker simulation uses bar timestamps, see
 *   `core/broker-sim.ts`).
 *
 * Liquidation: the margin level is `equity / usedMargin` with `usedMargin = entryNotional / leverage` and
 * equity the account's (one bot, one instrument, so the account's collateral backs this position only). The
 * position is liquidated when the margin level falls to `liquidationMarginLevel`; the price where that
 * happens is `liquidationPrice`. A candle liquidates a long when its low reaches that price (a short: its
 * high); the fill is at the liquidation price, or at the open when the market gapped through it. The loss is
 * capped at the collateral by `applyLiquidation` in `core/account.ts`.
 */

import { amendAccount, applyLiquidation, chargeMarginCost } from './account.js';
import type { Candle } from './candles.js';
import { CoreRangeError } from './errors.js';
import { type FillModel, feeFor } from './fill-model.js';
import { amendPosition, direction, entryNotional, unrealizedPnl, usedMargin } from './position.js';
import type { Account, Fill, Position } from './types.js';

/** Margin cost rates and the liquidation threshold. */
export interface MarginTerms {
  /** Fee on the notional opened, in bps. */
  readonly openingFeeBps: number;
  /** Fee on the entry notional per rollover period, in bps. */
  readonly rolloverBps: number;
  readonly rolloverPeriodMs: number;
  /** Margin level (equity / used margin) at or below which the position is liquidated, e.g. 0.40. */
  readonly liquidationMarginLevel: number;
}

/** Four hours in milliseconds: Kraken's rollover period. */
export const FOUR_HOURS_MS = 4 * 60 * 60 * 1000;

/** Kraken's published margin terms: 0.02% opening fee, 0.02% per 4h rollover, liquidation at 40%. */
export const DEFAULT_MARGIN_TERMS: MarginTerms = Object.freeze({
  openingFeeBps: 2,
  rolloverBps: 2,
  rolloverPeriodMs: FOUR_HOURS_MS,
  liquidationMarginLevel: 0.4,
});

/**
 * Returns validated margin terms, the defaults overridden by `overrides`.
 *
 * @throws CoreRangeError (a `RangeError`) on a negative fee, a non-positive period, or a liquidation level
 *   outside (0, 1).
 */
export function marginTerms(overrides: Partial<MarginTerms> = {}): MarginTerms {
  const t = { ...DEFAULT_MARGIN_TERMS, ...overrides };
  const bad = (what: string, v: number): never => {
    throw new CoreRangeError('CONFIG_OUT_OF_RANGE', `margin terms: ${what}, got ${v}`);
  };
  if (!(Number.isFinite(t.openingFeeBps) && t.openingFeeBps >= 0))
    bad('openingFeeBps must be >= 0', t.openingFeeBps);
  if (!(Number.isFinite(t.rolloverBps) && t.rolloverBps >= 0)) bad('rolloverBps must be >= 0', t.rolloverBps);
  if (!(Number.isFinite(t.rolloverPeriodMs) && t.rolloverPeriodMs > 0)) {
    bad('rolloverPeriodMs must be > 0', t.rolloverPeriodMs);
  }
  if (!(t.liquidationMarginLevel > 0 && t.liquidationMarginLevel < 1)) {
    bad('liquidationMarginLevel must be in (0, 1)', t.liquidationMarginLevel);
  }
  // A fresh literal, frozen: a frozen spread copy would get a map of its own on every call (see `fillModel`).
  return Object.freeze({
    openingFeeBps: t.openingFeeBps,
    rolloverBps: t.rolloverBps,
    rolloverPeriodMs: t.rolloverPeriodMs,
    liquidationMarginLevel: t.liquidationMarginLevel,
  });
}

/** Returns the opening fee on a notional. */
export function openingFee(notional: number, terms: MarginTerms): number {
  return (Math.abs(notional) * terms.openingFeeBps) / 10_000;
}

/** Charges the opening fee on `notional` to the account's margin costs. */
export function chargeOpeningFee(account: Account, notional: number, terms: MarginTerms): Account {
  return chargeMarginCost(account, openingFee(notional, terms));
}

/** Returns how many rollover boundaries lie in `(position.lastRolloverAt, now]`; 0 when flat. */
export function rolloverPeriodsDue(position: Position, now: number, terms: MarginTerms): number {
  if (position.side === 'NONE' || !(now > position.lastRolloverAt)) return 0;
  return Math.floor((now - position.lastRolloverAt) / terms.rolloverPeriodMs);
}

/**
 * Charges rollover for every boundary reached up to `now` and advances `lastRolloverAt`; returns the same
 * account when none is due. Charged on the entry notional, so the cost does not depend on the mark price.
 */
export function accrueRollover(account: Account, now: number, terms: MarginTerms): Account {
  const pos = account.position;
  const n = rolloverPeriodsDue(pos, now, terms);
  if (n === 0) return account;
  const cost = (n * entryNotional(pos) * terms.rolloverBps) / 10_000;
  const charged = chargeMarginCost(account, cost);
  return amendAccount(charged, {
    position: amendPosition(pos, { lastRolloverAt: pos.lastRolloverAt + n * terms.rolloverPeriodMs }),
  });
}

/** Returns the margin level `equity / usedMargin` at a mark price; `Infinity` when flat. */
export function marginLevel(account: Account, markPrice: number): number {
  const pos = account.position;
  if (pos.side === 'NONE') return Number.POSITIVE_INFINITY;
  return (account.cash + unrealizedPnl(pos, markPrice)) / usedMargin(pos);
}

/**
 * Returns the mark price at which the margin level falls to the liquidation level, given the account's
 * cash (collateral); `null` when flat or when no positive price can liquidate (a long whose collateral
 * covers a fall to zero).
 *
 * Solves `cash + dir * qty * (P - entry) = level * qty * entry / leverage` for P.
 */
export function liquidationPrice(position: Position, cash: number, terms: MarginTerms): number | null {
  if (position.side === 'NONE' || position.qty === 0) return null;
  const dir = direction(position.side);
  const required = (terms.liquidationMarginLevel * position.qty * position.entryPrice) / position.leverage;
  const p = position.entryPrice + (dir * (required - cash)) / position.qty;
  return p > 0 ? p : null;
}

/**
 * Returns where a candle's open/high/low liquidate a position at the given liquidation price, or NaN when
 * they do not. Scalar so the backtest loop can call it without building a candle object.
 */
export function liquidationFillPriceScalar(
  dir: number,
  liqPrice: number,
  open: number,
  high: number,
  low: number,
): number {
  if (dir > 0) {
    if (open <= liqPrice) return open;
    if (low <= liqPrice) return liqPrice;
  } else if (dir < 0) {
    if (open >= liqPrice) return open;
    if (high >= liqPrice) return liqPrice;
  }
  return Number.NaN;
}

/** A liquidation triggered by a candle. */
export interface LiquidationHit {
  /** Where the position is closed: the liquidation price, or the open if the candle gapped through it. */
  readonly price: number;
  readonly liquidationPrice: number;
}

/**
 * Checks a candle against the account's liquidation price: a long is liquidated when the low reaches it, a
 * short when the high does. Returns null when the position survives the candle.
 */
export function checkLiquidation(
  account: Account,
  candle: Candle,
  terms: MarginTerms,
): LiquidationHit | null {
  const pos = account.position;
  const liq = liquidationPrice(pos, account.cash, terms);
  if (liq === null) return null;
  const price = liquidationFillPriceScalar(direction(pos.side), liq, candle.open, candle.high, candle.low);
  return Number.isNaN(price) ? null : { price, liquidationPrice: liq };
}

/**
 * Builds the fill closing a position by liquidation at `price`. The exchange closes at the level, so no
 * slippage is applied; the taker fee is charged.
 */
export function liquidationFill(position: Position, price: number, ts: number, model: FillModel): Fill {
  return {
    side: position.side === 'LONG' ? 'sell' : 'buy',
    qty: position.qty,
    price,
    fee: feeFor(position.qty * price, model, 'taker'),
    ts,
    reason: 'liquidation',
  };
}

/** Liquidates the account's position at `price` (fill, fee, loss capped at the collateral). */
export function liquidate(account: Account, price: number, ts: number, model: FillModel): Account {
  return applyLiquidation(account, liquidationFill(account.position, price, ts, model));
}
