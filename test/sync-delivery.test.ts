import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogging, type Logging } from '../actors/log.js';
import { createSyncActor, type SyncActor, type SyncActorOptions } from '../actors/sync/index.js';
import { tempDir } from './helpers/cli.js';
import { waitFor } from './helpers/runtime.js';
import { type Board, FakeRuntime, startBoard } from './sync-fake-runtime.js';

const SECRET = 'mc-shared-secret-0123456789abcdef';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const until = (check: () => boolean, timeoutMs = 5000, what = 'condition') =>
  waitFor(() => (check() ? true : undefined), timeoutMs, what);

describe('sync actor against a receiving board on 127.0.0.1', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  function setup(board: Board | { url: string }, extra: Partial<SyncActorOptions> = {}) {
    const home = tempDir('dualbot-sync-');
    // Scrubbing by value is switched off (empty env), so the log proves the actor never logs the secret.
    const logging: Logging = createLogging({
      logDir: path.join(home, 'logs'),
      stdout: false,
      env: {},
      level: 'debug',
    });
    const rt = new FakeRuntime();
    const sizes: number[] = [];
    const make = (o: Partial<SyncActorOptions> = {}): SyncActor =>
      createSyncActor({
        home,
        source: rt,
        log: logging.root,
        url: board.url,
        secret: SECRET,
        intervalMs: 60_000,
        settleMs: 30,
        startupWaitMs: 50,
        requestTimeoutMs: 250,
        flushTimeoutMs: 800,
        backoff: { baseMs: 10, maxMs: 80 },
        onOutboxSize: (n) => sizes.push(n),
        ...extra,
        ...o,
      });
    cleanup.push(() => rmSync(home, { recursive: true, force: true }));
    return { home, logging, rt, sizes, make };
  }

  it('delivers every trade through 503s, timeouts and a closed port, coalesces snapshots, and never logs the secret', async () => {
    const board = await startBoard(SECRET);
    cleanup.push(() => board.close());
    const { home, logging, rt, sizes, make } = setup(board);
    const actor = make();
    actor.start();
    actor.scheduleStartupSnapshot();
    await until(() => board.accepted.some((p) => p.event === 'snapshot'), 5000, 'the start-up snapshot');

    const trades: string[] = [];
    const trade = (bot: string) => trades.push(rt.trade(bot).client_order_id);
    trade('coinbase');
    trade('kraken');
    await until(() => board.accepted.filter((p) => p.event === 'trade').length === 2, 5000, 'two trades');

    // Down, three ways: 503s, a board that hangs (client timeouts), then nothing listening at all.
    board.mode = '503';
    trade('kraken');
    for (let i = 0; i < 5; i++) actor.snapshot('test');
    await until(() => board.counts.failed >= 3, 5000, 'a few 503s');
    board.mode = 'hang';
    trade('coinbase');
    await until(() => board.counts.hung >= 2, 5000, 'two timed-out posts');
    await board.close();
    for (let i = 0; i < 6; i++) {
      trade(i % 2 === 0 ? 'coinbase' : 'kraken');
      actor.snapshot('test');
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(actor.status().state).toBe('retrying');
    expect(actor.status().pending).toBeGreaterThan(6);

    const beforeRecovery = board.accepted.length;
    board.mode = 'up';
    await board.reopen();
    await until(() => actor.status().pending === 0, 8000, 'the outbox to drain');

    const gotTrades = board.accepted.filter((p) => p.event === 'trade');
    expect(new Set(gotTrades.map((p) => p.eventId))).toEqual(new Set(trades));
    expect(gotTrades.every((p) => p.trade?.id === p.eventId)).toBe(true);
    // Only the newest of the 11 snapshots queued during the outage was kept.
    const lateSnapshots = board.accepted.slice(beforeRecovery).filter((p) => p.event === 'snapshot');
    expect(lateSnapshots).toHaveLength(1);
    // Items go out in order, so the board's last word is the newest state.
    expect(board.accepted.at(-1)?.event).toBe('snapshot');
    // Each trade item shows the position after its fill (rebuilt once the bot saved state), not before.
    for (const p of gotTrades) {
      const b = p.bots.find((x) => x.id === p.trade!.bot)!;
      expect(p.trades.at(-1)?.id).toBe(p.eventId);
      expect(b.position).toBe(p.trade!.position_after);
    }
    expect(board.counts.badSecret).toBe(0);
    expect(board.counts.invalid).toBe(0);
    expect(Math.max(...sizes)).toBeGreaterThan(6);
    expect(sizes.at(-1)).toBe(0);

    await actor.stop();
    expect(board.accepted.at(-1)?.event).toBe('snapshot');
    logging.flush();
    for (const f of filesUnder(home)) {
      if (f.endsWith('.log')) expect(readFileSync(f, 'utf8'), f).not.toContain(SECRET);
    }
  }, 15_000);

  it('drops an item the board refuses with a 4xx, and honours Retry-After on a 429', async () => {
    const board = await startBoard(SECRET);
    cleanup.push(() => board.close());
    // A long backoff: the quick retry after the 429 can only come from its Retry-After.
    const { rt, make } = setup(board, { backoff: { baseMs: 30_000, maxMs: 30_000 } });
    const actor = make();
    actor.start();
    const refused = rt.trade('coinbase');
    board.scripted.set(refused.client_order_id, [{ status: 400 }]);
    const limited = rt.trade('kraken');
    board.scripted.set(limited.client_order_id, [{ status: 429, headers: { 'retry-after': '1' } }]);
    const ok = rt.trade('kraken');
    await until(() => actor.status().pending === 0, 5000, 'the outbox to drain');
    const tries = (id: string) => board.seen.filter((s) => s.eventId === id);
    expect(tries(refused.client_order_id).map((s) => s.status)).toEqual([400]);
    const l = tries(limited.client_order_id);
    expect(l.map((s) => s.status)).toEqual([429, 200]);
    expect(l[1]!.at - l[0]!.at).toBeGreaterThanOrEqual(950);
    expect(tries(ok.client_order_id).map((s) => s.status)).toEqual([200]);
    expect(actor.alerts()).toEqual([]);
    await actor.stop();
  }, 15_000);

  it('items pending when the actor stops are delivered by a new instance after a restart', async () => {
    // Reserve a port, then leave it closed: the board is down while the first instance runs.
    const probe = await startBoard(SECRET);
    const port = probe.port;
    const url = probe.url;
    await probe.close();
    const { home, rt, make } = setup({ url });
    const first = make();
    first.start();
    const ids = [rt.trade('coinbase'), rt.trade('kraken'), rt.trade('coinbase'), rt.trade('kraken')].map(
      (t) => t.client_order_id,
    );
    first.snapshot('test');
    await first.stop();
    const onDisk = readdirSync(path.join(home, 'outbox')).filter((n) => n.endsWith('.json'));
    expect(onDisk.filter((n) => n.endsWith('-trade.json'))).toHaveLength(4);
    expect(onDisk.filter((n) => n.endsWith('-snapshot.json'))).toHaveLength(1);

    const board = await startBoard(SECRET, port);
    cleanup.push(() => board.close());
    const second = make();
    second.start();
    await until(() => second.status().pending === 0, 5000, 'the second instance to drain the outbox');
    expect(board.accepted.filter((p) => p.event === 'trade').map((p) => p.eventId)).toEqual(ids);
    expect(board.accepted.filter((p) => p.event === 'snapshot')).toHaveLength(1);
    await second.stop();
  }, 15_000);

  it('an invalid payload or a failing outbox (the disk) is alerted and never reaches the bot whose trade triggered it', async () => {
    const board = await startBoard(SECRET);
    cleanup.push(() => board.close());
    const { home, rt, make } = setup(board);
    const actor = make();
    actor.start();
    // A payload that fails the schema (a NaN equity) is refused before it is queued, with an alert.
    const session = rt.bots[0]!.session!;
    rt.bots[0]!.session = { ...session, equity: Number.NaN };
    expect(() => rt.trade('coinbase')).not.toThrow();
    expect(actor.alerts().join('\n')).toMatch(/^Mission Control: queueing a trade failed/m);
    rt.bots[0]!.session = session;
    // The outbox folder turns into a file: every write into it fails.
    rmSync(path.join(home, 'outbox'), { recursive: true });
    writeFileSync(path.join(home, 'outbox'), 'not a folder');
    expect(() => rt.trade('coinbase')).not.toThrow();
    expect(() => actor.snapshot('test')).not.toThrow();
    expect(actor.alerts().join('\n')).toMatch(/^Mission Control: snapshot failed: ENOTDIR/m);
    await actor.stop();
  });

  it('without a URL it stays idle, says so once, and creates no outbox', async () => {
    const { home, logging, rt, make } = setup({ url: '' }, { url: undefined });
    const actor = make();
    actor.start();
    actor.scheduleStartupSnapshot();
    rt.trade('coinbase');
    await actor.stop();
    logging.flush();
    const log = readFileSync(path.join(home, 'logs', 'dualbot.log'), 'utf8');
    expect(log.match(/Mission Control sync is off: MISSION_CONTROL_URL is not set/g)).toHaveLength(1);
    expect(readdirSync(home)).not.toContain('outbox');
    expect(actor.status()).toMatchObject({ state: 'off', pending: 0 });
    expect(actor.alerts()).toEqual([]);
  });
});
