/**
 * Applies a promotion's file changes all or nothing: every new content is computed in memory first, the
 * originals are kept in memory, each file is replaced by temp file + rename, and when a write or a later
 * step (the build) fails, every file is put back byte for byte (files that did not exist are removed).
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** One file a promotion writes: its new content and what was there before (null: did not exist). */
export interface StagedFile {
  readonly file: string;
  readonly content: string;
  readonly original: Buffer | null;
}

/** Stages a new content for `file`, remembering the current bytes. */
export function stageFile(file: string, content: string): StagedFile {
  return { file, content, original: existsSync(file) ? readFileSync(file) : null };
}

let counter = 0;

/** Replaces `file` by a temp file in the same folder renamed over it (keeps the old file's mode). */
export function replaceFile(file: string, data: string | Buffer): void {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.promote.${process.pid}.${++counter}.tmp`,
  );
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o644;
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
}

/** Puts every staged file back as it was (best effort per file, so one failure does not stop the rest). */
export function restoreFiles(staged: readonly StagedFile[]): string[] {
  const problems: string[] = [];
  for (const s of [...staged].reverse()) {
    try {
      if (s.original === null) {
        if (existsSync(s.file)) unlinkSync(s.file);
      } else replaceFile(s.file, s.original);
    } catch (err) {
      problems.push(`${s.file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}

/** The result of a build step. */
export interface BuildResult {
  readonly ok: boolean;
  /** The build's output (tail), for the error message. */
  readonly output: string;
}

/** Builds the package (`npm run build` in its root), spawned. */
export function npmBuild(packageRoot: string): Promise<BuildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => resolve({ ok: false, output: err.message }));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

/** What {@link applyStaged} did. */
export type ApplyOutcome =
  | { readonly ok: true; readonly written: string[] }
  | {
      readonly ok: false;
      readonly step: 'write' | 'build';
      readonly error: string;
      readonly restoreProblems: string[];
    };

/**
 * Writes the staged files, then builds; on any failure restores the originals.
 */
export async function applyStaged(
  staged: readonly StagedFile[],
  build: () => Promise<BuildResult>,
): Promise<ApplyOutcome> {
  const done: StagedFile[] = [];
  try {
    for (const s of staged) {
      replaceFile(s.file, s.content);
      done.push(s);
    }
  } catch (err) {
    return {
      ok: false,
      step: 'write',
      error: err instanceof Error ? err.message : String(err),
      restoreProblems: restoreFiles(done),
    };
  }
  let built: BuildResult;
  try {
    built = await build();
  } catch (err) {
    built = { ok: false, output: err instanceof Error ? err.message : String(err) };
  }
  if (!built.ok) {
    return { ok: false, step: 'build', error: built.output.trim(), restoreProblems: restoreFiles(staged) };
  }
  return { ok: true, written: staged.map((s) => s.file) };
}
