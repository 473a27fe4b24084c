import type { LoadedHome } from '../config/index.js';

/** One line per bot: what it trades, how, and whether it is paper or live. */
export function summarizeBots(home: LoadedHome): string[] {
  return home.bots.map((b) => {
    const c = b.config;
    const md = c.market_data.source === 'replay' ? `replay x${c.market_data.replay.speed}` : 'live data';
    return `${b.id}: ${c.exchange} ${c.mode} ${c.trading.pair} ${c.timeframe} ${c.strategy.name}(${b.strategy.stage}) leverage ${c.trading.leverage}x${c.trading.allow_short ? ' shorts' : ' long-only'} ${c.dry_run ? 'PAPER' : 'LIVE'} ${md}${c.enabled ? '' : ' (disabled)'}`;
  });
}
