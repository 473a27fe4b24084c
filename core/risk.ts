/**
 * Risk rules: which targets a bot may take, how large an entry is, where stops and take-profits fill, and
 * the max-drawdown halt. Shared by the backtester, the paper exchange and the live bots.
 *
 * Out-of-range settings throw (a `RangeError`); nothing is clamped silently, because a config that asks for
 * 5x and quietly trades 3x makes every result built on it wrong.
 */
import { amendAccount } from './account.js';
import { CoreRangeError } from './errors.js';
import { type FillModel, feeFor } from './fill-model.js';
import { direction } from './position.js';
import type { Account, Position, Target } from './types.js';

/** Leverage above this is refused whatever the config says (Kraken's lowest tier allows more; we do not). */
export const HARD_MAX_LEVERAGE = 3;

/** How large an entry is. */
export type Sizing =
  | {
      readonly kind: 'fixed_usd';
      /** Collateral per entry in quote currency. */
      readonly tradeAmountUsd: number;
      /** Cap on the collateral as a fraction of equity at entry, in (0, 1] (0.25 = 25%). */
      readonly maxPositionPct: number;
    }
  | {
      readonly kind: 'equity_fraction';
      /** Fraction of equity used as collateral, in (0, 1]; default 1. */
      readonly fraction?: number;
    };

/** Risk settings of one bot. */
export interface RiskConfig {
  /** `spot`: leverage 1, long only, no margin costs or liquidation. `margin`: Kraken-style margin. */
  readonly mode: 'spot' | 'margin';
  readonly allowShort: boolean;
  /** Highest leverage this bot may use; at most `HARD_MAX_LEVERAGE`, exactly 1 for spot. */
  readonly maxLeverage: number;
  /** Leverage of every entry; 1 <= leverage <= maxLeverage. */
  readonly leverage: number;
  /** Stop-loss distance as a fraction of the entry price, in (0, 1) (0.05 = exit 5% against the entry). */
  readonly stopLoss?: number;
  /** Take-profit distance as a fraction of the entry price, > 0. */
  readonly takeProfit?: number;
  /** Drawdown from the equity peak that halts new entries, in (0, 1]. */
  readonly maxDrawdown?: number;
  readonly sizing: Sizing;
}

function fail(message: string): never {
  throw new CoreRangeError('CONFIG_OUT_OF_RANGE', `risk config: ${message}`);
}

/**
 * Checks a risk config and returns it unchanged.
 *
 * @throws CoreRangeError (a `RangeError`) on leverage above the cap, a spot config with leverage or shorts,
 *   or a stop, take-profit, drawdown or sizing setting outside its range.
 */
export function validateRiskConfig(cfg: RiskConfig): RiskConfig {
  if (cfg.mode !== 'spot' && cfg.mode !== 'margin') fail(`unknown mode ${String(cfg.mode)}`);
  if (!(cfg.maxLeverage >= 1 && cfg.maxLeverage <= HARD_MAX_LEVERAGE)) {
    fail(`maxLeverage must be in [1, ${HARD_MAX_LEVERAGE}], got ${cfg.maxLeverage}`);
  }
  if (!(cfg.leverage >= 1 && cfg.leverage <= cfg.maxLeverage)) {
    fail(`leverage must be in [1, maxLeverage=${cfg.maxLeverage}], got ${cfg.leverage}`);
  }
  if (cfg.mode === 'spot') {
    if (cfg.maxLeverage !== 1 || cfg.leverage !== 1) fail('spot trades at leverage 1 only');
    if (cfg.allowShort) fail('spot cannot short');
  }
  if (cfg.stopLoss !== undefined && !(cfg.stopLoss > 0 && cfg.stopLoss < 1)) {
    fail(`stopLoss must be in (0, 1), got ${cfg.stopLoss}`);
  }
  if (cfg.takeProfit !== undefined && !(cfg.takeProfit > 0 && Number.isFinite(cfg.takeProfit))) {
    fail(`takeProfit must be > 0, got ${cfg.takeProfit}`);
  }
  if (cfg.maxDrawdown !== undefined && !(cfg.maxDrawdown > 0 && cfg.maxDrawdown <= 1)) {
    fail(`maxDrawdown must be in (0, 1], got ${cfg.maxDrawdown}`);
  }
  const s = cfg.sizing;
  if (s.kind === 'fixed_usd') {
    if (!(s.tradeAmountUsd > 0 && Number.isFinite(s.tradeAmountUsd))) {
      fail(`tradeAmountUsd must be > 0, got ${s.tradeAmountUsd}`);
    }
    if (!(s.maxPositionPct > 0 && s.maxPositionPct <= 1)) {
      fail(`maxPositionPct is a fraction in (0, 1], got ${s.maxPositionPct}`);
    }
  } else if (s.kind === 'equity_fraction') {
    const f = s.fraction ?? 1;
    if (!(f > 0 && f <= 1)) fail(`equity fraction must be in (0, 1], got ${f}`);
  } else {
    fail(`unknown sizing kind ${String((s as { kind: unknown }).kind)}`);
  }
  return cfg;
}

