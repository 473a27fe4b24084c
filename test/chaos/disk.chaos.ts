/**
 * Disk: one bot's folder lives on a tiny tmpfs that is then filled up. That bot must stop with a clear
 * error (fail or halt) rather than trade on state it cannot save, its files must still agree with each
 * other, and the other bot must keep running in the same process. Root ignores file permissions, so a
 * full filesystem is the realistic way to refuse writes; without permission to mount, the test is skipped
 * with the reason.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../actors/persistence/journal.js';
import { readStateFile } from '../../actors/persistence/state-file.js';
import { runBuilt, tempDir } from '../helpers/cli.js';
import { type Running, setReplaySpeed, startRuntime, waitFor } from '../helpers/runtime.js';
import { recordFigures, sleep, steps } from './support.js';

interface SnapshotBot {
  name: string;
  status: string;
  machineState: string;
  lastError: string | null;
  session: { halted: string | null; lastCandleTs: number | null } | null;
}

const snapshot = async (url: string) =>
  ((await (await fetch(`${url}/api/snapshot`)).json()) as { bots: SnapshotBot[] }).bots;

/** Writes until the filesystem says it is full; returns the bytes written. */
function fillUp(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1024, 0x78);
  let n = 0;
  try {
    for (;;) n += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return n;
}

describe('chaos: a full disk under one bot', () => {
  const home = tempDir('dualbot-chaos-disk-');
  const dir = path.join(home, 'bots', 'coinbase');
  let mounted = false;
  let rt: Running | undefined;
  afterAll(async () => {
    if (rt && rt.child.exitCode === null) {
      rt.child.kill('SIGKILL');
      await rt.exited;
    }
    if (mounted) spawnSync('umount', ['-l', dir]);
    rmSync(home, { recursive: true, force: true });
  });

  it('the bot on the full disk stops with a clear error; the other trades on', async (ctx) => {
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
    for (const bot of ['coinbase', 'kraken']) setReplaySpeed(home, bot, 1_382_400);
    const config = readFileSync(path.join(dir, 'config.yaml'), 'utf8');
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
    if (m.status !== 0) {
      const why = `cannot mount a tmpfs (${(m.stderr || m.error?.message || '').trim()}): disk test skipped`;
      console.warn(`[chaos] ${why}`);
      recordFigures('3 disk', [{ figure: 'full tmpfs under one bot', value: `skipped: ${why}` }]);
      ctx.skip(why);
      return;
    }
    mounted = true;
    writeFileSync(path.join(dir, 'config.yaml'), config);

    rt = await startRuntime(home);
    const url = rt.url;
    // Let the coinbase bot trade a little on the small disk first, so there is state worth protecting.
    await waitFor(
      () =>
        readJournal(path.join(dir, 'journal.jsonl')).entries.some((e) => e.type === 'fill')
          ? true
          : undefined,
      30_000,
      'a coinbase fill before the disk fills up',
    );
    const filled = fillUp(path.join(dir, 'filler.bin'));
    const fullAt = Date.now();
    const down = await waitFor(
      async () => {
        const b = (await snapshot(url)).find((x) => x.name === 'coinbase')!;
        const err = `${b.lastError ?? ''} ${b.session?.halted ?? ''}`;
        const stopped = b.status === 'failed' || b.status === 'restarting' || b.machineState === 'halted';
        return stopped && /ENOSPC|no space/i.test(err) ? { ...b, err } : undefined;
      },
      60_000,
      'the coinbase bot to stop on the full disk',
    );
    const stopMs = Date.now() - fullAt;
    // The other bot keeps cycling in the same process.
    const krakenTs = async () =>
      (await snapshot(url)).find((x) => x.name === 'kraken')?.session?.lastCandleTs ?? 0;
    const k0 = await krakenTs();
    await sleep(2000);
    const k1 = await krakenTs();
    expect(k1, 'kraken keeps cycling').toBeGreaterThan(k0);
    const kraken = (await snapshot(url)).find((x) => x.name === 'kraken')!;
    expect(kraken.status).toBe('running');
    expect(rt.child.exitCode, 'the runtime process is alive').toBeNull();

    // What is on the full disk still agrees with itself: journal fills, state.json and the paper account,
    // up to one order in flight that a restart would reconcile.
    const state = readStateFile(path.join(dir, 'state.json'))!;
    const fills = readJournal(path.join(dir, 'journal.jsonl')).entries.filter((e) => e.type === 'fill');
    const journalQty = fills.reduce((q, f) => q + steps(f.side, f.qty), 0);
    const paper = JSON.parse(readFileSync(path.join(dir, 'paper.json'), 'utf8')) as {
      account: { position: { side: string; qty: number } };
      orders: { clientOrderId: string; side: string; filled: number }[];
    };
    const ours = steps(state.account.position.side, state.account.position.qty);
    const pending = state.pending_order;
    const inFlight = pending
      ? (paper.orders.find((o) => o.clientOrderId === pending.client_order_id) ?? null)
      : null;
    const inFlightQty = inFlight ? steps(inFlight.side, inFlight.filled) : 0;
    expect(journalQty, 'state vs journal (1e-8 steps)').toBe(ours);
    const p = paper.account.position;
    expect(steps(p.side, p.qty), 'exchange vs state + order in flight').toBe(ours + inFlightQty);

    // Graceful shutdown still works with one bot's disk full.
    rt.child.kill('SIGTERM');
    const code = await rt.exited;
    expect(code, 'exit code after SIGTERM with a full disk').toBe(0);
    recordFigures('3 disk', [
      { figure: 'tmpfs size / filler written', value: `64 KiB / ${Math.round(filled / 1024)} KiB` },
      {
        figure: 'coinbase stopped after the disk filled',
        value: `${stopMs} ms (${down.status}, ${down.machineState})`,
      },
      { figure: 'coinbase error', value: down.err.trim().replace(/\|/g, '/').slice(0, 160) },
      { figure: 'kraken during the full disk', value: `running, cycled on (${k0} -> ${k1})` },
      {
        figure: 'order in flight on the full disk',
        value: pending ? `yes (${inFlight ? 'on the exchange' : 'not placed'})` : 'no',
      },
      { figure: 'SIGTERM exit code', value: String(code) },
    ]);
    expect(existsSync(path.join(dir, 'filler.bin'))).toBe(true);
  });
});
