/**
 * dualbot's programmatic API: build a runtime, inject paper-trading bots at run time, read snapshots and
 * subscribe to events. See README "Programmatic use".
 */
export { type BotHandle, createBot, createFeed } from './actors/bot/create-bot.js';
export type { SessionSnapshot } from './actors/bot/session.js';
export { ExchangeError, type ExchangeErrorCode, type ExchangeErrorKind } from './actors/exchanges/errors.js';
export { PaperExchange, type PaperOptions } from './actors/exchanges/paper.js';
export type { ExchangePort, OrderRequest, OrderState } from './actors/exchanges/port.js';
export { createLogging, type Logging } from './actors/log.js';
export type { CandleFeed } from './actors/market/feed.js';
export { ReplayFeed, type ReplayOptions } from './actors/market/replay-feed.js';
export type { TradeRecord } from './actors/persistence/state-file.js';
export {
  type BotView,
  createRuntime,
  Runtime,
  type RuntimeOptions,
  type RuntimeSnapshot,
  type SpawnOptions,
} from './actors/runtime.js';
export { DEFAULT_RESTART_POLICY, type RestartPolicy } from './actors/supervisor.js';
export * from './config/index.js';
export { type Candle, type CandleColumns, columnsFrom } from './core/candles.js';
export { botMachine } from './machines/bot-machine.js';
export { PRODUCTION_STRATEGIES } from './strategies/production/index.js';
export { findStrategy } from './strategies/registry.js';
export * from './strategies/types.js';
