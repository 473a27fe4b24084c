/**
 * The account of one bot on one instrument, as an immutable value: every function returns a new account (or
 * the same object when nothing changed, which the backtest loop relies on to stay allocation-light).
 *
 * Accounting model (one model for spot and margin, margin-style):
 *
 * - `cash` is the realised collateral in quote currency. Opening or increasing a position does not move it;
 *   only realised events do: a reduction or close books its PnL, every fill's fee is deducted (fees are
 *   always paid in quote), margin opening fees and rollover are deducted, a liquidation write-off is added.
 * - The position contributes its unrealised PnL, `sign * qty * (mark - entryPrice)`: that is the "position
 *   value" of `equity = cash + position value`.
 * - Spot is the special case leverage 1, long only. Buying moves quote into the asset: the spot quote balance
 *   is `cash - qty * entryPrice` and the base balance is `qty`, so `equity = quote + base * mark`, the usual
 *   spot valuation. `balances()` generalises this to net balances `quote = cash - signedQty * entryPrice`,
 *   `base = signedQty`, which also holds for margin (a leveraged long has a negative quote balance, i.e.
 *   borrowed quote; a short has a negative base balance, i.e. borrowed base).
 * - Ledger identity, true after every operation:
 *   `cash = startingCash + realizedPnl - feesPaid - marginCostsPaid + lossWrittenOff`.
 *
 * The account does not enforce risk limits (those live in `core/risk.ts`): live exchanges send fills the bot
 * must book even when they are odd, so `applyFill` books any well-formed fill.
 */
import { CoreRangeError, InvalidFillError } from './errors.js';
import { amendPosition, direction, FLAT_POSITION, pnlAt, signedQty } from './position.js';
import type { Account, Fill, Position } from './types.js';

/**
 * Relative tolerance under which a reducing fill is treated as closing exactly. Exchange partial fills are
 * decimal strings parsed into doubles, so 0.1 + 0.2 must close a 0.3 position instead of flipping it into a
 * 5e-17 short.
 */
export const DUST_RELATIVE = 1e-9;

/** Creates an account holding `startingCash` quote currency and no position. */
export function createAccount(startingCash: number): Account {
  if (!Number.isFinite(startingCash) || startingCash < 0) {
    throw new CoreRangeError(
      'ARGUMENT_OUT_OF_RANGE',
      `starting cash must be finite and >= 0, got ${startingCash}`,
    );
  }
  return {
    startingCash,
    cash: startingCash,
    position: FLAT_POSITION,
    realizedPnl: 0,
    feesPaid: 0,
    marginCostsPaid: 0,
    lossWrittenOff: 0,
    equityPeak: startingCash,
    halted: null,
    liquidations: 0,
    tradeCount: 0,
  };
}

/**
 * A copy of `a` with `changes` applied. Every field is written out rather than spread: in V8 (Node 20) an
 * object spread costs about 0.5 µs, some 30 times a literal, and a backtest books tens of thousands of
 * fills. Typed as a full `Account` literal, so a field added to the type must be added here too.
 */
export function amendAccount(a: Account, c: Partial<Account>): Account {
  return {
    startingCash: c.startingCash ?? a.startingCash,
    cash: c.cash ?? a.cash,
    position: c.position ?? a.position,
    realizedPnl: c.realizedPnl ?? a.realizedPnl,
    feesPaid: c.feesPaid ?? a.feesPaid,
    marginCostsPaid: c.marginCostsPaid ?? a.marginCostsPaid,
    lossWrittenOff: c.lossWrittenOff ?? a.lossWrittenOff,
    equityPeak: c.equityPeak ?? a.equityPeak,
    halted: c.halted !== undefined ? c.halted : a.halted,
    liquidations: c.liquidations ?? a.liquidations,
    tradeCount: c.tradeCount ?? a.tradeCount,
  };
}

/** Returns the account's equity at a mark price: cash plus the position's unrealised PnL. */
export function equity(account: Account, markPrice: number): number {
  const p = account.position;
  return equityAt(account.cash, direction(p.side), p.qty, p.entryPrice, markPrice);
}

/** {@link equity} from scalars (`dir` as in `pnlAt`), for hot loops that keep the account in locals. */
export function equityAt(
  cash: number,
  dir: number,
  qty: number,
  entryPrice: number,
  markPrice: number,
): number {
  return dir === 0 ? cash : cash + pnlAt(dir, qty, entryPrice, markPrice);
}

/** Net balances for display; `quote + base * mark === equity`. */
export interface Balances {
  /** Quote currency balance: spot cash not spent on the asset; negative when quote is borrowed (margin long). */
  readonly quote: number;
  /** Base asset balance: the signed position quantity; negative when base is borrowed (short). */
  readonly base: number;
  /** `base * mark`. */
  readonly baseValue: number;
  readonly equity: number;
}

