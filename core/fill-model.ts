/**
 * The single fill model shared by the backtester and the paper exchange, so a strategy fills identically in
 * both. Prices get adverse slippage (a buy pays more, a sell gets less) and fees are charged on the executed
 * notional in quote currency.
 */
import { CoreRangeError } from './errors.js';
import type { Fill, FillReason, Liquidity, OrderSide } from './types.js';

/** Fees and slippage of one venue, in basis points (1 bp = 0.01%). */
export interface FillModel {
  readonly takerFeeBps: number;
  readonly makerFeeBps: number;
  /** Adverse price move applied to every simulated market fill. */
  readonly slippageBps: number;
}

const BPS = 10_000;

/** Default slippage of the exchange profiles, in bps. */
export const DEFAULT_SLIPPAGE_BPS = 5;

/** Fee schedules of the two venues the bots trade on (entry tiers), with the default slippage. */
export const EXCHANGE_PROFILES = Object.freeze({
  coinbase: Object.freeze({ takerFeeBps: 60, makerFeeBps: 40, slippageBps: DEFAULT_SLIPPAGE_BPS }),
  kraken: Object.freeze({ takerFeeBps: 40, makerFeeBps: 25, slippageBps: DEFAULT_SLIPPAGE_BPS }),
}) satisfies Readonly<Record<string, FillModel>>;

/** Name of a built-in exchange profile. */
export type ExchangeName = keyof typeof EXCHANGE_PROFILES;

/**
 * Validates a fill model and returns it frozen. Negative rates are rejected: maker rebates are not modelled,
 * and a negative fee would break the "fees are never negative" invariant of the accounting.
 *
 * @throws CoreRangeError (a `RangeError`) when a rate is negative or not finite.
 */
export function fillModel(model: FillModel): FillModel {
  for (const key of ['takerFeeBps', 'makerFeeBps', 'slippageBps'] as const) {
    const v = model[key];
    if (!Number.isFinite(v) || v < 0 || v >= BPS) {
      throw new CoreRangeError(
        'CONFIG_OUT_OF_RANGE',
        `fill model ${key} must be in [0, 10000) bps, got ${v}`,
      );
    }
  }
  // A literal, not `{ ...model }`: freezing a spread copy gave every call a map of its own, so each backtest
  // (a new sim context) deoptimised the broker's hot code that had inlined the previous one's fee reads.
  return Object.freeze({
    takerFeeBps: model.takerFeeBps,
    makerFeeBps: model.makerFeeBps,
    slippageBps: model.slippageBps,
  });
}

/**
 * Returns the execution price of a market order: the reference price moved against the trader by the
 * model's slippage (buy: `ref * (1 + s)`, sell: `ref * (1 - s)`).
 */
export function fillPrice(side: OrderSide, referencePrice: number, model: FillModel): number {
  const s = model.slippageBps / BPS;
  return side === 'buy' ? referencePrice * (1 + s) : referencePrice * (1 - s);
}

/**
 * Returns the trading fee on a notional in quote currency; never negative. Market orders pay taker, which is
 * the default.
 */
export function feeFor(notional: number, model: FillModel, liquidity: Liquidity = 'taker'): number {
  const bps = liquidity === 'taker' ? model.takerFeeBps : model.makerFeeBps;
  // abs and max keep the promise even for a caller passing a signed notional or an unvalidated model.
  return (Math.abs(notional) * Math.max(0, bps)) / BPS;
}

/** What `marketFill` needs to build a fill. */
export interface MarketOrder {
  readonly side: OrderSide;
  readonly qty: number;
  /** Price the order is executed against before slippage (a bar open, a stop level). */
  readonly referencePrice: number;
  readonly ts: number;
  readonly reason: FillReason;
  readonly leverage?: number;
}

/** Builds the fill of a market order through the fill model: slipped price and taker fee. */
export function marketFill(order: MarketOrder, model: FillModel): Fill {
  const price = fillPrice(order.side, order.referencePrice, model);
  const fee = feeFor(order.qty * price, model, 'taker');
  // Two literals rather than a spread for the optional field (a spread is ~30x slower; see amendAccount).
  return order.leverage === undefined
    ? { side: order.side, qty: order.qty, price, fee, ts: order.ts, reason: order.reason }
    : {
        side: order.side,
        qty: order.qty,
        price,
        fee,
        ts: order.ts,
        reason: order.reason,
        leverage: order.leverage,
      };
}
