import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MAIN, ROOT } from './cli.js';

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ''}`,
  );
}

export interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `node dist/main.js run` on a free port and waits until it says where it listens. */
export async function startRuntime(
  home: string,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<Running> {
  const child = spawn(process.execPath, [MAIN, 'run', '--home', home, '--http-port', '0', ...extraArgs], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await waitFor(
    () => {
      const m = out.match(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
      if (child.exitCode !== null) throw new Error(`runtime exited early (${child.exitCode}):\n${out}`);
      return m?.[1];
    },
    10_000,
    'the runtime to listen',
  );
  return { child, url, output: () => out, exited };
}

/** Rewrites the replay speed of a bot's config (tests run faster or slower than the demo). */
export function setReplaySpeed(home: string, bot: string, speed: number): void {
  const f = path.join(home, 'bots', bot, 'config.yaml');
  writeFileSync(f, readFileSync(f, 'utf8').replace(/speed: \d+/, `speed: ${speed}`));
}
