import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../actors/persistence/journal.js';
import { readStateFile } from '../actors/persistence/state-file.js';
import { runBuilt, tempDir } from './helpers/cli.js';
import { startRuntime, waitFor } from './helpers/runtime.js';

describe('node dist/main.js run (spawned)', () => {
  let home: string;
  beforeAll(() => {
    home = tempDir();
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('runs both paper bots on replay data: /health 200 within 2 s, trades, then SIGTERM saves state and exits 0', async () => {
    const started = Date.now();
    const rt = await startRuntime(home);
    const health = await waitFor(async () => {
      const r = await fetch(`${rt.url}/health`);
      return r.status === 200
        ? ((await r.json()) as { bots: { name: string; status: string }[] })
        : undefined;
    });
    expect(Date.now() - started).toBeLessThan(2000 + 1500); // process start + 2 s budget
    expect(health.bots.map((b) => b.name).sort()).toEqual(['coinbase', 'kraken']);
    // The demo trades within its first minute; the Kraken bot's first cross comes within seconds.
    await waitFor(
      () =>
        readJournal(path.join(home, 'bots', 'kraken', 'journal.jsonl')).entries.some((e) => e.type === 'fill')
          ? true
          : undefined,
      30_000,
      'a paper fill',
    );
    const metrics = await (await fetch(`${rt.url}/metrics`)).text();
    expect(metrics).toMatch(/dualbot_cycles_total\{bot="kraken"\} \d+/);
    expect(metrics).toMatch(/nodejs_eventloop_lag_p99_seconds/);
    // One runtime per home: a second one would trade every bot again; a reset would be written over.
    const second = runBuilt(['run', '--home', home, '--http-port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/dualbot\.lock: a runtime \(pid \d+\) is already running on this home/);
    const reset = runBuilt(['reset-state', '--home', home, '--bot', 'kraken', '--yes']);
    expect(reset.code).not.toBe(0);
    expect(reset.stderr).toMatch(/is running on .*; stop it before resetting kraken/);
    expect(existsSync(path.join(home, 'bots', 'kraken', 'state.json'))).toBe(true);
    rt.child.kill('SIGTERM');
    expect(await rt.exited).toBe(0);
    expect(existsSync(path.join(home, 'dualbot.lock'))).toBe(false);
    for (const bot of ['coinbase', 'kraken']) {
      const state = readStateFile(path.join(home, 'bots', bot, 'state.json'))!;
      expect(state.machine.state).toBe('stopped');
      expect(state.dry_run).toBe(true);
    }
    expect(rt.output()).toMatch(/shutdown complete/);
  }, 60_000);

  it('a corrupt state.json stops that bot with a clear error, leaves the file untouched, and the other bot trades on', async () => {
    const f = path.join(home, 'bots', 'coinbase', 'state.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(f, '{"version": 1, "position": "LONG", "entry_pri');
    const before = readFileSync(f, 'utf8');
    const rt = await startRuntime(home);
    const h = await waitFor(async () => {
      const body = (await (await fetch(`${rt.url}/health`)).json()) as {
        bots: { name: string; status: string }[];
        alerts: string[];
      };
      return body.bots.find((b) => b.name === 'coinbase')?.status === 'failed' ? body : undefined;
    });
    expect(h.alerts.join('\n')).toMatch(/coinbase is down: .*state\.json: is not valid JSON/);
    expect((await fetch(`${rt.url}/health`)).status).toBe(503);
    const krakenCycles = async () =>
      Number(
        (await (await fetch(`${rt.url}/metrics`)).text()).match(
          /dualbot_cycles_total\{bot="kraken"\} (\d+)/,
        )?.[1] ?? 0,
      );
    const c0 = await krakenCycles();
    await waitFor(async () => ((await krakenCycles()) > c0 + 3 ? true : undefined), 10_000, 'kraken cycles');
    rt.child.kill('SIGTERM');
    expect(await rt.exited).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe(before);
  }, 60_000);
});
