/**
 * The example bot configs written by `dualbot init` and shipped in bots/: the original system's two bots
 * (Coinbase DOGE-USDT spot at 1x, Kraken LTC-USD margin at 3x with shorts), paper trading on bundled
 * replay data, replayed fast enough that the demo trades within its first minute. A test parses both
 * against the schema, so they cannot drift from it.
 */

/** A day candle every 0.25 s: with 200 bars of history preloaded, the first crossover comes within seconds. */
export const DEMO_REPLAY_SPEED = 345_600;

export function coinbaseExample(replayFile: string): string {
  return `# Coinbase spot bot: long only, 1x. Paper trading on replayed candles by default.
# Reference: README.md "Configuration". Unknown keys are errors.
name: Long Only Bot
exchange: coinbase
mode: spot                      # spot = long only at 1x
strategy:
  name: sma_crossover           # a production strategy (strategies/production/config.yaml)
  params:
    fast_period: 20
    slow_period: 50
trading:
  pair: DOGE-USDT
  trade_amount_usd: 50          # collateral per entry, in quote currency
  max_position_pct: 0.5         # at most this fraction of portfolio value per position
  leverage: 1
  allow_short: false
risk:
  stop_loss: 0.05
  take_profit: 0.10
  max_drawdown: 0.20            # halt new entries 20 % below the equity peak
dry_run: true                   # paper trading; false needs COINBASE_API_KEY/COINBASE_API_SECRET and live data
timeframe: 1d
market_data:
  source: replay                # or: source: live
  replay:
    file: ${replayFile}
    speed: ${DEMO_REPLAY_SPEED}           # 1 = real time
    warmup_bars: 200
paper:
  starting_balance: 1000
`;
}

export function krakenExample(replayFile: string): string {
  return `# Kraken margin bot: long and short, up to 3x. Paper trading on replayed candles by default.
# Reference: README.md "Configuration". Unknown keys are errors.
name: Leveraged Short Bot
exchange: kraken
mode: margin                    # long and short with leverage
strategy:
  name: sma_3x_short
  params:
    fast_period: 20
    slow_period: 50
trading:
  pair: LTC-USD
  trade_amount_usd: 50          # collateral per entry; notional = 50 x leverage
  max_position_pct: 0.5
  leverage: 3                   # hard cap 3
  allow_short: true
risk:
  stop_loss: 0.10
  take_profit: 0.20
  max_drawdown: 0.40
dry_run: true                   # paper trading; false needs KRAKEN_API_KEY/KRAKEN_API_SECRET and live data
timeframe: 1d
market_data:
  source: replay
  replay:
    file: ${replayFile}
    speed: ${DEMO_REPLAY_SPEED}
    warmup_bars: 200
margin:
  opening_fee_bps: 2            # Kraken margin opening fee
  rollover_bps: 2               # per 4 hours
  liquidation_margin_level: 0.40
paper:
  starting_balance: 1000
`;
}

export const EXAMPLE_DATA_FILES = {
  coinbase: 'binance_DOGE-USDT_1d.csv',
  kraken: 'kraken_LTC-USD_1d.csv',
} as const;
