/**
 * The standalone parity report (`dualbot parity`): a bot's own strategy and params over its paper
 * period, written next to its journal as `parity-<date>.json`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ProductionStrategiesFile } from '../../config/index.js';
import { botDir, loadBotContext, PromotionInputError, readPaperFiles } from './context.js';
import { paperFills } from './paper-record.js';
import { type ParityReport, parityReport } from './parity.js';

/**
 * Builds a bot's parity report and writes it to `HOME/bots/<bot>/parity-<date>.json`.
 *
 * @throws PromotionInputError when the journal or state cannot be read; the loader's errors on bad input.
 */
export async function writeParityReport(o: {
  readonly home: string;
  readonly bot: string;
  readonly data?: string;
  readonly sinceMs?: number;
  readonly tolerancePct: number;
  readonly env: NodeJS.ProcessEnv;
  readonly production: ProductionStrategiesFile;
  /** `YYYY-MM-DD`, the report's file name. */
  readonly date: string;
}): Promise<{ report: ParityReport; file: string }> {
  const ctx = await loadBotContext(o);
  const paper = readPaperFiles(o.home, o.bot, o.sinceMs);
  if (paper.problem !== null) throw new PromotionInputError(paper.problem);
  const lastCandle = paper.state?.last_candle_ts;
  const cycles = paper.state?.machine.context?.cycles ?? 0;
  const report = parityReport({
    strategy: ctx.bot.strategy.definition,
    params: ctx.bot.strategy.params,
    candles: ctx.dataset.candles,
    timeframeMs: ctx.dataset.timeframeMs,
    settings: ctx.settings,
    fills: paperFills(paper.entries),
    tolerancePct: o.tolerancePct,
    ...(lastCandle != null && o.sinceMs === undefined
      ? { processed: { lastCandleTs: lastCandle, cycles } }
      : {}),
  });
  const file = path.join(botDir(o.home, o.bot), `parity-${o.date}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return { report, file };
}
