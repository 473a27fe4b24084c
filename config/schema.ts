/**
 * The schema of a bot's `config.yaml`. It is the configuration reference: every field has a description,
 * bounds and one default, and types are inferred from it rather than written twice.
 */
import { z } from 'zod';

/** Leverage above this is refused whatever the exchange allows (Kraken margin goes to 5x; we stop at 3). */
export const LEVERAGE_HARD_CAP = 3;

export const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export const timeframeSchema = z
  .enum(TIMEFRAMES)
  .describe('Candle timeframe the strategy runs on (coinbase has no 4h candles)');

/**
 * The timeframes of {@link TIMEFRAMES} each exchange serves candles in (ccxt 4.5.84 `timeframes`): Coinbase
 * Advanced Trade has 1m 5m 15m 30m 1h 2h 6h 1d, so no 4h; Kraken's OHLC has 1m 5m 15m 30m 1h 4h 1d 1w 2w.
 * A bot must run on one its exchange serves, replay included: a replay stands for what the live venue gives.
 */
export const EXCHANGE_TIMEFRAMES: Readonly<
  Record<'coinbase' | 'kraken', readonly (typeof TIMEFRAMES)[number][]>
> = Object.freeze({
  coinbase: ['1m', '5m', '15m', '1h', '1d'],
  kraken: TIMEFRAMES,
});

const fraction = (what: string) =>
  z
    .number()
    .gt(0, { message: `${what} must be above 0` })
    .lt(1, { message: `${what} must be below 1` });

export const strategyRefSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe('Strategy name: a production strategy (or a development one in a paper bot)'),
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Strategy params; defaults come from strategies/production/config.yaml, then the strategy'),
  })
  .describe('Which strategy the bot runs');

export const tradingSchema = z
  .strictObject({
    pair: z
      .string()
      .regex(/^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$/, { message: 'pair must look like BASE-QUOTE, e.g. DOGE-USDT' })
      .describe('Trading pair, BASE-QUOTE'),
    trade_amount_usd: z
      .number()
      .positive({ message: 'trade_amount_usd must be above 0' })
      .max(1_000_000)
      .default(50)
      .describe('Collateral committed per entry, in quote currency (notional = amount x leverage)'),
    max_position_pct: z
      .number()
      .gt(0, { message: 'max_position_pct must be above 0' })
      .max(1, { message: 'max_position_pct is a fraction of portfolio value: at most 1' })
      .default(0.5)
      .describe('Cap on collateral per position as a fraction of portfolio value'),
    leverage: z
      .number()
      .min(1, { message: 'leverage must be at least 1' })
      .max(LEVERAGE_HARD_CAP, { message: `leverage is capped at ${LEVERAGE_HARD_CAP}` })
      .default(1)
      .describe('Leverage: 1 for spot; at most 3 on Kraken margin'),
    allow_short: z.boolean().default(false).describe('Whether the bot may hold shorts (margin only)'),
  })
  .describe('What and how much the bot trades');

export const riskSchema = z
  .strictObject({
    stop_loss: fraction('stop_loss')
      .optional()
      .describe('Exit when price moves this fraction against the entry'),
    take_profit: z
      .number()
      .gt(0, { message: 'take_profit must be above 0' })
      .max(10)
      .optional()
      .describe('Exit when price moves this fraction in favour of the entry'),
    max_drawdown: z
      .number()
      .gt(0, { message: 'max_drawdown must be above 0' })
      .max(1, { message: 'max_drawdown is a fraction: at most 1' })
      .default(0.2)
      .describe('Halt new entries when equity falls this fraction below its peak (resume by hand)'),
  })
  .describe('Risk limits enforced by the trading core');

export const replaySchema = z
  .strictObject({
    file: z.string().min(1).describe('CSV (or .csv.gz) of candles; relative to the config file'),
    speed: z
      .number()
      .positive({ message: 'speed must be above 0' })
      .default(1)
      .describe('Replay speed: 1 is real time; 86400 plays a day candle per second'),
    warmup_bars: z
      .number()
      .int()
      .min(0)
      .default(200)
      .describe('Candles handed to the bot at start as history, before the replay clock starts'),
    start: z.string().optional().describe('Replay from this date (ISO 8601, UTC); default: the first candle'),
    loop: z.boolean().default(true).describe('Start again from the beginning when the file ends'),
  })
  .describe('Replay of recorded candles');

export const marketDataSchema = z
  .discriminatedUnion('source', [
    z.strictObject({
      source: z.literal('live').describe('live: poll the exchange; replay: play a recorded file'),
      poll_interval_s: z
        .number()
        .int()
        .min(5)
        .max(3600)
        .default(60)
        .describe('How often to poll the exchange for a newly closed candle'),
    }),
    z.strictObject({
      source: z.literal('replay').describe('live: poll the exchange; replay: play a recorded file'),
      replay: replaySchema,
    }),
  ])
  .describe('Where candles come from: the exchange (live) or a recorded file (replay)');

