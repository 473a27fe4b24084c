import { fc, test as fcTest } from '@fast-check/vitest';
import { getShortestPaths, toDirectedGraph } from '@xstate/graph';
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
  fail('reconcile', new Error('exchange down')),
  done('waitForCandle', CANDLE),
  done('waitForCandle', null),
  fail('waitForCandle', new Error('feed hiccup')),
  done('evaluate', { orders: 0 } satisfies Plan),
  done('evaluate', { orders: 2 } satisfies Plan),
  done('evaluate', { orders: 0, halt: 'max drawdown' } satisfies Plan),
  fail('evaluate', new Error('strategy threw')),
  done('placeOrders', 1),
  fail('placeOrders', Object.assign(new Error('timeout after send'), { kind: 'unknown-outcome' })),
  fail('placeOrders', Object.assign(new Error('insufficient funds'), { kind: 'rejected' })),
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

  fcTest.prop([fc.array(fc.constantFrom(...EVENT_POOL), { maxLength: 60 })], { numRuns: 400 })(
    'invariants over random event sequences',
    (events) => {
      let s = start();
      for (const e of events) {
        // Only the actor invoked in the current state can report (a stopped actor's events never arrive;
        // an error event from an actor that does not exist would put the snapshot in error status).
        const m = /^xstate\.(?:done|error)\.actor\.(.+)$/.exec((e as { type: string }).type);
        if (m && !invoked(s).includes(m[1]!)) continue;
        const before = value(s);
        s = transition(botMachine, s, e as never)[0];
        const after = value(s);
        // Never two orders in flight: at most one invoked actor, and placeOrders only in `ordering`.
        expect(invoked(s).length).toBeLessThanOrEqual(1);
        if (invoked(s).includes('placeOrders')) expect(after).toBe('ordering');
        // Halted never places an order: nothing leads from halted straight to ordering or evaluating.
        if (before === 'halted') expect(['halted', 'reconciling', 'shuttingDown']).toContain(after);
        // Failed stays failed (a person or the supervisor restarts it), unless stopped.
        if (before === 'failed') expect(['failed', 'stopped']).toContain(after);
        if (before === 'stopped') expect(after).toBe('stopped');
      }
      // Shutting down always reaches the final state: STOP, then the in-flight work completes.
      s = transition(botMachine, s, { type: 'STOP' } as never)[0];
      for (let i = 0; i < 10 && s.status !== 'done' && value(s) !== 'failed'; i++) {
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
    },
  );

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
          evaluate: fromPromise<Plan, { candle: CandleRef }>(async () => ({ orders: 1 })),
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
