/**
 * The Mission Control payload: what the sync actor POSTs to the board. It keeps the original system's
 * camelCase shape (top-level single-bot fields, `bots`, `coinbase`/`kraken`, the `*_bot` pass-through of
 * each state.json and the backtest tables) and adds `schemaVersion`, `event`/`eventId` (so the board can
 * dedupe at-least-once deliveries) and health `alerts`.
 *
 * This schema is the single source of the field list: the builder's output is parsed with it, the test
 * receiver validates with it, and `docs/mission-control.md` lists the fields generated from it.
 */
import { z } from 'zod';

/** Bumped when a field changes meaning or is removed; adding a field does not bump it. */
export const PAYLOAD_SCHEMA_VERSION = 1;

/** How many rows each backtest table keeps, as the original sync did (sorted by return, best first). */
export const TABLE_LIMITS = { strategies: 10, byPeriod: 15, byMode: 10 } as const;

/** How many recent trades the payload carries. */
export const PAYLOAD_TRADES = 20;

const position = z.enum(['NONE', 'LONG', 'SHORT']).describe('NONE, LONG or SHORT');
const money = (what: string) => z.number().describe(what);
const balances = z
  .record(z.string(), z.number())
  .describe(
    'Currency -> amount. Spot: quote cash not spent and base held; margin: quote collateral (realised cash)',
  );

/** One fill, as booked by a bot (the state.json trade record plus which bot made it). */
export const syncTradeSchema = z
  .strictObject({
    id: z.string().describe('Stable trade id: the client order id (the board dedupes on it)'),
    bot: z.string().describe('Bot id (its folder name under bots/)'),
    exchange: z.string().describe('coinbase or kraken'),
    pair: z.string().describe('Trading pair, BASE-QUOTE'),
    ts: z.number().describe('Fill time, ms since the epoch (replay time on replayed data)'),
    time: z.string().describe('Fill time, ISO 8601 UTC'),
    client_order_id: z.string().describe('Client order id sent to the exchange'),
    side: z.enum(['buy', 'sell']).describe('buy or sell'),
    qty: z.number().describe('Quantity in base currency'),
    price: z.number().describe('Average fill price'),
    fee: z.number().describe('Fee paid, quote currency'),
    reason: z.string().describe('Why the bot traded (strategy signal, stop_loss, take_profit)'),
    position_after: position.describe('Position after the fill'),
    realized_pnl: z.number().describe('PnL realised by this fill, quote currency'),
    paper: z.boolean().describe('True for a paper (dry-run) fill'),
  })
  .describe('A fill');
export type SyncTrade = z.infer<typeof syncTradeSchema>;

/**
 * One backtest summary row: the original's renamed columns plus whatever else `backtest --summary`
 * writes (leverage, bot, pair, from, to, bars, complete), passed through.
 */
export const summaryRecordSchema = z
  .looseObject({
    strategy: z.string().describe('Strategy name'),
    return_pct: z.number().describe('Strategy return, %'),
    hold_pct: z.number().describe('Buy-and-hold return over the same bars, %'),
    outperform: z.number().describe('return_pct - hold_pct, percentage points'),
    trades: z.number().describe('Positions opened'),
    max_dd: z.number().describe('Max drawdown, % (positive)'),
    mode: z.string().describe('long_only or leveraged'),
  })
  .describe('Backtest row');
export type SummaryRow = z.infer<typeof summaryRecordSchema>;

const table = (limit: number, what: string) => z.array(summaryRecordSchema).max(limit).describe(what);

const botFields = {
  id: z.string().describe('Bot id (its folder name under bots/)'),
  name: z.string().describe("Display name from the bot's config `name` (e.g. Long Only Bot)"),
  exchange: z.string().describe('coinbase or kraken'),
  running: z.boolean().describe('True while the bot runs (not starting, restarting, failed or stopped)'),
  status: z.string().describe('Supervisor status: starting, running, restarting, failed or stopped'),
  portfolioValue: money('Equity in quote currency at the last price (0 before the first cycle)'),
  position,
  quantity: z.number().describe('Position size in base currency'),
  tradingPair: z.string().describe('Trading pair, BASE-QUOTE'),
  entryPrice: money('Average entry price of the open position (0 when flat)'),
  lastPrice: z.number().nullable().describe('Close of the last candle processed'),
  strategy: z.string().describe('Strategy name'),
  mode: z.enum(['spot', 'margin']).describe('spot (long only, 1x) or margin (long and short)'),
  leverage: z.number().describe('Configured leverage'),
  unrealizedPnl: money('Unrealised PnL of the open position, quote currency'),
  dryRun: z.boolean().describe('True when paper trading'),
  balances,
};

/** One entry of `bots`. */
export const botEntrySchema = z.strictObject(botFields).describe('A bot');
export type BotEntry = z.infer<typeof botEntrySchema>;

