import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runBuilt, tempDir } from './helpers/cli.js';
import { setReplaySpeed } from './helpers/runtime.js';

const dist = (p: string) => JSON.stringify(pathToFileURL(path.join(ROOT, 'dist', p)).href);

/** Runs a script against the built modules in its own process (the guards are process-wide). */
function runScript(body: string): { code: number | null; out: string } {
  const script = `
    const { createRuntime, createLogging, loadHome } = await import(${dist('index.js')});
    const { installProcessGuards } = await import(${dist('actors/process-guards.js')});
    ${body}
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('process guards: errors that escape a bot', () => {
  let home: string;
  beforeAll(() => {
    home = tempDir();
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
    for (const bot of ['coinbase', 'kraken']) setReplaySpeed(home, bot, 1_382_400);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('a stray rejection from one bot restarts only that bot; the process and the other bot run on', () => {
    const r = runScript(`
      const home = ${JSON.stringify(home)};
      const logging = createLogging({ stdout: false, logDir: home + '/logs' });
      const rt = createRuntime({ home, logging, http: false, restartPolicy: { baseMs: 10, maxMs: 10, budget: 5, windowMs: 60000 } });
      installProcessGuards(rt, logging, (code) => { console.log('EXIT', code); process.exit(code); });
      const bots = (await loadHome(home)).bots;
      let thrown = false;
      await rt.spawnBot(bots.find((b) => b.id === 'coinbase'), {
        // Fire-and-forget work inside the bot that fails outside its actor's error handling.
        beforeEvaluate: () => { if (!thrown) { thrown = true; setTimeout(() => Promise.reject(new Error('stray failure')), 0); } },
      });
      await rt.spawnBot(bots.find((b) => b.id === 'kraken'));
      const view = (n) => rt.snapshot().bots.find((b) => b.name === n);
      const k0 = view('kraken').session?.lastCandleTs ?? 0;
      for (let i = 0; i < 200 && !(view('coinbase').restarts >= 1 && view('coinbase').status === 'running' && (view('kraken').session?.lastCandleTs ?? 0) > k0); i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      console.log(JSON.stringify({ coinbase: view('coinbase').restarts, cbStatus: view('coinbase').status, kraken: view('kraken').restarts, krakenMoved: (view('kraken').session?.lastCandleTs ?? 0) > k0, cbError: view('coinbase').lastError }));
      await rt.stop();
    `);
    expect(r.code, r.out).toBe(0);
    const res = JSON.parse(r.out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(res).toMatchObject({ coinbase: 1, cbStatus: 'running', kraken: 0, krakenMoved: true });
    expect(res['cbError']).toMatch(/unhandled rejection: stray failure/);
  });

  it('an error no bot can be held responsible for ends the process with code 1', () => {
    const r = runScript(`
      const logging = createLogging({ stdout: false });
      installProcessGuards({ crashBot: () => false }, logging, (code) => { console.log('EXIT', code); process.exit(code); });
      Promise.reject(new Error('nobody owns this'));
      await new Promise((r) => setTimeout(r, 200));
    `);
    expect(r.out).toContain('EXIT 1');
    expect(r.code).toBe(1);
  });
});
