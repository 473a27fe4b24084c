/**
 * Which bot the current asynchronous work belongs to. The supervisor starts each bot inside its own context,
 * and every promise and timer created from there inherits it, so an error that escapes a bot's actor (a
 * stray rejection, an exception in a timer) can still be attributed to that bot and handled by restarting
 * it, instead of taking the whole process down.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export const botContext = new AsyncLocalStorage<{ readonly bot: string }>();

/** The bot whose work is running now, if any. */
export function currentBot(): string | undefined {
  return botContext.getStore()?.bot;
}
