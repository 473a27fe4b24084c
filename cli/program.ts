/**
 * The command line: `dualbot <command>`. Built on commander, so every command has --help.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, EXIT_CONFIG, loadHome } from '../config/index.js';
import { registerAnalyzeCommands } from './analyze.js';
import { registerBacktestCommand } from './backtest.js';
import { summarizeBots } from './check-config.js';
import { registerFetchDataCommand } from './fetch-data.js';
import { InitRefused, initHome } from './init.js';
import { registerParityCommand } from './parity.js';
import { registerPromoteCommand } from './promote.js';
import { registerSweepCommand } from './sweep.js';

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

const defaultIO: CliIO = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
};

/** Thrown to end the program with a given exit code after a message was printed. */
export class ExitCode extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

function homeOption(io: CliIO) {
  return new Option('--home <dir>', 'folder holding bots/<name>/config.yaml (env DUALBOT_HOME)').default(
    io.env['DUALBOT_HOME'] ?? '.',
    'DUALBOT_HOME or the current directory',
  );
}

/** Prints config problems the one way every command does: a count, then one located line each. */
export function printConfigProblems(lines: readonly string[], io: CliIO): void {
  io.err(`config error (${lines.length} problem${lines.length === 1 ? '' : 's'}):`);
  for (const line of lines) io.err(`  ${line}`);
}

function reportConfigError(err: unknown, io: CliIO): never {
  if (err instanceof ConfigError) {
    printConfigProblems(err.message.split('\n'), io);
    throw new ExitCode(EXIT_CONFIG);
  }
  throw err;
}

