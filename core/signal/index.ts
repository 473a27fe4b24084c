export {
  DECISION,
  type DecisionCode,
  decisionAt,
  decisionCode,
  type IndicatorCache,
  indicatorColumns,
  runStrategyBatch,
} from './batch.js';
export * from './contract.js';
export { StrategyError } from './errors.js';
export { computeIndicator, createIndicatorStream, type IndicatorStream, specKey } from './indicators.js';
export { StrategyStream } from './stream.js';
