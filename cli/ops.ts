/** Operator commands: reset a bot's state on purpose, restart or pause a bot in a running runtime, export machines. */
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { homeLockOwner } from '../actors/persistence/home-lock.js';
import { botMachine } from '../machines/bot-machine.js';
import { machineJson, machineMermaid } from '../machines/export.js';

export class OpsError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Moves a bot's state.json, journal and paper account aside (kept as a timestamped backup) so the bot
 * starts fresh. Refuses without `--yes`: this forgets the bot's position.
 */
export function resetState(home: string, bot: string, confirmed: boolean, stamp: string): string[] {
  const dir = path.join(home, 'bots', bot);
  if (!existsSync(path.join(dir, 'config.yaml')))
    throw new OpsError(`no bot named ${bot} under ${path.join(home, 'bots')}`);
  // A running bot would write its state right back (and keep appending to the journal moved aside).
  const owner = homeLockOwner(home);
  if (owner !== null) {
    throw new OpsError(`a runtime (pid ${owner}) is running on ${home}; stop it before resetting ${bot}`);
  }
  const files = ['state.json', 'journal.jsonl', 'paper.json'].filter((f) => existsSync(path.join(dir, f)));
  if (files.length === 0) return [];
  if (!confirmed) {
    throw new OpsError(
      `this forgets ${bot}'s position and history (${files.join(', ')}); if that is what you mean, run again with --yes (a backup is kept)`,
    );
  }
  const backup = path.join(dir, 'backup', stamp);
  mkdirSync(backup, { recursive: true });
  const moved: string[] = [];
  for (const f of files) {
    copyFileSync(path.join(dir, f), path.join(backup, f));
    renameSync(path.join(dir, f), path.join(backup, `${f}.moved`));
    moved.push(path.join(backup, f));
  }
  return moved;
}

/** Calls the running runtime's admin API (needs DUALBOT_ADMIN_TOKEN, the same token the runtime has). */
export async function adminCall(
  url: string,
  bot: string,
  action: 'restart' | 'pause' | 'resume',
  token: string | undefined,
): Promise<string> {
  if (!token)
    throw new OpsError(
      'DUALBOT_ADMIN_TOKEN is not set: admin calls need the token the runtime was started with',
    );
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/$/, '')}/api/bots/${encodeURIComponent(bot)}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(90_000),
    });
  } catch (err) {
    throw new OpsError(
      `cannot reach the runtime at ${url} (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const body = await res.text();
  if (!res.ok) throw new OpsError(`${action} ${bot}: HTTP ${res.status} ${body}`);
  return body;
}

/** Writes each machine's definition (JSON, importable by Stately) and a Mermaid diagram. */
export function exportMachines(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'bot-machine.json');
  const mmd = path.join(dir, 'bot-machine.mmd');
  writeFileSync(json, machineJson(botMachine));
  writeFileSync(mmd, machineMermaid(botMachine));
  return [json, mmd];
}
