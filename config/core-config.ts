/**
 * Maps a loaded bot config to the trading core's settings (risk, fill model, margin terms). Pure, so the bot
 * runtime and the backtester build their core configs from one place and cannot drift apart.
 */
import {
  EXCHANGE_PROFILES,
  type FillModel,
  fillModel,
  type MarginTerms,
  marginTerms,
  type RiskConfig,
} from '../core/index.js';
import type { LoadedBot } from './load.js';

/** Returns the bot's risk config: its mode, leverage, shorts, stops, drawdown halt and `fixed_usd` sizing. */
export function riskConfigFor(bot: LoadedBot): RiskConfig {
  const c = bot.config;
  return {
    mode: c.mode,
    allowShort: c.trading.allow_short,
    maxLeverage: c.trading.leverage,
    leverage: c.trading.leverage,
    ...(c.risk.stop_loss !== undefined ? { stopLoss: c.risk.stop_loss } : {}),
    ...(c.risk.take_profit !== undefined ? { takeProfit: c.risk.take_profit } : {}),
    maxDrawdown: c.risk.max_drawdown,
    sizing: {
      kind: 'fixed_usd',
      tradeAmountUsd: c.trading.trade_amount_usd,
      maxPositionPct: c.trading.max_position_pct,
    },
  };
}

/** Returns the bot's fill model: its exchange's fee profile with the config's `fees` overrides. */
export function fillModelFor(bot: LoadedBot): FillModel {
  const profile = EXCHANGE_PROFILES[bot.config.exchange];
  const f = bot.config.fees;
  return fillModel({
    takerFeeBps: f?.taker_bps ?? profile.takerFeeBps,
    makerFeeBps: f?.maker_bps ?? profile.makerFeeBps,
    slippageBps: f?.slippage_bps ?? profile.slippageBps,
  });
}

/** Returns the bot's margin terms: Kraken's defaults with the config's `margin` overrides. */
export function marginTermsFor(bot: LoadedBot): MarginTerms {
  const m = bot.config.margin;
  return marginTerms(
    m
      ? {
          openingFeeBps: m.opening_fee_bps,
          rolloverBps: m.rollover_bps,
          liquidationMarginLevel: m.liquidation_margin_level,
        }
      : {},
  );
}
