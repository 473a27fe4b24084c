import { getShortestPaths, toDirectedGraph } from '@xstate/graph';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyMachineSnapshot, createActor, fromPromise, initialTransition, transition } from 'xstate';
import { botMachine, type CandleRef, type Plan, type ReconcileResult } from '../machines/bot-machine.js';

/** Events the invoked actors can produce, by invoke id. */
const done = (id: string, output: unknown) => ({ type: `xstate.done.actor.${id}`, output }) as never;
const fail = (id: string, error: unknown) => ({ type: `xstate.error.actor.${id}`, error }) as never;
const CANDLE: CandleRef = { ts: 1, close: 10 };

const EVENT_POOL = [
  { type: 'STOP' },
  { type: 'PAUSE', reason: 'test' },
  { type: 'RESUME' },
  done('restore', undefined),
  fail('restore', new Error('corrupt state')),
  done('reconcile', { ok: true, detail: '' } satisfies ReconcileResult),
  done('reconcile', { ok: false, detail: 'mismatch' } satisfies ReconcileResult),
  done('reconcile', { ok: false, retry: true, detail: 'not on the exchange yet' } satisfies ReconcileResult),
  done('reconcile', { ok: true, detail: '', haltedBefore: 'paused by a person' } satisfies ReconcileResult),
  { type: 'xstate.after.reconcileBackoff.bot.awaitingExchange' },
  fail('reconcile', new Error('exchange down')),
  done('waitForCandle', CANDLE),
  done('waitForCandle', null),
  fail('waitForCandle', new Error('feed hiccup')),
  done('evaluate', { orders: 0 } satisfies Plan),
  done('evaluate', { orders: 2 } satisfies Plan),
  done('evaluate', { orders: 0, halt: 'max drawdown' } satisfies Plan),
  done('evaluate', { orders: 1, halt: 'max drawdown' } satisfies Plan),
  done('evaluate', { orders: 1, strategyError: 'threw' } satisfies Plan),
  done('evaluate', { orders: 0, block: 'the exchange holds 2, the books 1' } satisfies Plan),
  fail('evaluate', new Error('strategy threw')),
  done('placeOrders', 1),
  fail('placeOrders', Object.assign(new Error('timeout after send'), { kind: 'unknown-outcome' })),
  fail('placeOrders', Object.assign(new Error('insufficient funds'), { kind: 'rejected' })),
  fail('placeOrders', Object.assign(new Error('insufficient funds'), { kind: 'halt' })),
  fail('placeOrders', Object.assign(new Error('exit larger than held'), { kind: 'block' })),
  done('persist', undefined),
  fail('persist', new Error('disk full')),
  done('persistHalt', undefined),
  done('persistFinal', undefined),
  fail('persistFinal', new Error('disk full')),
] as const;

const start = () => initialTransition(botMachine, { botId: 'test' })[0];
const value = (s: AnyMachineSnapshot) => String(s.value);
/** The actor each state invokes (pure transitions do not start actors, so this is read from the state). */
const INVOKES: Record<string, string | undefined> = {
  starting: 'restore',
  reconciling: 'reconcile',
  idle: 'waitForCandle',
  evaluating: 'evaluate',
  ordering: 'placeOrders',
  persisting: 'persist',
  persistingHalt: 'persistHalt',
  shuttingDown: 'persistFinal',
};
const invoked = (s: AnyMachineSnapshot) => {
  const id = INVOKES[value(s)];
  return id ? [id] : [];
};

