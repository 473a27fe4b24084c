/**
 * `dualbot parity --bot NAME`: the paper-versus-backtest parity report of a bot on its own, printed and
 * written to `HOME/bots/<bot>/parity-<date>.json`.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { parityLines } from '../backtest/promotion/parity.js';
import { writeParityReport } from '../backtest/promotion/parity-run.js';
import { PROMOTE_DEFAULTS } from '../backtest/promotion/promote.js';
import { parseFromBound } from '../backtest/window.js';
import { EXIT_CONFIG, loadProductionStrategiesFile } from '../config/index.js';
import { type CliIO, ExitCode } from './program.js';
import { failPromotion, numberArg } from './promote-errors.js';

interface ParityOptionValues {
  bot: string;
  home: string;
  since?: string;
  data?: string;
  tolerancePct: string;
  json?: boolean;
}

/** Registers `parity` on the program. */
export function registerParityCommand(program: Command, io: CliIO): void {
  program
    .command('parity')
    .description("compare a paper bot's fills with a backtest of the same period (sides in order, prices)")
    .requiredOption('--bot <name>', 'the paper bot (its folder name under bots/)')
    .option('--home <dir>', 'folder holding bots/<name>/', io.env['DUALBOT_HOME'] ?? '.')
    .option('--since <date>', 'only journal entries from this date (ISO 8601, UTC)')
    .option('--data <file>', "candles of the bot's pair (default: the bot's replay file)")
    .option('--tolerance-pct <pct>', 'price tolerance, %', String(PROMOTE_DEFAULTS.tolerancePct))
    .option('--json', 'print the report as one JSON object')
    .exitOverride((err) => {
      if (err.exitCode === 0) throw err;
      throw new ExitCode(EXIT_CONFIG);
    })
    .action(async (o: ParityOptionValues) => {
      const tolerancePct = numberArg(io, '--tolerance-pct', o.tolerancePct, (x) => x >= 0);
      let pass: boolean;
      try {
        const since = o.since !== undefined ? parseFromBound(o.since) : undefined;
        const now = new Date();
        const { report, file } = await writeParityReport({
          home: path.resolve(o.home),
          bot: o.bot,
          ...(o.data !== undefined ? { data: path.resolve(o.data) } : {}),
          ...(since !== undefined ? { sinceMs: since } : {}),
          tolerancePct,
          env: io.env,
          production: loadProductionStrategiesFile(),
          date: now.toISOString().slice(0, 10),
        });
        if (o.json) io.out(JSON.stringify(report));
        else for (const line of parityLines(report)) io.out(line);
        io.err(`wrote ${file}`);
        pass = report.pass;
      } catch (e) {
        failPromotion(e, io);
      }
      if (!pass) throw new ExitCode(1);
    });
}
