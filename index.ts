/** dualbot's programmatic API. */
export * from './config/index.js';
export { PRODUCTION_STRATEGIES } from './strategies/production/index.js';
export { findStrategy } from './strategies/registry.js';
export * from './strategies/types.js';
