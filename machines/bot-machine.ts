/**
 * The bot machine: one per bot, pure (no I/O). Every effect is an injected actor, provided by
 * `actors/bot/` at run time and by fakes in tests, so the machine can be walked, fuzzed and shown in the
 * Stately inspector.
 *
 *   starting -> reconciling -> idle -> evaluating -> ordering -> persisting -> idle ...
 *                 |    ^  \-> halted (the books and the exchange disagree: every order stops)
 *                 v    |       \-> shuttingDown -> stopped (final)
 *           awaitingExchange (an order of unknown outcome the exchange does not show yet)
 *
 * - `idle` waits for the next closed candle (the `waitForCandle` actor pulls it from the feed).
 * - `evaluating` runs strategy + risk and returns a plan; a strategy error skips the cycle, it never stops
 *   the bot.
 * - `ordering` places the plan's orders (journal first, client order ids from the decision); an unknown
 *   outcome goes to `reconciling` before anything else happens.
 * - A halt blocks entries, never exits: a person's pause, the drawdown limit, insufficient funds or a
 *   position changed on the exchange set `haltReason`, and the cycle goes on with stops, take-profits and
 *   the strategy's exits until RESUME.
 * - `halted` is for "we do not know what we hold": it never places an order and leaves only on RESUME
 *   (through reconciliation) or STOP.
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
  /** Set when entries were halted during this evaluation (max drawdown, a change made on the exchange). */
  readonly halt?: string;
  /** Set when the books and the exchange disagree and nothing explains it: every order stops. */
  readonly block?: string;
  /** The strategy threw on this candle (logged and counted; the risk exits still went into the plan). */
  readonly strategyError?: string;
}

export interface ReconcileResult {
  readonly ok: boolean;
  readonly detail: string;
  /**
   * The bot was halted when it last stopped (a person's pause, a failed reconciliation): it comes back
   * halted, with this reason as it was, until a person resumes it.
   */
  readonly haltedBefore?: string;
  /** Not settled yet (an order of unknown outcome the exchange does not show): look again after a while. */
  readonly retry?: boolean;
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
  /** Reconciliation attempts in a row that asked to look again (backoff). */
  reconcileAttempts: number;
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
    evaluate: fromPromiseStub<Plan, { candle: CandleRef; entriesBlocked: string | null }>('evaluate'),
    placeOrders: fromPromiseStub<number, { candle: CandleRef }>('placeOrders'),
    persist: fromPromiseStub<void, PersistInput>('persist'),
  },
  guards: {
    stopRequested: ({ context }) => context.stopRequested,
    planHasOrders: ({ event }) => ((event as unknown as { output: Plan }).output?.orders ?? 0) > 0,
    planBlocks: ({ event }) => (event as unknown as { output: Plan }).output?.block !== undefined,
    reconciled: ({ event }) => (event as unknown as { output: ReconcileResult }).output?.ok === true,
    reconcileAgain: ({ event }) => (event as unknown as { output: ReconcileResult }).output?.retry === true,
    outcomeUnknown: ({ event }) => isUnknownOutcome((event as unknown as { error: unknown }).error),
    orderHalts: ({ event }) =>
      (event as unknown as { error: { kind?: string } | null }).error?.kind === 'halt',
    orderBlocks: ({ event }) =>
      (event as unknown as { error: { kind?: string } | null }).error?.kind === 'block',
    feedEnded: ({ event }) => (event as unknown as { output: CandleRef | null }).output === null,
  },
  actions: {
    requestStop: assign({ stopRequested: true }),
    /** Lifts the account's halt (provided by the runtime; a person asked for it). */
    resumeAccount: () => {},
    recordError: assign({
      lastError: ({ event }) => message((event as unknown as { error: unknown }).error),
    }),
    /** Counts the order error and takes its message as the halt reason. */
    haltOnOrderError: assign({
      orderErrors: ({ context }) => context.orderErrors + 1,
      haltReason: ({ event }) => message((event as unknown as { error: unknown }).error),
    }),
    /** Takes the evaluation's halt and strategy error into the context. */
    takePlan: assign(({ context, event }) => {
      const out = (event as unknown as { output: Plan }).output;
      return {
        plan: out,
        cycles: context.cycles + 1,
        haltReason: context.haltReason ?? out.halt ?? null,
        ...(out.strategyError !== undefined
          ? { lastError: out.strategyError, skippedCycles: context.skippedCycles + 1 }
          : {}),
      };
    }),
  },
  delays: {
    /** 1 s doubling to 30 s between looks for an order of unknown outcome. */
    reconcileBackoff: ({ context }) => Math.min(1000 * 2 ** Math.min(context.reconcileAttempts, 5), 30_000),
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
    reconcileAttempts: 0,
  }),
  initial: 'starting',
  on: {
    STOP: { actions: 'requestStop' },
    // A pause blocks entries from the next evaluation on; exits go on.
    PAUSE: { actions: assign({ haltReason: ({ event }) => event.reason ?? 'paused by a person' }) },
    RESUME: { actions: ['resumeAccount', assign({ haltReason: null })] },
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
          {
            guard: 'reconciled',
            target: 'idle',
            actions: assign({
              reconcileAttempts: 0,
              haltReason: ({ context, event }) => event.output.haltedBefore ?? context.haltReason,
            }),
          },
          {
            guard: 'reconcileAgain',
            target: 'awaitingExchange',
            actions: assign({ reconcileAttempts: ({ context }) => context.reconcileAttempts + 1 }),
          },
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
    /** An order of unknown outcome is not on the exchange yet: every order waits, then reconcile again. */
    awaitingExchange: {
      always: { guard: 'stopRequested', target: 'shuttingDown' },
      after: { reconcileBackoff: { target: 'reconciling' } },
      on: { STOP: { target: 'shuttingDown', actions: 'requestStop' } },
    },
    idle: {
      always: { guard: 'stopRequested', target: 'shuttingDown' },
      on: {
        STOP: { target: 'shuttingDown', actions: 'requestStop' },
        PAUSE: {
          // Through persisting, so state.json carries the reason at once.
          target: 'persisting',
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
        input: ({ context }) => ({ candle: context.candle!, entriesBlocked: context.haltReason }),
        onDone: [
          {
            guard: 'planBlocks',
            target: 'persistingHalt',
            actions: assign({
              haltReason: ({ event }) => `books and exchange disagree: ${event.output.block}`,
              cycles: ({ context }) => context.cycles + 1,
            }),
          },
          { guard: 'planHasOrders', target: 'ordering', actions: 'takePlan' },
          { target: 'persisting', actions: 'takePlan' },
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
          // An exit the exchange cannot fill from what it holds: every order stops.
          { guard: 'orderBlocks', target: 'persistingHalt', actions: ['recordError', 'haltOnOrderError'] },
          // e.g. insufficient funds for an entry: no further entries until a person has looked.
          { guard: 'orderHalts', target: 'persisting', actions: ['recordError', 'haltOnOrderError'] },
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
        input: ({ context }) => ({
          machineState: 'idle',
          haltReason: context.haltReason,
          context: persisted(context),
        }),
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
        PAUSE: {},
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