export const feesSchema = z
  .strictObject({
    taker_bps: z.number().min(0).max(500).optional().describe('Taker fee in basis points'),
    maker_bps: z.number().min(0).max(500).optional().describe('Maker fee in basis points'),
    slippage_bps: z.number().min(0).max(1000).optional().describe('Adverse slippage assumed on market fills'),
  })
  .describe("Overrides of the exchange's fee profile (paper trading and backtests)");

export const marginSchema = z
  .strictObject({
    opening_fee_bps: z.number().min(0).max(100).default(2).describe('Margin opening fee on notional'),
    rollover_bps: z.number().min(0).max(100).default(2).describe('Rollover fee on notional per 4 hours'),
    liquidation_margin_level: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.4)
      .describe('Margin level (equity / used margin) at which the exchange liquidates (Kraken: 40 %)'),
  })
  .describe('Kraken-style margin costs and liquidation');

export const paperSchema = z
  .strictObject({
    starting_balance: z
      .number()
      .positive()
      .default(1000)
      .describe('Paper account balance in quote currency at the first start'),
  })
  .describe('The paper exchange used while dry_run is true');

export const liveSchema = z
  .strictObject({
    available_capital: z
      .number()
      .positive({ message: 'available_capital must be above 0' })
      .describe(
        "Quote currency this bot may use on the exchange account (its live book starts here; entries are sized on the smaller of the book's equity and what the exchange has free)",
      ),
  })
  .describe('Live trading (dry_run: false): the share of the exchange account this bot trades with');

export const botConfigSchema = z
  .strictObject({
    name: z.string().min(1).max(80).describe('Display name'),
    exchange: z.enum(['coinbase', 'kraken']).describe('Exchange: coinbase (spot) or kraken (spot or margin)'),
    mode: z.enum(['spot', 'margin']).describe('spot: long only at 1x; margin: long and short with leverage'),
    strategy: strategyRefSchema,
    trading: tradingSchema,
    risk: riskSchema.default({ max_drawdown: 0.2 }),
    dry_run: z
      .boolean()
      .default(true)
      .describe('Paper trade (true, the default) or send real orders (false)'),
    timeframe: timeframeSchema.default('1h'),
    market_data: marketDataSchema,
    fees: feesSchema.optional(),
    margin: marginSchema.optional(),
    paper: paperSchema.default({ starting_balance: 1000 }),
    live: liveSchema.optional(),
    enabled: z.boolean().default(true).describe('Set false to keep the folder but not run the bot'),
    restart: z
      .strictObject({
        backoff_initial_s: z
          .number()
          .positive()
          .max(3600)
          .default(1)
          .describe('First restart delay; doubles per restart'),
        backoff_max_s: z.number().positive().max(86_400).default(300).describe('Longest restart delay'),
        max_restarts: z
          .number()
          .int()
          .min(0)
          .max(1000)
          .default(5)
          .describe('Restarts allowed within window_s; one more and the bot stays failed'),
        window_s: z
          .number()
          .positive()
          .max(86_400 * 7)
          .default(600)
          .describe('Window of the restart budget'),
      })
      .optional()
      .describe(
        'Restart policy after a failure (default: 1 s doubling to 5 min, at most 5 restarts in 10 minutes)',
      ),
  })
  .describe("A bot's config.yaml");

export type BotConfigInput = z.input<typeof botConfigSchema>;
export type BotConfig = z.output<typeof botConfigSchema>;

/** The environment variables that hold an exchange's credentials. */
export const CREDENTIAL_ENV: Readonly<Record<BotConfig['exchange'], readonly [string, string]>> = {
  coinbase: ['COINBASE_API_KEY', 'COINBASE_API_SECRET'],
  kraken: ['KRAKEN_API_KEY', 'KRAKEN_API_SECRET'],
};

/** strategies/production/config.yaml: the production strategies and their default params. */
export const productionStrategiesFileSchema = z
  .strictObject({
    strategies: z.record(
      z.string(),
      z.strictObject({
        description: z.string().optional(),
        params: z.record(z.string(), z.unknown()).default({}),
        promoted: z
          .strictObject({
            at: z.string(),
            source_hash: z.string(),
            params_hash: z.string(),
            evidence: z.record(z.string(), z.unknown()).optional(),
          })
          .optional(),
      }),
    ),
  })
  .describe('strategies/production/config.yaml');

export type ProductionStrategiesFile = z.output<typeof productionStrategiesFileSchema>;
