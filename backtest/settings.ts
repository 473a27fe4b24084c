/**
 * Turns backtest settings (a mode, fees, stops, or a bot's config) into the core's engine config. Pure: the
 * CLI parses flags into {@link BacktestSettings}, the summary builds them in code, workers receive the
 * resulting {@link EngineConfig} as plain data.
 */
import { fillModelFor, marginTermsFor, riskConfigFor } from '../config/core-config.js';
import type { LoadedBot } from '../config/index.js';
import {
  EXCHANGE_PROFILES,
  type ExchangeName,
  fillModel,
  HARD_MAX_LEVERAGE,
  type MarginTerms,
  marginTerms,
  type RiskConfig,
  validateRiskConfig,
} from '../core/index.js';
import type { EngineConfig } from './engine.js';
import { BacktestInputError } from './errors.js';

/** `long_only`: spot at 1x, never short. `leveraged`: Kraken-style margin, longs and shorts. */
export type BacktestMode = 'long_only' | 'leveraged';

export const BACKTEST_MODES: readonly BacktestMode[] = ['long_only', 'leveraged'];

/** Cash a backtest starts with unless told otherwise. */
export const DEFAULT_STARTING_CASH = 10_000;

/** Leverage of `leveraged` backtests unless told otherwise: the Kraken bot's 3x. */
export const DEFAULT_LEVERAGE = 3;

/** The exchange whose fee profile a mode uses by default: the bot that trades that way. */
export const DEFAULT_EXCHANGE: Readonly<Record<BacktestMode, ExchangeName>> = {
  long_only: 'coinbase',
  leveraged: 'kraken',
};

/** Settings of an ad hoc backtest; everything but the mode has a default. */
export interface BacktestSettings {
  readonly mode: BacktestMode;
  /** Default 1 for long_only, {@link DEFAULT_LEVERAGE} for leveraged. */
  readonly leverage?: number;
  /** Fee profile; default per mode ({@link DEFAULT_EXCHANGE}). */
  readonly exchange?: ExchangeName;
  /** Overrides the profile's taker and maker fee, in bps. */
  readonly feeBps?: number;
  /** Overrides the profile's slippage, in bps. */
  readonly slippageBps?: number;
  readonly stopLoss?: number;
  readonly takeProfit?: number;
  readonly maxDrawdown?: number;
  readonly startingCash?: number;
}

/** What a backtest ran with, for reports: the engine config plus the labels it came from. */
export interface ResolvedSettings {
  readonly config: EngineConfig;
  readonly mode: BacktestMode;
  readonly exchange: ExchangeName;
  /** `equity_fraction` (all equity x leverage) or the bot's `fixed_usd`. */
  readonly sizing: RiskConfig['sizing']['kind'];
}

function checked(config: EngineConfig): EngineConfig {
  try {
    validateRiskConfig(config.risk);
    fillModel(config.fill);
    marginTerms(config.margin);
  } catch (e) {
    if (e instanceof RangeError) throw new BacktestInputError(e.message);
    throw e;
  }
  if (!(Number.isFinite(config.startingCash) && config.startingCash > 0)) {
    throw new BacktestInputError(`starting cash must be > 0, got ${config.startingCash}`);
  }
  return config;
}

/**
 * Resolves ad hoc settings: all equity x leverage per entry (`equity_fraction` 1), fractional quantities,
 * the mode's exchange fee profile unless fees are given, Kraken's margin terms in leveraged mode.
 *
 * @throws BacktestInputError on a leverage other than 1 in long_only mode, a leveraged Coinbase backtest
 *   (Coinbase trades spot only), or a setting the core refuses (e.g. leverage above 3).
 */
