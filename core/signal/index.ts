export { decisionAt, type IndicatorCache, indicatorColumns, runStrategyBatch } from './batch.js';
export * from './contract.js';
export { DECISION, type DecisionCode, decisionCode } from './decision.js';
export { StrategyError } from './errors.js';
export { computeIndicator, createIndicatorStream, type IndicatorStream, specKey } from './indicators.js';
export { StrategyStream } from './stream.js';