/** Returns the target the bot may act on: SHORT becomes FLAT when shorts are not allowed (spot is long only). */
export function effectiveTarget(target: Target, cfg: RiskConfig): Target {
  return target === 'SHORT' && !cfg.allowShort ? 'FLAT' : target;
}

/**
 * Returns the base quantity of a new entry at `price` (the expected execution price, slippage included).
 *
 * - `fixed_usd`: collateral = min(tradeAmountUsd, maxPositionPct * equity); notional = collateral * leverage.
 * - `equity_fraction`: notional = equity * fraction * leverage.
 * - quantity = notional / price. In spot mode `equity` is the quote cash of the flat account and the
 *   quantity is capped so that `qty * price` plus the taker fee of `model` fits in it, evaluated exactly as
 *   the account books it, so a spot quote balance never goes negative, not even by a rounding error.
 *
 * Returns 0 when equity is not positive, or when the quantity would not be finite or cannot be booked.
 *
 * @throws CoreRangeError when the config is invalid (e.g. leverage above the cap) or the price is not > 0.
 */
export function entryQuantity(equity: number, price: number, cfg: RiskConfig, model: FillModel): number {
  validateRiskConfig(cfg);
  if (!(Number.isFinite(price) && price > 0)) {
    throw new CoreRangeError('ARGUMENT_OUT_OF_RANGE', `entry price must be > 0, got ${price}`);
  }
  if (!(equity > 0)) return 0;
  const s = cfg.sizing;
  const collateral =
    s.kind === 'fixed_usd'
      ? Math.min(s.tradeAmountUsd, s.maxPositionPct * equity)
      : equity * (s.fraction ?? 1);
  let qty = (collateral * cfg.leverage) / price;
  // No venue fills an infinite quantity (an absurd balance against a near-zero price overflows).
  if (!Number.isFinite(qty)) return 0;
  if (cfg.mode === 'spot') {
    const maxQty = equity / (price * (1 + model.takerFeeBps / 10_000));
    if (qty > maxQty) qty = maxQty;
    // The division above can land an ulp or so over; shrink until the booked balance is exactly
    // non-negative. The step doubles (up to a half) so the loop always ends: with a balance of a few
    // subnormals a relative shrink of 1e-12 rounds back to the same qty, and that used to spin forever.
    let step = 1e-12;
    while (qty > 0 && equity - feeFor(qty * price, model) - qty * price < 0) {
      qty *= 1 - step;
      step = Math.min(step * 2, 0.5);
    }
  }
  return qty;
}

/** A stop-loss or take-profit exit found in a candle. */
export interface StopExit {
  /** Reference exit price: the level, or the open when the candle opened beyond the level. */
  readonly price: number;
  readonly reason: 'stop_loss' | 'take_profit';
}

/** Returns the stop-loss price level of a position, or NaN when there is none. */
export function stopLossLevel(position: Position, cfg: Pick<RiskConfig, 'stopLoss'>): number {
  const dir = direction(position.side);
  if (dir === 0 || cfg.stopLoss === undefined) return Number.NaN;
  return position.entryPrice * (1 - dir * cfg.stopLoss);
}

/** Returns the take-profit price level of a position, or NaN when there is none. */
export function takeProfitLevel(position: Position, cfg: Pick<RiskConfig, 'takeProfit'>): number {
  const dir = direction(position.side);
  if (dir === 0 || cfg.takeProfit === undefined) return Number.NaN;
  return position.entryPrice * (1 + dir * cfg.takeProfit);
}

/**
 * Scalar core of `checkStopTakeProfit` for the backtest loop; `stop`/`take` are levels or NaN (NaN never
 * compares true, so a missing level never triggers).
 */
export function stopExitScalar(
  dir: number,
  stop: number,
  take: number,
  open: number,
  high: number,
  low: number,
): StopExit | null {
  if (dir > 0) {
    if (open <= stop) return { price: open, reason: 'stop_loss' };
    if (open >= take) return { price: open, reason: 'take_profit' };
    if (low <= stop) return { price: stop, reason: 'stop_loss' };
    if (high >= take) return { price: take, reason: 'take_profit' };
  } else if (dir < 0) {
    if (open >= stop) return { price: open, reason: 'stop_loss' };
    if (open <= take) return { price: open, reason: 'take_profit' };
    if (high >= stop) return { price: stop, reason: 'stop_loss' };
    if (low <= take) return { price: take, reason: 'take_profit' };
  }
  return null;
}

