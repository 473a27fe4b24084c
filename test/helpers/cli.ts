import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'main.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built program (`npm test` builds first) with a clean environment and no network. */
export function runBuilt(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): CliRun {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const res = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/**
 * {@link runBuilt} without blocking this process's event loop, for commands that talk to a server running in
 * the test itself (the fake exchange).
 */
export function runBuiltAsync(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliRun> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      {
        cwd: opts.cwd ?? ROOT,
        env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', ...opts.env },
        encoding: 'utf8',
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export function tempDir(prefix = 'dualbot-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
