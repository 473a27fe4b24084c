/**
 * Turns one closed candle into the orders it calls for: the stop-loss or take-profit exit found on the
 * candle's range, then the strategy's target through the risk rules. Pure: the session runs the strategy
 * and hands its decision (or its error) in.
 *
 * A halt blocks entries, never exits: stops, take-profits and the strategy's exits are planned whatever the
 * halt, as the backtester does. A strategy that throws plans no new target, but the stop found on the same
 * candle still goes out.
 */
import {
  type Account,
  type Candle,
  checkStopTakeProfit,
  effectiveTarget,
  type RiskConfig,
  type Target,
} from '../../core/index.js';
import type { PlannedOrder } from './order-lifecycle.js';

export interface CycleInput {
  readonly account: Account;
  readonly candle: Candle;
  readonly risk: RiskConfig;
  /** The strategy's target on this candle (null: no opinion, or it threw). */
  readonly signal: Target | null;
  readonly reason: string;
  readonly lastActed: Target | null;
  /** Why entries are blocked (a person's pause, insufficient funds, a change made on the exchange). */
  readonly entriesBlocked: string | null;
}

export interface CyclePlan {
  readonly orders: PlannedOrder[];
  /** The target now counts as acted on without an order (it needed none, or only a blocked entry). */
  readonly acted?: Target;
}

export function planCycle(i: CycleInput): CyclePlan {
  const pos = i.account.position;
  const orders: PlannedOrder[] = [];
  // Stops and take-profits are checked on the closed candle's range; the exit is a market order now.
  const stop = pos.side !== 'NONE' ? checkStopTakeProfit(pos, i.candle, i.risk) : null;
  if (stop) {
    orders.push({
      action: 'stop',
      side: pos.side === 'LONG' ? 'sell' : 'buy',
      target: 'FLAT',
      reason: stop.reason,
      reduceOnly: true,
    });
    return { orders };
  }
  if (i.signal === null) return { orders };
  const target = effectiveTarget(i.signal, i.risk);
  if (target === i.lastActed) return { orders };
  if (pos.side !== 'NONE' && pos.side !== target) {
    orders.push({
      action: 'close',
      side: pos.side === 'LONG' ? 'sell' : 'buy',
      target,
      reason: `${i.reason} (close ${pos.side})`,
      reduceOnly: true,
    });
  }
  const wantsEntry = target !== 'FLAT' && pos.side !== target;
  if (wantsEntry && i.account.halted === null && i.entriesBlocked === null) {
    orders.push({
      action: 'open',
      side: target === 'LONG' ? 'buy' : 'sell',
      target,
      reason: i.reason,
      reduceOnly: false,
    });
  }
  // An entry blocked by the drawdown halt counts as acted on, as in the backtester; one blocked by the
  // machine's halt (a pause, funds, the exchange) is taken up again once a person resumes the bot.
  if (orders.length === 0 && !(wantsEntry && i.entriesBlocked !== null)) return { orders, acted: target };
  return { orders };
}
