/**
 * `dualbot promote STRATEGY --bot NAME`: the gates, then (unless --dry-run) the promotion into
 * strategies/production/, the build and a graceful restart of the bot through the running runtime.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { PROMOTE_DEFAULTS, promote } from '../backtest/promotion/promote.js';
import { EXIT_CONFIG, packageRoot } from '../config/index.js';
import { adminCall } from './ops.js';
import { type CliIO, ExitCode } from './program.js';
import { failPromotion, numberArg } from './promote-errors.js';

interface PromoteOptionValues {
  bot: string;
  home: string;
  data?: string;
  dryRun?: boolean;
  url: string;
  minTrades: string;
  oosPct: string;
  paperHours: string;
  tolerancePct: string;
}

/** Registers `promote` on the program. */
export function registerPromoteCommand(program: Command, io: CliIO): void {
  program
    .command('promote')
    .description(
      'promote a development strategy to production once its backtest, out-of-sample, paper and parity gates pass',
    )
    .argument('<strategy>', 'the development strategy')
    .requiredOption('--bot <name>', 'the paper bot that earned the record (its folder name under bots/)')
    .option('--home <dir>', 'folder holding bots/<name>/', io.env['DUALBOT_HOME'] ?? '.')
    .option('--data <file>', "candles of the bot's pair (default: the bot's replay file)")
    .option('--dry-run', 'print the gates and what would change; change nothing')
    .option('--url <url>', "the runtime's HTTP address", io.env['DUALBOT_URL'] ?? 'http://127.0.0.1:8081')
    .option('--min-trades <n>', 'fewest backtest trades', String(PROMOTE_DEFAULTS.minTrades))
    .option(
      '--oos-pct <pct>',
      'last part of the data held out of sample, %',
      String(PROMOTE_DEFAULTS.outOfSamplePct),
    )
    .option(
      '--paper-hours <h>',
      'shortest paper record, hours of journal time',
      String(PROMOTE_DEFAULTS.paperHours),
    )
    .option('--tolerance-pct <pct>', 'parity price tolerance, %', String(PROMOTE_DEFAULTS.tolerancePct))
    .exitOverride((err) => {
      if (err.exitCode === 0) throw err;
      throw new ExitCode(EXIT_CONFIG);
    })
    .action(async (strategy: string, o: PromoteOptionValues) => {
      const minTrades = numberArg(io, '--min-trades', o.minTrades, (x) => Number.isInteger(x) && x >= 0);
      const oosPct = numberArg(io, '--oos-pct', o.oosPct, (x) => x > 0 && x < 100);
      const paperHours = numberArg(io, '--paper-hours', o.paperHours, (x) => x >= 0);
      const tolerancePct = numberArg(io, '--tolerance-pct', o.tolerancePct, (x) => x >= 0);
      let code: number;
      try {
        code = await promote({
          packageRoot: packageRoot(),
          home: path.resolve(o.home),
          bot: o.bot,
          strategy,
          ...(o.data !== undefined ? { data: path.resolve(o.data) } : {}),
          dryRun: o.dryRun === true,
          minTrades,
          outOfSamplePct: oosPct,
          paperHours,
          tolerancePct,
          env: io.env,
          now: new Date(),
          out: io.out,
          restart: (bot) => adminCall(o.url, bot, 'restart', io.env['DUALBOT_ADMIN_TOKEN']),
        });
      } catch (e) {
        failPromotion(e, io);
      }
      if (code !== 0) throw new ExitCode(code);
    });
}