export function buildProgram(io: CliIO = defaultIO): Command {
  const program = new Command('dualbot')
    .description(
      'Two crypto trading bots (Coinbase spot, Kraken margin) in one process. Paper trading by default.',
    )
    .version(process.env['npm_package_version'] ?? '0.1.0')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .showHelpAfterError();

  program
    .command('run', { isDefault: true })
    .description('start the runtime with every bot under --home (the default command)')
    .addOption(homeOption(io))
    .addOption(
      new Option('--http-host <host>', 'address for health, metrics and the dashboard').default(
        io.env['DUALBOT_HTTP_HOST'] ?? '127.0.0.1',
      ),
    )
    .addOption(
      new Option('--http-port <port>', 'port for health, metrics and the dashboard (0 = any free port)')
        .default(io.env['DUALBOT_HTTP_PORT'] ?? '8081')
        .argParser((v) => v),
    )
    .addOption(
      new Option(
        '--shutdown-timeout <seconds>',
        'longest a bot may take to finish its cycle at shutdown',
      ).default('60'),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .option(
      '--inspect [url]',
      'send machine transitions to the Stately inspector (websocket, default ws://localhost:8080)',
    )
    .action(
      async (opts: {
        home: string;
        httpHost: string;
        httpPort: string;
        shutdownTimeout: string;
        logLevel: string;
        inspect?: string | boolean;
      }) => {
        const port = Number(opts.httpPort);
        const timeout = Number(opts.shutdownTimeout);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          io.err(`--http-port: expected a port number 0-65535, was "${opts.httpPort}"`);
          throw new ExitCode(EXIT_CONFIG);
        }
        if (!(timeout > 0 && timeout <= 3600)) {
          io.err(`--shutdown-timeout: expected seconds between 0 and 3600, was "${opts.shutdownTimeout}"`);
          throw new ExitCode(EXIT_CONFIG);
        }
        const home = path.resolve(opts.home);
        const loaded = await loadHome(home, { env: io.env }).catch((e: unknown) => reportConfigError(e, io));
        const { runRuntime } = await import('./run.js');
        const code = await runRuntime(loaded, io, {
          httpHost: opts.httpHost,
          httpPort: port,
          shutdownTimeoutS: timeout,
          logLevel: opts.logLevel,
          ...(opts.inspect
            ? { inspectUrl: typeof opts.inspect === 'string' ? opts.inspect : 'ws://localhost:8080' }
            : {}),
        });
        if (code !== 0) throw new ExitCode(code);
      },
    );

  program
    .command('init')
    .description('create example configs: HOME/bots/coinbase/config.yaml and HOME/bots/kraken/config.yaml')
    .addOption(homeOption(io))
    .action((opts: { home: string }) => {
      try {
        const res = initHome(path.resolve(opts.home));
        for (const f of res.created) io.out(`created ${f}`);
        io.out(
          'both bots paper trade on bundled replay data; start them with: dualbot run --home ' + opts.home,
        );
      } catch (e) {
        if (e instanceof InitRefused) {
          io.err(e.message);
          throw new ExitCode(1);
        }
        throw e;
      }
    });

  program
    .command('check-config')
    .description('validate every config file and print a one-line summary per bot, or every error found')
    .addOption(homeOption(io))
    .action(async (opts: { home: string }) => {
      const loaded = await loadHome(path.resolve(opts.home), { env: io.env }).catch((e: unknown) =>
        reportConfigError(e, io),
      );
      io.out(`ok: ${loaded.bots.length} bot${loaded.bots.length === 1 ? '' : 's'}`);
      for (const line of summarizeBots(loaded)) io.out(`  ${line}`);
    });

  program
    .command('config-reference')
    .description('print the bot config.yaml reference (generated from the schema) as Markdown')
    .action(async () => {
      const { configReferenceMarkdown } = await import('../config/reference.js');
      io.out(configReferenceMarkdown());
    });

  registerBacktestCommand(program, io, io.env['DUALBOT_HOME'] ?? '.');
  registerFetchDataCommand(program, io, io.env['DUALBOT_HOME'] ?? '.');
  registerSweepCommand(program, io);
  registerAnalyzeCommands(program, io);
  registerPromoteCommand(program, io);
  registerParityCommand(program, io);

  program
    .command('reset-state')
    .description("move a bot's state.json, journal and paper account aside (backup kept) so it starts fresh")
    .addOption(homeOption(io))
    .requiredOption('--bot <name>', 'the bot (its folder name under bots/)')
    .option('--yes', 'confirm: the bot forgets its position and history')
    .action(async (opts: { home: string; bot: string; yes?: boolean }) => {
      const { resetState, OpsError } = await import('./ops.js');
      try {
        const moved = resetState(
          path.resolve(opts.home),
          opts.bot,
          opts.yes === true,
          new Date().toISOString().replace(/[:.]/g, '-'),
        );
        io.out(
          moved.length
            ? `backed up and reset:\n  ${moved.join('\n  ')}`
            : `${opts.bot} has no state yet; nothing to reset`,
        );
      } catch (e) {
        if (e instanceof OpsError) {
          io.err(e.message);
          throw new ExitCode(e.exitCode);
        }
        throw e;
      }
    });

  program
    .command('go-live')
    .description(
      'check a live-configured bot against the exchange, then archive its paper books so it starts an empty live book',
    )
    .addOption(homeOption(io))
    .requiredOption('--bot <name>', 'the bot (its folder name under bots/)')
    .option('--dry-run', 'check and say what would happen; change nothing')
    .action(async (opts: { home: string; bot: string; dryRun?: boolean }) => {
      const home = path.resolve(opts.home);
      const loaded = await loadHome(home, { env: io.env }).catch((e: unknown) => reportConfigError(e, io));
      const bot = loaded.bots.find((b) => b.id === opts.bot);
      if (!bot) {
        io.err(`no enabled bot named ${opts.bot} under ${path.join(home, 'bots')}`);
        throw new ExitCode(EXIT_CONFIG);
      }
      const { assertLiveConfigured, goLive, GoLiveRefused } = await import('./go-live.js');
      const { createLiveExchange } = await import('../actors/exchanges/ccxt/factory.js');
      try {
        assertLiveConfigured(bot);
      } catch (e) {
        io.err((e as Error).message);
        throw new ExitCode((e as InstanceType<typeof GoLiveRefused>).exitCode);
      }
      const exchange = await createLiveExchange({
        exchange: bot.config.exchange,
        maxLeverage: bot.config.trading.leverage,
        env: io.env,
      });
      try {
        const lines = await goLive({
          home,
          bot,
          exchange,
          dryRun: opts.dryRun === true,
          stamp: new Date().toISOString().replace(/[:.]/g, '-'),
        });
        for (const l of lines) io.out(l);
      } catch (e) {
        if (e instanceof GoLiveRefused) {
          io.err(e.message);
          throw new ExitCode(e.exitCode);
        }
        io.err(
          `${bot.id}: go-live could not check the exchange: ${e instanceof Error ? e.message : String(e)}`,
        );
        throw new ExitCode(1);
      } finally {
        await exchange.close();
      }
    });

  for (const action of ['restart', 'pause', 'resume'] as const) {
    program
      .command(`${action}-bot`)
      .argument('<name>', 'the bot (its folder name under bots/)')
      .description(
        action === 'restart'
          ? 'restart one bot of a running runtime through its graceful path (the other keeps trading)'
          : `${action} one bot of a running runtime`,
      )
      .option('--url <url>', "the runtime's HTTP address", io.env['DUALBOT_URL'] ?? 'http://127.0.0.1:8081')
      .action(async (name: string, opts: { url: string }) => {
        const { adminCall, OpsError } = await import('./ops.js');
        try {
          io.out(await adminCall(opts.url, name, action, io.env['DUALBOT_ADMIN_TOKEN']));
        } catch (e) {
          if (e instanceof OpsError) {
            io.err(e.message);
            throw new ExitCode(e.exitCode);
          }
          throw e;
        }
      });
  }

  program
    .command('machines')
    .description('export the bot machine as JSON (importable by Stately) and as a Mermaid diagram')
    .requiredOption('--export <dir>', 'folder to write into')
    .action(async (opts: { export: string }) => {
      const { exportMachines } = await import('./ops.js');
      for (const f of exportMachines(path.resolve(opts.export))) io.out(`wrote ${f}`);
    });

  return program;
}

/** Parses argv and runs the command; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof ExitCode) return err.exitCode;
    const ce = err as { code?: string; exitCode?: number };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) return ce.exitCode ?? 1;
    io.err(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}
