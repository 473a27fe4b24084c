/**
 * The bot machine: one per bot, pure (no I/O). Every effect is an injected actor, provided by
 * `actors/bot/` at run time and by fakes in tests, so the machine can be walked, fuzzed and shown in the
 * Stately inspector.
 *
 *   starting -> reconciling -> idle -> evaluating -> ordering -> persisting -> idle ...
 *                    |            \-> halted (max drawdown, failed reconciliation, a person's pause)
 *                    \-> halted        \-> shuttingDown -> stopped (final)
 *
 * - `idle` waits for the next closed candle (the `waitForCandle` actor pulls it from the feed).
 * - `evaluating` runs strategy + risk and returns a plan; a strategy error skips the cycle, it never stops
 *   the bot.
 * - `ordering` places the plan's orders (journal first, client order ids from the decision); an unknown
 *   outcome goes to `reconciling` before anything else happens.
 * - `halted` never places an order; it leaves only on RESUME (or STOP).
 * - STOP in the middle of a cycle is remembered: the cycle finishes (the supervisor enforces the deadline),
 *   state is persisted, then the machine stops.
 */
import { assign, setup } from 'xstate';

export interface CandleRef {
  readonly ts: number;
  readonly close: number;
}

export interface Plan {
  /** Number of orders to place; 0 = nothing to do this cycle. */
  readonly orders: number;
  /** Set when the core halted the account (max drawdown) during this evaluation. */
  readonly halt?: string;
}

export interface ReconcileResult {
  readonly ok: boolean;
  readonly detail: string;
  /**
   * The bot was halted when it last stopped (a person's pause, a failed reconciliation): it comes back
   * halted, with this reason as it was, until a person resumes it.
   */
  readonly haltedBefore?: string;
}

export interface BotMachineContext {
  readonly botId: string;
  candle: CandleRef | null;
  plan: Plan | null;
  cycles: number;
  ordersPlaced: number;
  skippedCycles: number;
  orderErrors: number;
  haltReason: string | null;
  lastError: string | null;
  stopRequested: boolean;
  feedEnded: boolean;
}

export type BotMachineEvent = { type: 'STOP' } | { type: 'PAUSE'; reason?: string } | { type: 'RESUME' };

/** What the machine hands to `persist`: its state and counters, saved in state.json for people and tools. */
export interface PersistInput {
  readonly machineState: string;
  readonly haltReason: string | null;
  readonly context?: {
    readonly cycles: number;
    readonly ordersPlaced: number;
    readonly skippedCycles: number;
    readonly orderErrors: number;
    readonly lastError: string | null;
  };
}

const persisted = (c: BotMachineContext) => ({
  cycles: c.cycles,
  ordersPlaced: c.ordersPlaced,
  skippedCycles: c.skippedCycles,
  orderErrors: c.orderErrors,
  lastError: c.lastError,
});

export interface BotMachineInput {
  readonly botId: string;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Errors whose outcome is unknown (an order may have been placed) send the bot to reconcile. */
export function isUnknownOutcome(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { kind?: string }).kind === 'unknown-outcome';
}