/** The per-exchange object (`coinbase`, `kraken`): the bot fields plus its last signal and save time. */
export const exchangeBotSchema = z
  .strictObject({
    ...botFields,
    lastSignal: z.enum(['LONG', 'SHORT', 'FLAT']).nullable().describe("The strategy's last target"),
    updatedAt: z.string().nullable().describe('When the bot last saved state.json (its `updated_at`)'),
  })
  .describe('The first bot on this exchange');
export type ExchangeBot = z.infer<typeof exchangeBotSchema>;

const passThrough = (bot: string) =>
  z
    .record(z.string(), z.unknown())
    .describe(`The ${bot} bot's state.json, unchanged ({} when there is none or it cannot be read)`);

/** The whole payload. Strict: a key the schema does not name (an API key, say) fails validation. */
export const payloadSchema = z.strictObject({
  schemaVersion: z.literal(PAYLOAD_SCHEMA_VERSION).describe('Payload schema version'),
  event: z
    .enum(['snapshot', 'trade'])
    .describe('snapshot (start-up, interval, shutdown) or trade (one fill, posted on its own)'),
  eventId: z
    .string()
    .describe(
      'Stable delivery id, also sent as the Idempotency-Key header: the trade id for a trade, a unique id per snapshot',
    ),
  trade: syncTradeSchema.optional().describe('The fill this event reports (trade events only)'),
  running: z.boolean().describe('True when at least one bot is running'),
  portfolioValue: money("Sum of both bots' equity, quote currency"),
  position: position.describe('Coinbase bot: position (the original followed the Coinbase bot)'),
  tradingPair: z.string().describe('Coinbase bot: trading pair'),
  entryPrice: money('Coinbase bot: entry price (0 when flat)'),
  activeStrategy: z.string().describe('Coinbase bot: strategy name'),
  lastUpdated: z.string().describe('When this payload was built, ISO 8601 UTC'),
  dryRun: z.boolean().describe('Coinbase bot: paper trading'),
  balances: balances.describe('Coinbase bot: balances, currency -> amount'),
  prices: z
    .record(z.string(), z.number())
    .describe('Base currency -> last price seen by the bot trading it (e.g. {DOGE, LTC})'),
  trades: z
    .array(syncTradeSchema)
    .max(PAYLOAD_TRADES)
    .describe(`The last ${PAYLOAD_TRADES} fills of all bots, oldest first`),
  strategies: table(TABLE_LIMITS.strategies, 'Top 10 of strategies_1mo by return'),
  strategies_1mo: table(TABLE_LIMITS.byPeriod, 'Backtests over the last month, top 15 by return'),
  strategies_6mo: table(TABLE_LIMITS.byPeriod, 'Backtests over the last 6 months, top 15 by return'),
  strategies_1yr: table(TABLE_LIMITS.byPeriod, 'Backtests over the last year, top 15 by return'),
  long_only_1mo: table(TABLE_LIMITS.byMode, 'Long-only (spot 1x) backtests, last month, top 10'),
  long_only_6mo: table(TABLE_LIMITS.byMode, 'Long-only (spot 1x) backtests, last 6 months, top 10'),
  long_only_1yr: table(TABLE_LIMITS.byMode, 'Long-only (spot 1x) backtests, last year, top 10'),
  leveraged_1mo: table(TABLE_LIMITS.byMode, 'Leveraged (3x, shorts) backtests, last month, top 10'),
  leveraged_6mo: table(TABLE_LIMITS.byMode, 'Leveraged (3x, shorts) backtests, last 6 months, top 10'),
  leveraged_1yr: table(TABLE_LIMITS.byMode, 'Leveraged (3x, shorts) backtests, last year, top 10'),
  bots: z.array(botEntrySchema).describe('Every bot, in start order'),
  coinbase: exchangeBotSchema.nullable().describe('The Coinbase bot (null when none runs)'),
  kraken: exchangeBotSchema.nullable().describe('The Kraken bot (null when none runs)'),
  coinbase_bot: passThrough('Coinbase'),
  kraken_bot: passThrough('Kraken'),
  alerts: z.array(z.string()).describe('Health alerts: bots down, halted or stale; sync problems'),
});
export type Payload = z.infer<typeof payloadSchema>;

/** The backtest table keys, in payload order. */
export const TABLE_KEYS = [
  'strategies',
  'strategies_1mo',
  'strategies_6mo',
  'strategies_1yr',
  'long_only_1mo',
  'long_only_6mo',
  'long_only_1yr',
  'leveraged_1mo',
  'leveraged_6mo',
  'leveraged_1yr',
] as const;
export type TableKey = (typeof TABLE_KEYS)[number];
export type Tables = { [K in TableKey]: SummaryRow[] };
