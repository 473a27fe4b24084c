/**
 * Arithmetic on a single position. Kept apart from the account so the margin and risk modules can reason
 * about a position without an account.
 */
import type { Position, Side } from './types.js';

/** The flat position (side `NONE`, qty 0). Shared: positions are immutable. */
export const FLAT_POSITION: Position = Object.freeze({
  side: 'NONE',
  qty: 0,
  entryPrice: 0,
  leverage: 1,
  openedAt: 0,
  lastRolloverAt: 0,
});

/** Tells whether a position is flat. */
export function isFlat(position: Position): boolean {
  return position.side === 'NONE';
}

/** Returns +1 for a long, -1 for a short and 0 when flat. */
export function direction(side: Side): 1 | -1 | 0 {
  return side === 'LONG' ? 1 : side === 'SHORT' ? -1 : 0;
}

/** Returns the quantity with the position's sign (+ long, - short, 0 flat). */
export function signedQty(position: Position): number {
  return direction(position.side) * position.qty;
}

/** Returns the position's notional at its average entry price (the basis of margin and rollover costs). */
export function entryNotional(position: Position): number {
  return position.qty * position.entryPrice;
}

/**
 * Returns the position's unrealised PnL at a mark price. In the account's model this is the position's
 * contribution to equity (its "position value").
 */
export function unrealizedPnl(position: Position, markPrice: number): number {
  return pnlAt(direction(position.side), position.qty, position.entryPrice, markPrice);
}

/**
 * Unrealised PnL from scalars, `dir` being `direction(side)` (0 when flat): the one formula behind
 * `unrealizedPnl` and `equity`, callable from a hot loop that keeps the position in locals.
 */
export function pnlAt(dir: number, qty: number, entryPrice: number, markPrice: number): number {
  return dir === 0 ? 0 : dir * qty * (markPrice - entryPrice);
}

/** Returns the collateral a margin position ties up: entry notional / leverage. */
export function usedMargin(position: Position): number {
  return position.side === 'NONE' ? 0 : (position.qty * position.entryPrice) / position.leverage;
}

/** A copy of `p` with `changes` applied, written out field by field (see `amendAccount` for why). */
export function amendPosition(p: Position, c: Partial<Position>): Position {
  return {
    side: c.side ?? p.side,
    qty: c.qty ?? p.qty,
    entryPrice: c.entryPrice ?? p.entryPrice,
    leverage: c.leverage ?? p.leverage,
    openedAt: c.openedAt ?? p.openedAt,
    lastRolloverAt: c.lastRolloverAt ?? p.lastRolloverAt,
  };
}
