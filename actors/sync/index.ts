/** Mission Control sync: the payload schema, its builder, the durable outbox and the sync actor. */
export {
  type BotInput,
  botBalances,
  buildPayload,
  type PayloadEvent,
  type PayloadInput,
  type RuntimeInput,
  type SessionInput,
  type TradeInput,
} from './build-payload.js';
export {
  type BackoffPolicy,
  classifyError,
  classifyStatus,
  DEFAULT_BACKOFF,
  type Outcome,
  parseRetryAfter,
  retryDelayMs,
} from './delivery.js';
export { DEFAULT_MAX_ITEMS, type NewItem, Outbox, type OutboxItem } from './outbox.js';
export {
  type BotEntry,
  botEntrySchema,
  type ExchangeBot,
  exchangeBotSchema,
  PAYLOAD_SCHEMA_VERSION,
  PAYLOAD_TRADES,
  type Payload,
  payloadSchema,
  type SummaryRow,
  type SyncTrade,
  summaryRecordSchema,
  syncTradeSchema,
  TABLE_KEYS,
  TABLE_LIMITS,
  type Tables,
} from './payload.js';
export { payloadReferenceMarkdown } from './payload-doc.js';
export {
  DEFAULT_INTERVAL_S,
  redactUrl,
  type SettingsResult,
  type SyncSettings,
  syncSettingsFromEnv,
  urlProblem,
} from './settings.js';
export {
  type BacktestSummary,
  payloadTables,
  readBacktestSummary,
  type SummaryFileTables,
  summaryPath,
} from './summary-file.js';
export {
  createSyncActor,
  SyncActor,
  type SyncActorOptions,
  type SyncOptions,
  type SyncSource,
  type SyncStatus,
} from './sync-actor.js';
