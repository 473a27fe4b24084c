import path from 'node:path';
import { bookModeProblem, journalModes } from '../actors/bot/session.js';
import { createInspect } from '../actors/inspect.js';
import { createLogging } from '../actors/log.js';
import { acquireHomeLock, HomeLockedError } from '../actors/persistence/home-lock.js';
import { readJournal } from '../actors/persistence/journal.js';
import { readStateFile } from '../actors/persistence/state-file.js';
import { installProcessGuards } from '../actors/process-guards.js';
import { createRuntime } from '../actors/runtime.js';
import { syncSettingsFromEnv } from '../actors/sync/index.js';
import { EXIT_CONFIG, type LoadedHome } from '../config/index.js';
import { summarizeBots } from './check-config.js';
import { type CliIO, printConfigProblems } from './program.js';

/** Each bot whose state.json or journal was made in the other mode (paper vs live), with the way forward. */
export function booksOfTheOtherMode(loaded: LoadedHome): string[] {
  const out: string[] = [];
  for (const bot of loaded.bots) {
    const dir = path.dirname(bot.file);
    let problem: string | null = null;
    try {
      const saved = readStateFile(path.join(dir, 'state.json'));
      const journal = journalModes(readJournal(path.join(dir, 'journal.jsonl')).entries);
      problem = bookModeProblem(bot, dir, saved, journal);
    } catch {
      // A corrupt state file or journal is that bot's own failure, reported when it starts.
    }
    if (problem) out.push(`${bot.id}: ${problem}`);
  }
  return out;
}

export interface RunOptions {
  readonly httpHost: string;
  readonly httpPort: number;
  readonly shutdownTimeoutS: number;
  readonly logLevel: string;
  /** Stately inspector websocket URL; off when absent. */
  readonly inspectUrl?: string;
}

/**
 * Starts the runtime and runs until SIGTERM or SIGINT. The first signal shuts down gracefully (each bot
 * finishes its cycle within the deadline and saves state, exit 0); a second one exits at once (state is
 * saved at every step, so nothing is lost).
 */
export async function runRuntime(loaded: LoadedHome, io: CliIO, opts: RunOptions): Promise<number> {
  // Mission Control settings come from the environment; a half-set or malformed one is a config error, so
  // the bots never trade while the board silently gets nothing.
  const sync = syncSettingsFromEnv(io.env);
  if (!sync.ok) {
    printConfigProblems(sync.errors, io);
    return EXIT_CONFIG;
  }
  // Paper books never become live books (nor live ones paper): refused before any network call.
  const mixed = booksOfTheOtherMode(loaded);
  if (mixed.length > 0) {
    printConfigProblems(mixed, io);
    return EXIT_CONFIG;
  }
  // Before anything writes to the bots' folders: a second runtime on this home is refused.
  try {
    acquireHomeLock(loaded.home);
  } catch (err) {
    if (!(err instanceof HomeLockedError)) throw err;
    io.err(err.message);
    return 1;
  }
  const logging = createLogging({
    logDir: path.join(loaded.home, 'logs'),
    level: opts.logLevel as 'info',
    env: io.env,
  });
  const log = logging.root;
  for (const line of summarizeBots(loaded)) log.info(line);
  const inspector = opts.inspectUrl ? await createInspect(opts.inspectUrl, log) : undefined;
  const runtime = createRuntime({
    home: loaded.home,
    logging,
    http: { host: opts.httpHost, port: opts.httpPort },
    shutdownTimeoutMs: opts.shutdownTimeoutS * 1000,
    sync: sync.settings,
    ...(inspector ? { inspect: inspector.inspect } : {}),
    ...(io.env['DUALBOT_HEALTH_INTERVAL_S']
      ? { healthIntervalMs: Number(io.env['DUALBOT_HEALTH_INTERVAL_S']) * 1000 }
      : {}),
    ...(io.env['DUALBOT_ALERT_WEBHOOK'] ? { alertWebhookUrl: io.env['DUALBOT_ALERT_WEBHOOK'] } : {}),
    ...(io.env['DUALBOT_ADMIN_TOKEN'] ? { adminToken: io.env['DUALBOT_ADMIN_TOKEN'] } : {}),
  });
  installProcessGuards(runtime, logging);
  try {
    await runtime.start(loaded.bots);
  } catch (err) {
    log.fatal({ err }, 'runtime failed to start');
    await runtime.stop();
    return 1;
  }
  return await new Promise<number>(() => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log.warn({ signal: sig }, 'second signal: exiting now');
        logging.flush();
        process.exit(0);
      }
      log.info({ signal: sig }, 'signal received: graceful shutdown');
      void runtime.stop().then(() => {
        inspector?.stop();
        logging.flush();
        // Everything is saved and flushed; leftover timers (retry backoffs, keep-alive sockets) must not hold
        // the process open, so a stop takes milliseconds, not seconds.
        process.exit(0);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