export const botMachine = setup({
  types: {
    context: {} as BotMachineContext,
    events: {} as BotMachineEvent,
    input: {} as BotMachineInput,
  },
  actors: {
    // Placeholders: `actors/bot/` provides the real ones with `botMachine.provide({ actors })`.
    restore: fromPromiseStub<void, void>('restore'),
    reconcile: fromPromiseStub<ReconcileResult, void>('reconcile'),
    waitForCandle: fromPromiseStub<CandleRef | null, void>('waitForCandle'),
    evaluate: fromPromiseStub<Plan, { candle: CandleRef }>('evaluate'),
    placeOrders: fromPromiseStub<number, { candle: CandleRef }>('placeOrders'),
    persist: fromPromiseStub<void, PersistInput>('persist'),
  },
  guards: {
    stopRequested: ({ context }) => context.stopRequested,
    planHasOrders: ({ event }) => ((event as unknown as { output: Plan }).output?.orders ?? 0) > 0,
    planHalts: ({ event }) => (event as unknown as { output: Plan }).output?.halt !== undefined,
    reconciled: ({ event }) => (event as unknown as { output: ReconcileResult }).output?.ok === true,
    outcomeUnknown: ({ event }) => isUnknownOutcome((event as unknown as { error: unknown }).error),
    orderHalts: ({ event }) =>
      (event as unknown as { error: { kind?: string } | null }).error?.kind === 'halt',
    feedEnded: ({ event }) => (event as unknown as { output: CandleRef | null }).output === null,
  },
  actions: {
    requestStop: assign({ stopRequested: true }),
    /** Lifts the account's halt (provided by the runtime; a person asked for it). */
    resumeAccount: () => {},
    recordError: assign({
      lastError: ({ event }) => message((event as unknown as { error: unknown }).error),
    }),
  },
}).createMachine({
  id: 'bot',
  context: ({ input }) => ({
    botId: input.botId,
    candle: null,
    plan: null,
    cycles: 0,
    ordersPlaced: 0,
    skippedCycles: 0,
    orderErrors: 0,
    haltReason: null,
    lastError: null,
    stopRequested: false,
    feedEnded: false,
  }),
  initial: 'starting',
  on: {
    STOP: { actions: 'requestStop' },
  },
  states: {
    starting: {
      invoke: {
        id: 'restore',
        src: 'restore',
        onDone: [{ guard: 'stopRequested', target: 'shuttingDown' }, { target: 'reconciling' }],
        // A state file that cannot be trusted keeps the bot stopped: never trade on guessed state.
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    reconciling: {
      invoke: {
        id: 'reconcile',
        src: 'reconcile',
        onDone: [
          { guard: 'stopRequested', target: 'shuttingDown' },
          { guard: 'reconciled', target: 'idle' },
          {
            // Through persistingHalt, so state.json carries the reason at once, not only after a shutdown.
            target: 'persistingHalt',
            actions: assign({
              haltReason: ({ event }) =>
                event.output.haltedBefore ?? `reconciliation failed: ${event.output.detail}`,
            }),
          },
        ],
        onError: {
          target: 'persistingHalt',
          actions: [
            'recordError',
            assign({ haltReason: ({ event }) => `reconciliation error: ${message(event.error)}` }),
          ],
        },
      },
    },
    idle: {
      always: { guard: 'stopRequested', target: 'shuttingDown' },
      on: {
        STOP: { target: 'shuttingDown', actions: 'requestStop' },
        PAUSE: {
          target: 'persistingHalt',
          actions: assign({ haltReason: ({ event }) => event.reason ?? 'paused by a person' }),
        },
      },
      invoke: {
        id: 'waitForCandle',
        src: 'waitForCandle',
        onDone: [
          { guard: 'feedEnded', target: 'shuttingDown', actions: assign({ feedEnded: true }) },
          { target: 'evaluating', actions: assign({ candle: ({ event }) => event.output }) },
        ],
        onError: { target: 'idle', reenter: true, actions: 'recordError' },
      },
    },
    evaluating: {
      invoke: {
        id: 'evaluate',
        src: 'evaluate',
        input: ({ context }) => ({ candle: context.candle! }),
        onDone: [
          {
            guard: 'planHasOrders',
            target: 'ordering',
            actions: assign({
              plan: ({ event }) => event.output,
              cycles: ({ context }) => context.cycles + 1,
            }),
          },
          {
            guard: 'planHalts',
            target: 'persistingHalt',
            actions: assign({
              haltReason: ({ event }) => event.output.halt ?? 'halted',
              cycles: ({ context }) => context.cycles + 1,
            }),
          },
          { target: 'persisting', actions: assign({ cycles: ({ context }) => context.cycles + 1 }) },
        ],
        // A throwing strategy skips this cycle; the bot keeps running.
        onError: {
          target: 'persisting',
          actions: ['recordError', assign({ skippedCycles: ({ context }) => context.skippedCycles + 1 })],
        },
      },
    },
    ordering: {
      invoke: {
        id: 'placeOrders',
        src: 'placeOrders',
        input: ({ context }) => ({ candle: context.candle! }),
        onDone: {
          target: 'persisting',
          actions: assign({ ordersPlaced: ({ context, event }) => context.ordersPlaced + event.output }),
        },
        onError: [
          {
            // e.g. insufficient funds: no further entries until a person has looked.
            guard: 'orderHalts',
            target: 'persistingHalt',
            actions: [
              'recordError',
              assign({
                orderErrors: ({ context }) => context.orderErrors + 1,
                haltReason: ({ event }) => message(event.error),
              }),
            ],
          },
          {
            guard: 'outcomeUnknown',
            target: 'reconciling',
            actions: ['recordError', assign({ orderErrors: ({ context }) => context.orderErrors + 1 })],
          },
          {
            target: 'persisting',
            actions: ['recordError', assign({ orderErrors: ({ context }) => context.orderErrors + 1 })],
          },
        ],
      },
    },
    persisting: {
      invoke: {
        id: 'persist',
        src: 'persist',
        input: ({ context }) => ({ machineState: 'idle', haltReason: null, context: persisted(context) }),
        onDone: [{ guard: 'stopRequested', target: 'shuttingDown' }, { target: 'idle' }],
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    persistingHalt: {
      invoke: {
        id: 'persistHalt',
        src: 'persist',
        input: ({ context }) => ({
          machineState: 'halted',
          haltReason: context.haltReason,
          context: persisted(context),
        }),
        onDone: { target: 'halted' },
        onError: { target: 'failed', actions: 'recordError' },
      },
    },
    halted: {
      always: { guard: 'stopRequested', target: 'shuttingDown' },
      on: {
        RESUME: { target: 'reconciling', actions: ['resumeAccount', assign({ haltReason: null })] },
        STOP: { target: 'shuttingDown', actions: 'requestStop' },
      },
    },
    shuttingDown: {
      invoke: {
        id: 'persistFinal',
        src: 'persist',
        input: ({ context }) => ({
          machineState: 'stopped',
          haltReason: context.haltReason,
          context: persisted(context),
        }),
        onDone: { target: 'stopped' },
        onError: { target: 'stopped', actions: 'recordError' },
      },
    },
    stopped: { type: 'final' },
    /** The bot cannot run (bad state file, disk that refuses writes): stays down, the other bot runs on. */
    failed: {
      on: { STOP: { target: 'stopped' } },
    },
  },
});

import { fromPromise } from 'xstate';

/** A placeholder actor that fails loudly when a machine runs without its effects provided. */
function fromPromiseStub<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(async () => {
    throw new Error(`bot machine actor "${name}" was not provided`);
  });
}