/** Returns the account's net quote and base balances at a mark price (see the module header). */
export function balances(account: Account, markPrice: number): Balances {
  const p = account.position;
  const base = signedQty(p);
  const quote = account.cash - base * p.entryPrice;
  return { quote, base, baseValue: base * markPrice, equity: equity(account, markPrice) };
}

function validateFill(fill: Fill): void {
  if (!(Number.isFinite(fill.qty) && fill.qty > 0))
    throw new InvalidFillError(`fill qty must be > 0, got ${fill.qty}`);
  if (!(Number.isFinite(fill.price) && fill.price > 0)) {
    throw new InvalidFillError(`fill price must be > 0, got ${fill.price}`);
  }
  if (!(Number.isFinite(fill.fee) && fill.fee >= 0))
    throw new InvalidFillError(`fill fee must be >= 0, got ${fill.fee}`);
  if (!Number.isFinite(fill.ts)) throw new InvalidFillError(`fill ts must be finite, got ${fill.ts}`);
  if (fill.leverage !== undefined && !(Number.isFinite(fill.leverage) && fill.leverage >= 1)) {
    throw new InvalidFillError(`fill leverage must be >= 1, got ${fill.leverage}`);
  }
}

function opened(side: 'LONG' | 'SHORT', qty: number, fill: Fill): Position {
  return {
    side,
    qty,
    entryPrice: fill.price,
    leverage: fill.leverage ?? 1,
    openedAt: fill.ts,
    lastRolloverAt: fill.ts,
  };
}

/**
 * Books a fill: opens, increases (quantity-weighted average entry), reduces (realises PnL pro rata), closes,
 * or flips (closes the whole position, then opens the remainder on the other side at the fill price). The
 * whole fee is deducted from cash. So the position is always the signed sum of the fills booked, up to
 * `DUST_RELATIVE` on closes.
 *
 * @throws InvalidFillError on a non-positive qty or price, a negative fee, or a leverage below 1.
 */
export function applyFill(account: Account, fill: Fill): Account {
  validateFill(fill);
  const pos = account.position;
  const cur = signedQty(pos);
  const delta = fill.side === 'buy' ? fill.qty : -fill.qty;
  let realized = 0;
  let position: Position;
  let opens = 0;

  if (cur === 0) {
    position = opened(delta > 0 ? 'LONG' : 'SHORT', fill.qty, fill);
    opens = 1;
  } else if (cur > 0 === delta > 0) {
    const qty = pos.qty + fill.qty;
    const entryPrice = (pos.qty * pos.entryPrice + fill.qty * fill.price) / qty;
    position = amendPosition(pos, { qty, entryPrice });
  } else {
    const dir = cur > 0 ? 1 : -1;
    const remaining = pos.qty - fill.qty;
    if (Math.abs(remaining) <= pos.qty * DUST_RELATIVE) {
      realized = dir * pos.qty * (fill.price - pos.entryPrice);
      position = FLAT_POSITION;
    } else if (remaining > 0) {
      realized = dir * fill.qty * (fill.price - pos.entryPrice);
      position = amendPosition(pos, { qty: remaining });
    } else {
      realized = dir * pos.qty * (fill.price - pos.entryPrice);
      position = opened(dir > 0 ? 'SHORT' : 'LONG', -remaining, fill);
      opens = 1;
    }
  }

  return amendAccount(account, {
    cash: account.cash + realized - fill.fee,
    position,
    realizedPnl: account.realizedPnl + realized,
    feesPaid: account.feesPaid + fill.fee,
    tradeCount: account.tradeCount + opens,
  });
}

/**
 * Deducts a margin cost (opening fee, rollover) from cash.
 *
 * @throws CoreRangeError when the amount is negative or not finite.
 */
export function chargeMarginCost(account: Account, amount: number): Account {
  if (!(Number.isFinite(amount) && amount >= 0)) {
    throw new CoreRangeError('ARGUMENT_OUT_OF_RANGE', `margin cost must be finite and >= 0, got ${amount}`);
  }
  if (amount === 0) return account;
  return amendAccount(account, {
    cash: account.cash - amount,
    marginCostsPaid: account.marginCostsPaid + amount,
  });
}

/**
 * Books a liquidation fill, which must close the whole position. The loss is capped at the collateral: if
 * the fill (a gap through the liquidation price) and its fee leave cash below zero, cash is set to zero and
 * the shortfall is recorded in `lossWrittenOff`, as the exchange absorbs it (Kraken does not pursue negative
 * balances on a margin account). So a liquidation never leaves equity below zero.
 *
 * @throws InvalidFillError when the fill does not close the position exactly.
 */
export function applyLiquidation(account: Account, fill: Fill): Account {
  const after = applyFill(account, fill);
  if (after.position.side !== 'NONE' || account.position.side === 'NONE') {
    throw new InvalidFillError('a liquidation fill must close the whole open position');
  }
  const writeOff = after.cash < 0 ? -after.cash : 0;
  return amendAccount(after, {
    cash: after.cash + writeOff,
    lossWrittenOff: after.lossWrittenOff + writeOff,
    liquidations: after.liquidations + 1,
  });
}
