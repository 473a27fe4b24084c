/**
 * Public API of the trading core: pure, deterministic risk, accounting and fill-model code shared by the
 * backtester, the paper exchange and the live bots.
 */

export {
  applyFill,
  applyLiquidation,
  type Balances,
  balances,
  chargeMarginCost,
  createAccount,
  DUST_RELATIVE,
  equity,
} from './account.js';
export {
  type BarResult,
  createSimContext,
  createSimState,
  runSeries,
  type SeriesResult,
  type SeriesSink,
  type SimContext,
  type SimEvent,
  type SimState,
  simulateBar,
  simulateSeries,
  stepBar,
} from './broker-sim.js';
export {
  allocateColumns,
  CANDLE_FIELDS,
  type Candle,
  type CandleColumns,
  candleAt,
  candleCount,
  columnsFrom,
  copyColumns,
  sliceColumns,
} from './candles.js';
export { CoreError, type CoreErrorCode, CoreRangeError, InvalidFillError, isCoreError } from './errors.js';
export {
  DEFAULT_SLIPPAGE_BPS,
  EXCHANGE_PROFILES,
  type ExchangeName,
  type FillModel,
  feeFor,
  fillModel,
  fillPrice,
  type MarketOrder,
  marketFill,
} from './fill-model.js';
export * from './indicators/index.js';
export {
  accrueRollover,
  chargeOpeningFee,
  checkLiquidation,
  DEFAULT_MARGIN_TERMS,
  FOUR_HOURS_MS,
  type LiquidationHit,
  liquidate,
  liquidationFill,
  liquidationFillPriceScalar,
  liquidationPrice,
  type MarginTerms,
  marginLevel,
  marginTerms,
  openingFee,
  rolloverPeriodsDue,
} from './margin.js';
export {
  direction,
  entryNotional,
  FLAT_POSITION,
  isFlat,
  signedQty,
  unrealizedPnl,
  usedMargin,
} from './position.js';
export {
  checkStopTakeProfit,
  decimalPlaces,
  drawdown,
  effectiveTarget,
  entryQuantity,
  floorToStep,
  HARD_MAX_LEVERAGE,
  type RiskConfig,
  resume,
  type Sizing,
  type StopExit,
  stopExitScalar,
  stopLossLevel,
  takeProfitLevel,
  updateDrawdown,
  validateRiskConfig,
} from './risk.js';
export type {
  Account,
  Fill,
  FillReason,
  HaltReason,
  Liquidity,
  OrderSide,
  Position,
  Side,
  Target,
} from './types.js';
