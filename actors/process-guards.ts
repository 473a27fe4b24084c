/**
 * Process-level error handlers. An unhandled rejection or uncaught exception raised by a bot's work is
 * logged with that bot and restarts only that bot (within its restart budget); one that no bot can be held
 * responsible for is logged and ends the process, so systemd restarts it from the saved state.
 */
import { currentBot } from './bot-context.js';
import type { Logging } from './log.js';

export interface GuardTarget {
  /** Fails one bot through its supervisor (restart with backoff, or `failed` past the budget). */
  crashBot(name: string, why: string): boolean;
}

export function installProcessGuards(
  target: GuardTarget,
  logging: Logging,
  exit: (code: number) => void = process.exit,
): () => void {
  const handle = (kind: string) => (err: unknown) => {
    const bot = currentBot();
    const why = err instanceof Error ? err.message : String(err);
    if (bot && target.crashBot(bot, `${kind}: ${why}`)) {
      logging.root.error({ bot, err, alert: true }, `${kind} in bot ${bot}: restarting that bot`);
      return;
    }
    logging.root.fatal({ err }, `${kind} outside any bot: exiting`);
    logging.flush();
    exit(1);
  };
  const onRejection = handle('unhandled rejection');
  const onException = handle('uncaught exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
