/**
 * Connects bot actors to the Stately inspector over a websocket, so the machines and their live
 * transitions can be watched. Best effort by design: an unreachable or failing inspector is logged once
 * and never breaks trading.
 */
import type { InspectionEvent } from 'xstate';
import type { Logger } from './log.js';

export async function createInspect(
  url: string,
  log: Logger,
): Promise<{ inspect: (e: InspectionEvent) => void; stop(): void }> {
  let warned = false;
  const warn = (err: unknown) => {
    if (warned) return;
    warned = true;
    log.warn(
      { url, error: err instanceof Error ? err.message : String(err) },
      'inspector not reachable; trading continues',
    );
  };
  try {
    const { createWebSocketInspector } = await import('@statelyai/inspect');
    const inspector = createWebSocketInspector({ url });
    log.info({ url }, 'sending machine transitions to the Stately inspector');
    return {
      inspect: (e) => {
        try {
          inspector.inspect.next?.(e);
        } catch (err) {
          warn(err);
        }
      },
      stop: () => {
        try {
          inspector.stop();
        } catch (err) {
          warn(err);
        }
      },
    };
  } catch (err) {
    warn(err);
    return { inspect: () => {}, stop: () => {} };
  }
}