/**
 * Checks a candle against a position's stop-loss and take-profit levels (fractions of the entry price).
 *
 * - A long stops when the low reaches `entry * (1 - stopLoss)` and takes profit when the high reaches
 *   `entry * (1 + takeProfit)`; a short mirrors this.
 * - When both levels are touched inside the candle, the stop wins: the path inside a candle is unknown, so
 *   the pessimistic order is assumed.
 * - When the candle opens beyond a level (a gap), the exit is at the open. The open is the first price of
 *   the candle, so a gap through the take-profit fills the take-profit at the open even if the low later
 *   touches the stop.
 *
 * Returns the reference exit price (before slippage) and the reason, or null.
 */
export function checkStopTakeProfit(
  position: Position,
  candle: { readonly open: number; readonly high: number; readonly low: number },
  cfg: Pick<RiskConfig, 'stopLoss' | 'takeProfit'>,
): StopExit | null {
  const dir = direction(position.side);
  if (dir === 0) return null;
  return stopExitScalar(
    dir,
    stopLossLevel(position, cfg),
    takeProfitLevel(position, cfg),
    candle.open,
    candle.high,
    candle.low,
  );
}

/** Returns the drawdown of `equity` from the account's peak, as a fraction (0 at or above the peak). */
export function drawdown(account: Account, equity: number): number {
  const peak = Math.max(account.equityPeak, equity);
  return peak > 0 ? (peak - equity) / peak : 0;
}

/** Whether `equity` is `maxDrawdown` or more below `peak` (the halt rule of {@link updateDrawdown}). */
export function breachesMaxDrawdown(peak: number, equity: number, maxDrawdown: number | undefined): boolean {
  return maxDrawdown !== undefined && peak > 0 && (peak - equity) / peak >= maxDrawdown;
}

/**
 * Whether {@link updateDrawdown} leaves an account with this peak and halt state unchanged at `equity`: no new
 * peak, and no halt to raise. From scalars, for hot loops that keep the account in locals.
 */
export function drawdownSettled(
  peak: number,
  halted: boolean,
  equity: number,
  maxDrawdown: number | undefined,
): boolean {
  return equity <= peak && (halted || !breachesMaxDrawdown(peak, equity, maxDrawdown));
}

/**
 * Tracks the equity peak and halts the account (`halted = 'max_drawdown'`) when the drawdown from the peak
 * reaches `maxDrawdown`. A halted account may still close positions but opens none until `resume`. Returns
 * the same account when nothing changed.
 */
export function updateDrawdown(
  account: Account,
  equity: number,
  cfg: Pick<RiskConfig, 'maxDrawdown'>,
): Account {
  if (drawdownSettled(account.equityPeak, account.halted !== null, equity, cfg.maxDrawdown)) return account;
  const peak = Math.max(equity, account.equityPeak);
  let halted = account.halted;
  if (halted === null && breachesMaxDrawdown(peak, equity, cfg.maxDrawdown)) halted = 'max_drawdown';
  if (peak === account.equityPeak && halted === account.halted) return account;
  return amendAccount(account, { equityPeak: peak, halted });
}

/**
 * Lifts a halt. The peak is reset to the current equity, otherwise the very next mark would halt again on
 * the drawdown that caused the halt.
 */
export function resume(account: Account, currentEquity: number): Account {
  return amendAccount(account, { halted: null, equityPeak: currentEquity });
}

/**
 * Rounds an amount down to a venue's step (sizing an order, or a venue filling one): never up, whatever its
 * size. The quotient carries float error of a few ulps (13.08466761 / 1e-8 = 1308466760.9999998), so it is
 * nudged by a few ulps before the floor, and no more: a relative nudge of 1e-12 once turned 25383.48867013
 * into 25383.48867015, a fill two steps larger than the order (on an exit, a sell of more than was held).
 * Steps are decimals (1e-8, 0.0005), as venues publish them.
 */
export function floorToStep(amount: number, step: number): number {
  const steps = amount / step;
  const whole = Math.floor(steps + steps * 4 * Number.EPSILON);
  // The product carries float noise (1572879482 * 1e-8 is 15.728794820000001): the result is the double
  // nearest the decimal on the grid, as the venue writes it.
  return Number((whole * step).toFixed(decimalPlaces(step)));
}

/** Decimal places of a number as JavaScript writes it: 1e-8 -> 8, 0.0005 -> 4, 2.5e-7 -> 8, 1 -> 0 (at most 100). */
export function decimalPlaces(x: number): number {
  const [mantissa = '', exponent] = String(x).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.min(100, Math.max(0, fraction - Number(exponent ?? 0)));
}
