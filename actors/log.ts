/**
 * Logging: JSON lines to the process log and to each bot's own `bots/<name>/logs/bot.log`, human-readable
 * on a TTY. Secrets are removed twice: by key (pino `redact`) and by value (every secret found in the
 * environment is scrubbed from each line before it is written), so a secret inside an error message or a
 * URL never reaches a file.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

const SECRET_ENV = /(KEY|SECRET|TOKEN|PASSWORD|PASSPHRASE|PRIVATE)/i;
/** Short values would redact ordinary words; real credentials are long. */
const MIN_SECRET_LENGTH = 6;

export const REDACT_PATHS = [
  'apiKey',
  'secret',
  'password',
  'token',
  'privateKey',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
  '*.privateKey',
  'headers.authorization',
  'headers.Authorization',
  'headers["x-status-secret"]',
  'headers["X-Status-Secret"]',
  '*.headers.authorization',
  '*.headers["x-status-secret"]',
  '*.headers["X-Status-Secret"]',
];

export const REDACTED = '[redacted]';

/** The secret values to scrub: every env var whose name says it holds a secret. */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(env)) {
    if (!v || v.length < MIN_SECRET_LENGTH || !SECRET_ENV.test(k)) continue;
    out.add(v);
    // As it appears inside a JSON string (PEM keys hold newlines and quotes).
    out.add(JSON.stringify(v).slice(1, -1));
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret in `line`. */
export function scrub(line: string, secrets: readonly string[]): string {
  let s = line;
  for (const sec of secrets) if (s.includes(sec)) s = s.split(sec).join(REDACTED);
  return s;
}

export interface LoggingOptions {
  /** Folder for the process log (`<dir>/dualbot.log`); none = stdout only. */
  readonly logDir?: string;
  readonly level?: LevelWithSilent;
  /** Write human-readable lines to stdout (default: when stdout is a TTY). */
  readonly pretty?: boolean;
  /** Also write to stdout (default true). */
  readonly stdout?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Logging {
  readonly root: Logger;
  /** A logger for one bot: its own file plus the process log, every line tagged with the bot. */
  forBot(name: string, botLogDir: string): Logger;
  /** Flushes every file destination (call before exit). */
  flush(): void;
}

export function createLogging(opts: LoggingOptions = {}): Logging {
  const secrets = secretValuesFromEnv(opts.env);
  const level = opts.level ?? 'info';
  const shared: DestinationStream[] = [];
  const files: ReturnType<typeof pino.destination>[] = [];
  const fileDest = (file: string) => {
    mkdirSync(path.dirname(file), { recursive: true });
    const d = pino.destination({ dest: file, sync: true, mkdir: true });
    files.push(d);
    return d;
  };
  if (opts.stdout !== false) {
    const usePretty = opts.pretty ?? process.stdout.isTTY === true;
    shared.push(
      usePretty
        ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true })
        : pino.destination({ dest: 1, sync: true }),
    );
  }
  if (opts.logDir) shared.push(fileDest(path.join(opts.logDir, 'dualbot.log')));

  const make = (streams: DestinationStream[], bindings: Record<string, unknown>) =>
    pino(
      {
        level,
        base: { pid: process.pid, ...bindings },
        redact: { paths: REDACT_PATHS, censor: REDACTED },
        hooks: { streamWrite: (s: string) => scrub(s, secrets) },
        timestamp: pino.stdTimeFunctions.isoTime,
      },
      pino.multistream(streams.map((stream) => ({ stream, level }))),
    );

  const root = make(shared, {});
  return {
    root,
    forBot(name, botLogDir) {
      return make([...shared, fileDest(path.join(botLogDir, 'bot.log'))], { bot: name });
    },
    flush() {
      for (const f of files) {
        try {
          f.flushSync();
        } catch {
          // a destination that was never opened has nothing to flush
        }
      }
    },
  };
}