describe('bot machine', () => {
  it('has readable states, and every one is reachable', () => {
    const graph = toDirectedGraph(botMachine);
    const states = graph.children.map((c) => c.id.replace(/^bot\./, ''));
    expect(states.sort()).toEqual(
      [
        'awaitingExchange',
        'evaluating',
        'failed',
        'halted',
        'idle',
        'ordering',
        'persisting',
        'persistingHalt',
        'reconciling',
        'shuttingDown',
        'starting',
        'stopped',
      ].sort(),
    );
    // States are identified by their value and stop flag (the counters in the context would make every
    // cycle a new state and the walk endless).
    const paths = getShortestPaths(botMachine, {
      events: [...EVENT_POOL] as never,
      input: { botId: 'graph' },
      serializeState: (st: AnyMachineSnapshot) => `${value(st)}|${st.context.stopRequested}`,
      limit: 10_000,
    } as never);
    const reached = new Set(paths.map((p) => value(p.state as AnyMachineSnapshot)));
    expect([...reached].sort()).toEqual(states.sort());
  });

  it('walks a full cycle: start, reconcile, candle, order, persist, idle; STOP mid-cycle finishes the cycle first', () => {
    let s = start();
    const step = (e: never) => {
      s = transition(botMachine, s, e)[0];
      return value(s);
    };
    expect(value(s)).toBe('starting');
    expect(step(done('restore', undefined))).toBe('reconciling');
    expect(step(done('reconcile', { ok: true, detail: '' }))).toBe('idle');
    expect(step(done('waitForCandle', CANDLE))).toBe('evaluating');
    expect(step(done('evaluate', { orders: 1 }))).toBe('ordering');
    expect(step({ type: 'STOP' } as never)).toBe('ordering'); // the order in flight is not abandoned
    expect(step(done('placeOrders', 1))).toBe('persisting');
    expect(step(done('persist', undefined))).toBe('shuttingDown');
    expect(step(done('persistFinal', undefined))).toBe('stopped');
    expect(s.status).toBe('done');
    expect(s.context.ordersPlaced).toBe(1);
  });

  it('an order with an unknown outcome goes to reconciliation before anything else', () => {
    let s = start();
    for (const e of [
      done('restore', undefined),
      done('reconcile', { ok: true, detail: '' }),
      done('waitForCandle', CANDLE),
      done('evaluate', { orders: 1 }),
    ]) {
      s = transition(botMachine, s, e)[0];
    }
    s = transition(
      botMachine,
      s,
      fail('placeOrders', Object.assign(new Error('lost'), { kind: 'unknown-outcome' })),
    )[0];
    expect(value(s)).toBe('reconciling');
  });

  it('a strategy error skips the cycle and the bot keeps running', () => {
    let s = start();
    for (const e of [
      done('restore', undefined),
      done('reconcile', { ok: true, detail: '' }),
      done('waitForCandle', CANDLE),
    ]) {
      s = transition(botMachine, s, e)[0];
    }
    s = transition(botMachine, s, fail('evaluate', new Error('boom')))[0];
    expect(value(s)).toBe('persisting');
    s = transition(botMachine, s, done('persist', undefined))[0];
    expect(value(s)).toBe('idle');
    expect(s.context.skippedCycles).toBe(1);
    expect(s.context.lastError).toBe('boom');
  });

  it('a failed restore (corrupt state) ends in failed, never in trading', () => {
    const s = transition(botMachine, start(), fail('restore', new Error('state.json: corrupt')))[0];
    expect(value(s)).toBe('failed');
  });

  it('invariants over random event sequences, with every state and both halts reached', () => {
    /** Events the current state can receive: people's events, and the report of the actor it invokes. */
    const applicable = (s: AnyMachineSnapshot) =>
      EVENT_POOL.filter((e) => {
        const t = (e as { type: string }).type;
        const m = /^xstate\.(?:done|error)\.actor\.(.+)$/.exec(t);
        if (m) return invoked(s).includes(m[1]!);
        if (t.startsWith('xstate.after.')) return value(s) === 'awaitingExchange';
        return true;
      });
    const reached = new Set<string>();
    let entryBlockedEvaluations = 0;
    let ordersWhileHalted = 0;
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 30, maxLength: 150 }), (picks) => {
        let s = start();
        for (const n of picks) {
          // People's events (STOP, PAUSE, RESUME) one step in eight, so cycles run long enough to matter.
          const all = applicable(s);
          const reports = all.filter((e) => (e as { type: string }).type.startsWith('xstate.'));
          const options = n % 8 === 0 || reports.length === 0 ? all : reports;
          const e = options[Math.floor(n / 8) % options.length]!;
          const before = value(s);
          s = transition(botMachine, s, e as never)[0];
          const after = value(s);
          reached.add(after);
          // Never two orders in flight: at most one invoked actor, and placeOrders only in `ordering`.
          expect(invoked(s).length).toBeLessThanOrEqual(1);
          if (invoked(s).includes('placeOrders')) expect(after).toBe('ordering');
          // Halted ("we do not know what we hold") never orders: it leads only to reconciliation or a stop.
          if (before === 'halted') expect(['halted', 'reconciling', 'shuttingDown']).toContain(after);
          // Waiting for an order of unknown outcome never orders either.
          if (before === 'awaitingExchange')
            expect(['awaitingExchange', 'reconciling', 'shuttingDown']).toContain(after);
          // A halt of entries reaches the evaluation, which plans exits only (see test/live-account.test.ts).
          if (after === 'evaluating' && s.context.haltReason !== null) entryBlockedEvaluations++;
          if (after === 'ordering' && s.context.haltReason !== null) ordersWhileHalted++;
          if (before === 'failed') expect(['failed', 'stopped']).toContain(after);
          if (before === 'stopped') expect(after).toBe('stopped');
        }
        // Shutting down always reaches the final state: STOP, then the in-flight work completes.
        s = transition(botMachine, s, { type: 'STOP' } as never)[0];
        for (let i = 0; i < 10 && s.status !== 'done' && value(s) !== 'failed'; i++) {
          if (value(s) === 'awaitingExchange') break;
          const id = invoked(s)[0];
          if (!id) break;
          const out =
            id === 'reconcile'
              ? { ok: true, detail: '' }
              : id === 'evaluate'
                ? { orders: 0 }
                : id === 'waitForCandle'
                  ? CANDLE
                  : id === 'placeOrders'
                    ? 0
                    : undefined;
          s = transition(botMachine, s, done(id, out))[0];
        }
        if (value(s) === 'failed') s = transition(botMachine, s, { type: 'STOP' } as never)[0];
        expect(value(s)).toBe('stopped');
      }),
      { numRuns: 300 },
    );
    // Coverage: the generator reaches every state, and exits are planned while entries are halted.
    const states = toDirectedGraph(botMachine).children.map((c) => c.id.replace(/^bot\./, ''));
    expect([...reached].sort()).toEqual(states.sort());
    expect(entryBlockedEvaluations).toBeGreaterThan(15);
    expect(ordersWhileHalted).toBeGreaterThan(5);
  });

  it('runs with provided actors and stops cleanly (no real effects)', async () => {
    let candles = 0;
    const actor = createActor(
      botMachine.provide({
        actors: {
          restore: fromPromise<void, void>(async () => {}),
          reconcile: fromPromise<ReconcileResult, void>(async () => ({ ok: true, detail: '' })),
          waitForCandle: fromPromise<CandleRef | null, void>(async () =>
            candles++ < 5 ? { ts: candles, close: 1 } : null,
          ),
          evaluate: fromPromise<Plan, { candle: CandleRef; entriesBlocked: string | null }>(async () => ({
            orders: 1,
          })),
          placeOrders: fromPromise<number, { candle: CandleRef }>(async () => 1),
          persist: fromPromise<void, { machineState: string; haltReason: string | null }>(async () => {}),
        },
      }),
      { input: { botId: 'fake' } },
    );
    const finished = new Promise<AnyMachineSnapshot>((resolve) =>
      actor.subscribe((s) => s.status === 'done' && resolve(s)),
    );
    actor.start();
    const s = await finished;
    expect(s.context.ordersPlaced).toBe(5);
    expect(s.context.feedEnded).toBe(true);
  });
});
