/**
 * Data types shared by the accounting, risk and fill-model modules. Everything is readonly: the functions in
 * `core/` return new values instead of mutating, so a backtest step, a paper fill and a live fill can never
 * corrupt a state another component still holds.
 */

/** The side of an open position; `NONE` when flat. */
export type Side = 'NONE' | 'LONG' | 'SHORT';

/** What a strategy wants to hold after the current bar. */
export type Target = 'LONG' | 'SHORT' | 'FLAT';

/** The side of an order or a fill. */
export type OrderSide = 'buy' | 'sell';

/** Whether an order added liquidity (maker) or took it (taker). Market orders are always taker. */
export type Liquidity = 'maker' | 'taker';

/**
 * Why a fill happened. `external` is for fills that did not come from the simulated broker (a live exchange
 * fill, a manual order), so the accounting can replay them without guessing their origin.
 */
export type FillReason = 'signal' | 'stop_loss' | 'take_profit' | 'liquidation' | 'external';

/** Why an account refuses to open new positions. */
export type HaltReason = 'max_drawdown';

/** One execution. Quantities are in the base asset, prices and fees in the quote currency. */
export interface Fill {
  readonly side: OrderSide;
  /** Executed base quantity, > 0. */
  readonly qty: number;
  /** Execution price (after slippage), > 0. */
  readonly price: number;
  /** Trading fee in quote currency, >= 0. */
  readonly fee: number;
  /** Execution time, epoch ms. */
  readonly ts: number;
  readonly reason: FillReason;
  /**
   * Leverage of the position this fill opens (1 for spot). Only read when the fill opens a position (from
   * flat, or the remainder of a flip); an increase keeps the leverage the position was opened with.
   */
  readonly leverage?: number;
}

/** The open position of an account. A flat position has side `NONE` and qty 0. */
export interface Position {
  readonly side: Side;
  /** Base quantity, always >= 0; the direction is in `side`. */
  readonly qty: number;
  /** Average entry price (quantity-weighted over the fills that opened or increased the position). */
  readonly entryPrice: number;
  readonly leverage: number;
  /** Time of the fill that opened the position, epoch ms. */
  readonly openedAt: number;
  /** The last 4h rollover boundary already charged; starts at `openedAt`. */
  readonly lastRolloverAt: number;
}

/**
 * The account of one bot on one instrument. See `core/account.ts` for the accounting model: `cash` is the
 * realised quote-currency collateral and the position contributes its unrealised PnL to equity.
 */
export interface Account {
  /** Quote currency deposited at creation; the ledger identity in `core/account.ts` starts from it. */
  readonly startingCash: number;
  /** Realised collateral in quote currency: starting cash + realised PnL - fees - margin costs + write-offs. */
  readonly cash: number;
  readonly position: Position;
  /** Sum of realised PnL of all reductions and closes (before fees). */
  readonly realizedPnl: number;
  /** Trading fees paid, >= 0. */
  readonly feesPaid: number;
  /** Margin opening fees and rollover paid, >= 0. */
  readonly marginCostsPaid: number;
  /** Losses beyond the collateral absorbed by the exchange on liquidation (see `applyLiquidation`). */
  readonly lossWrittenOff: number;
  /** Highest equity marked so far (drawdown reference). */
  readonly equityPeak: number;
  readonly halted: HaltReason | null;
  /** Number of liquidations. */
  readonly liquidations: number;
  /** Number of positions opened (a flip counts as one more). */
  readonly tradeCount: number;
}
