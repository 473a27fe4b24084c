/**
 * One runtime per home. Two runtimes on the same bots would both trade them (on a live venue every order
 * sent twice, under two different sessions) and both write each bot's state.json and journal. The lock is
 * `HOME/dualbot.lock`, created exclusively and holding the owner's pid; a lock whose process is gone (a
 * kill -9, a power cut) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'dualbot.lock';

/** Another live process holds the home. */
export class HomeLockedError extends Error {
  constructor(
    readonly home: string,
    readonly pid: number,
  ) {
    super(
      `${path.join(home, LOCK_FILE)}: a runtime (pid ${pid}) is already running on this home; stop it first`,
    );
    this.name = 'HomeLockedError';
  }
}

/** Whether a process with this pid is alive (our own pid never counts: a lock left by an earlier us). */
function alive(pid: number): boolean {
  if (!(Number.isInteger(pid) && pid > 0) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the live process holding the home, or null. */
export function homeLockOwner(home: string): number | null {
  let text: string;
  try {
    text = readFileSync(path.join(home, LOCK_FILE), 'utf8');
  } catch {
    return null;
  }
  const pid = Number.parseInt(text, 10);
  return alive(pid) ? pid : null;
}

/**
 * Takes the home's lock for this process and releases it when the process exits.
 *
 * @throws HomeLockedError when another live process holds it.
 */
export function acquireHomeLock(home: string): { release(): void } {
  const file = path.join(home, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const owner = homeLockOwner(home);
      if (owner !== null) throw new HomeLockedError(home, owner);
      // Stale: its process is gone. Another starter may race us here; the exclusive create decides.
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  }
  const release = () => {
    process.off('exit', release);
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
    } catch {
      // gone already
    }
  };
  process.on('exit', release);
  return { release };
}
