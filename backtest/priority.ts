/**
 * Scheduling priority of backtest work. A sweep is background work: on a machine that also runs trading bots,
 * the bots must get the CPU first when they wake, while a sweep on an idle machine runs as fast as before
 * (nice changes only who waits when both want a core).
 *
 * Linux only. There setpriority(2) on "a process" id acts on one thread (every thread has its own id), so a
 * worker can nice itself without slowing the main thread. On macOS and Windows the same call acts on the whole
 * process, bots included, so nothing is changed there.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';

/** Highest nice value (lowest priority) on Linux. */
const NICEST = 19;

/**
 * Lowers the calling thread's priority by `increment` (nice capped at 19) and returns its new nice value, or
 * `undefined` when nothing was changed (not Linux, increment 0, or the system refused).
 */
export function lowerThreadPriority(increment: number, platform = process.platform): number | undefined {
  if (!(increment > 0) || platform !== 'linux') return undefined;
  try {
    const nice = Math.min(NICEST, os.getPriority() + increment);
    os.setPriority(nice);
    return nice;
  } catch {
    // A sandbox that refuses setpriority: the work still runs, only at the bots' priority.
    return undefined;
  }
}

/**
 * Lowers the priority of every thread of this process by `increment` (V8's compiler and GC helpers included;
 * threads started later inherit the nice of the thread that starts them). For a process that only does
 * background work, such as `dualbot sweep`. Returns the calling thread's new nice value, or `undefined`.
 */
export function lowerProcessPriority(increment: number, platform = process.platform): number | undefined {
  if (!(increment > 0) || platform !== 'linux') return undefined;
  const nice = Math.min(NICEST, os.getPriority() + increment);
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return lowerThreadPriority(increment, platform);
  }
  for (const tid of tids) {
    try {
      os.setPriority(Number(tid), Math.max(nice, os.getPriority(Number(tid))));
    } catch {
      // The thread ended between the listing and the call, or the system refused: nothing to undo.
    }
  }
  return os.getPriority();
}
