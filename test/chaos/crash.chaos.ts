/**
 * Crashes: `node dist/main.js run` (both paper bots, fast replay) is killed with SIGKILL at random moments,
 * a hundred times, and restarted each time. After every kill both bots' state.json and journal must load;
 * after a last clean run, nothing may be filled twice or forgotten: the journal's fills, state.json and the
 * paper exchange hold the same position, and the exchange holds no client order id twice.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../actors/persistence/journal.js';
import { readStateFile } from '../../actors/persistence/state-file.js';
import { runBuilt, tempDir } from '../helpers/cli.js';
import { setReplaySpeed, startRuntime } from '../helpers/runtime.js';
import { recordFigures, seeded, sleep, steps } from './support.js';

const KILLS = Number(process.env['CHAOS_KILLS'] ?? 100);
const SEED = Number(process.env['CHAOS_SEED'] ?? 20_261_125);
const BOTS = ['coinbase', 'kraken'] as const;

describe('chaos: SIGKILL at random moments, then restart', () => {
  let home: string;
  beforeAll(() => {
    home = tempDir('dualbot-chaos-crash-');
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
    // A day candle per millisecond timer tick: as fast as the bots can go, so many orders are placed and
    // some are in flight when a kill lands.
    for (const bot of BOTS) setReplaySpeed(home, bot, 86_400_000);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it(`${KILLS} kills: state always loads, nothing filled twice, nothing forgotten`, async () => {
    console.log(`[chaos] crashes: seed ${SEED}, ${KILLS} kills`);
    const rnd = seeded(SEED);
    const started = Date.now();
    const pendingAtKill: Record<string, number> = { coinbase: 0, kraken: 0 };
    const delays: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const rt = await startRuntime(home);
      const delay = 20 + Math.floor(rnd() * 900);
      delays.push(delay);
      await sleep(delay);
      rt.child.kill('SIGKILL');
      await rt.exited;
      for (const bot of BOTS) {
        // Both throw on a corrupt or half-written file; a torn journal tail is allowed (never acknowledged).
        const s = readStateFile(path.join(home, 'bots', bot, 'state.json'));
        if (s?.pending_order) pendingAtKill[bot] = (pendingAtKill[bot] ?? 0) + 1;
        readJournal(path.join(home, 'bots', bot, 'journal.jsonl'));
      }
    }
    // A last clean run reconciles whatever the last kill left in flight, then stops gracefully.
    const rt = await startRuntime(home);
    await sleep(1500);
    rt.child.kill('SIGTERM');
    expect(await rt.exited).toBe(0);

    const figures = [
      { figure: 'SIGKILLs', value: String(KILLS), threshold: `${KILLS}` },
      {
        figure: 'kill moment after listening',
        value: `${Math.min(...delays)}-${Math.max(...delays)} ms`,
      },
    ];
    for (const bot of BOTS) {
      const dir = path.join(home, 'bots', bot);
      const state = readStateFile(path.join(dir, 'state.json'))!;
      const { entries } = readJournal(path.join(dir, 'journal.jsonl'));
      const fills = entries.filter((e) => e.type === 'fill');
      expect(fills.length, `${bot} traded`).toBeGreaterThan(0);
      const ids = fills.map((f) => f.client_order_id);
      expect(new Set(ids).size, `${bot}: a client order id filled twice`).toBe(ids.length);
      const fromJournal = fills.reduce((q, f) => q + steps(f.side, f.qty), 0);
      const ours = steps(state.account.position.side, state.quantity);
      expect(fromJournal, `${bot}: state vs journal (1e-8 steps)`).toBe(ours);
      const paper = JSON.parse(readFileSync(path.join(dir, 'paper.json'), 'utf8')) as {
        account: { position: { side: string; qty: number } };
        orders: { clientOrderId: string }[];
      };
      const p = paper.account.position;
      const exch = steps(p.side, p.qty);
      expect(exch, `${bot}: state vs paper exchange (1e-8 steps)`).toBe(ours);
      const exchIds = paper.orders.map((o) => o.clientOrderId);
      expect(new Set(exchIds).size, `${bot}: exchange holds a client order id twice`).toBe(exchIds.length);
      // Nothing forgotten: every order the exchange still lists was booked in the journal.
      const booked = new Set(ids);
      expect(
        exchIds.filter((id) => !booked.has(id)),
        `${bot}: exchange orders missing from the journal`,
      ).toEqual([]);
      expect(state.pending_order).toBeNull();
      const reconciled = entries.filter((e) => e.type === 'reconciled').length;
      figures.push(
        { figure: `${bot}: fills (journal = exchange orders)`, value: `${fills.length} = ${exchIds.length}` },
        { figure: `${bot}: kills with an order in flight`, value: String(pendingAtKill[bot] ?? 0) },
        { figure: `${bot}: orders reconciled after a kill`, value: String(reconciled) },
        {
          figure: `${bot}: position state / journal / exchange (1e-8 steps)`,
          value: `${ours} / ${fromJournal} / ${exch}`,
        },
      );
    }
    figures.push({ figure: 'wall time', value: `${((Date.now() - started) / 1000).toFixed(1)} s` });
    recordFigures('2 crashes', figures);
  });
});