export function resolveSettings(s: BacktestSettings): ResolvedSettings {
  const exchange = s.exchange ?? DEFAULT_EXCHANGE[s.mode];
  const leveraged = s.mode === 'leveraged';
  const leverage = s.leverage ?? (leveraged ? DEFAULT_LEVERAGE : 1);
  if (!leveraged && leverage !== 1) {
    throw new BacktestInputError(`long_only trades spot at 1x; leverage must be 1 (was ${leverage})`);
  }
  if (leveraged && exchange === 'coinbase') {
    throw new BacktestInputError('coinbase trades spot only; use --exchange kraken for leveraged backtests');
  }
  if (leveraged && !(leverage >= 1 && leverage <= HARD_MAX_LEVERAGE)) {
    throw new BacktestInputError(`leverage must be between 1 and ${HARD_MAX_LEVERAGE} (was ${leverage})`);
  }
  const profile = EXCHANGE_PROFILES[exchange];
  const risk: RiskConfig = {
    mode: leveraged ? 'margin' : 'spot',
    allowShort: leveraged,
    maxLeverage: leverage,
    leverage,
    ...(s.stopLoss !== undefined ? { stopLoss: s.stopLoss } : {}),
    ...(s.takeProfit !== undefined ? { takeProfit: s.takeProfit } : {}),
    ...(s.maxDrawdown !== undefined ? { maxDrawdown: s.maxDrawdown } : {}),
    sizing: { kind: 'equity_fraction', fraction: 1 },
  };
  const config = checked({
    risk,
    fill: {
      takerFeeBps: s.feeBps ?? profile.takerFeeBps,
      makerFeeBps: s.feeBps ?? profile.makerFeeBps,
      slippageBps: s.slippageBps ?? profile.slippageBps,
    },
    margin: marginTerms(),
    startingCash: s.startingCash ?? DEFAULT_STARTING_CASH,
  });
  return { config, mode: s.mode, exchange, sizing: 'equity_fraction' };
}

/** Overrides a bot backtest accepts on top of the bot's own config. */
export interface BotBacktestOverrides {
  /** `equity` (default): all equity x leverage per entry; `bot`: the bot's fixed_usd sizing. */
  readonly sizing?: 'equity' | 'bot';
  readonly feeBps?: number;
  readonly slippageBps?: number;
  readonly stopLoss?: number;
  readonly takeProfit?: number;
  readonly maxDrawdown?: number;
  /** Default: the bot's paper starting balance. */
  readonly startingCash?: number;
}

/**
 * Resolves a bot's backtest settings: its mode, leverage, shorts, stop-loss, take-profit, drawdown halt,
 * fees and margin terms (through the same mapping the bot runtime uses), with `equity_fraction` sizing
 * unless `sizing: 'bot'` asks for the bot's `fixed_usd` sizing.
 */
export function resolveBotSettings(bot: LoadedBot, o: BotBacktestOverrides = {}): ResolvedSettings {
  const base = riskConfigFor(bot);
  const risk: RiskConfig = {
    ...base,
    ...(o.stopLoss !== undefined ? { stopLoss: o.stopLoss } : {}),
    ...(o.takeProfit !== undefined ? { takeProfit: o.takeProfit } : {}),
    ...(o.maxDrawdown !== undefined ? { maxDrawdown: o.maxDrawdown } : {}),
    sizing: o.sizing === 'bot' ? base.sizing : { kind: 'equity_fraction', fraction: 1 },
  };
  const fill = fillModelFor(bot);
  const margin: MarginTerms = marginTermsFor(bot);
  const config = checked({
    risk,
    fill: {
      takerFeeBps: o.feeBps ?? fill.takerFeeBps,
      makerFeeBps: o.feeBps ?? fill.makerFeeBps,
      slippageBps: o.slippageBps ?? fill.slippageBps,
    },
    margin,
    startingCash: o.startingCash ?? bot.config.paper.starting_balance,
  });
  return {
    config,
    mode: bot.config.mode === 'spot' ? 'long_only' : 'leveraged',
    exchange: bot.config.exchange,
    sizing: risk.sizing.kind,
  };
}
