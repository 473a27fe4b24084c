import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../actors/persistence/journal.js';
import { readStateFile } from '../actors/persistence/state-file.js';
import { runBuilt, tempDir } from './helpers/cli.js';
import { setReplaySpeed, startRuntime } from './helpers/runtime.js';

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KILLS = 30;

describe('crash recovery: SIGKILL at random moments, then restart', () => {
  let home: string;
  beforeAll(() => {
    home = tempDir();
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
    // ~16 candles a second per bot: many orders in flight at random kill moments.
    for (const bot of ['coinbase', 'kraken']) setReplaySpeed(home, bot, 1_382_400);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it(`${KILLS} kills: state always loads, nothing filled twice, position = journal fills = paper exchange`, async () => {
    const rnd = lcg(20261125);
    for (let i = 0; i < KILLS; i++) {
      const rt = await startRuntime(home);
      await new Promise((r) => setTimeout(r, 100 + Math.floor(rnd() * 900)));
      rt.child.kill('SIGKILL');
      await rt.exited;
      for (const bot of ['coinbase', 'kraken']) {
        // Throws on a corrupt or half-written file.
        readStateFile(path.join(home, 'bots', bot, 'state.json'));
        readJournal(path.join(home, 'bots', bot, 'journal.jsonl'));
      }
    }
    // A last clean run reconciles whatever the last kill left in flight, then stops gracefully.
    const rt = await startRuntime(home);
    await new Promise((r) => setTimeout(r, 800));
    rt.child.kill('SIGTERM');
    expect(await rt.exited).toBe(0);

    for (const bot of ['coinbase', 'kraken']) {
      const dir = path.join(home, 'bots', bot);
      const state = readStateFile(path.join(dir, 'state.json'))!;
      const { entries } = readJournal(path.join(dir, 'journal.jsonl'));
      const fills = entries.filter((e) => e.type === 'fill');
      expect(fills.length, `${bot} traded`).toBeGreaterThan(0);
      const ids = fills.map((f) => f.client_order_id);
      expect(new Set(ids).size, `${bot}: a client order id filled twice`).toBe(ids.length);
      const fromJournal = fills.reduce((q, f) => q + (f.side === 'buy' ? f.qty : -f.qty), 0);
      const ours = state.account.position.side === 'SHORT' ? -state.quantity : state.quantity;
      expect(Math.abs(ours - fromJournal)).toBeLessThan(1e-7); // dust below the 1e-8 step
      const paper = JSON.parse(readFileSync(path.join(dir, 'paper.json'), 'utf8')) as {
        account: { position: { side: string; qty: number } };
        orders: { clientOrderId: string }[];
      };
      const exch =
        paper.account.position.side === 'SHORT' ? -paper.account.position.qty : paper.account.position.qty;
      expect(Math.abs(exch - ours)).toBeLessThan(1e-7);
      // Every order the exchange accepted is in the journal once; none was placed twice.
      const exchIds = paper.orders.map((o) => o.clientOrderId);
      expect(new Set(exchIds).size).toBe(exchIds.length);
      expect(state.pending_order).toBeNull();
    }
  }, 240_000);
});
