/** `backtest --report DIR`: hands the run to the report writer in `backtest/report/`. */
import type { Dataset } from '../backtest/dataset.js';
import type { BacktestRun } from '../backtest/engine.js';
import type { BacktestRecord } from '../backtest/record.js';
import { isReportError, writeReport } from '../backtest/report/index.js';
import { reportInput } from '../backtest/report-input.js';
import { ExitCode } from './program.js';

/** What a report is written from. */
export interface ReportRequest {
  readonly record: BacktestRecord;
  readonly run: BacktestRun;
  readonly dataset: Dataset;
  readonly dir: string;
}

/**
 * Writes the report's JSON, HTML and PNG into `dir` and returns their paths.
 *
 * @throws ExitCode 1 after printing the report writer's error (the backtest itself already printed).
 */
export async function writeBacktestReport(
  req: ReportRequest,
  err: (line: string) => void,
): Promise<{ json: string; html: string; png: string }> {
  const input = reportInput({ ...req, generatedAt: new Date().toISOString() });
  try {
    return await writeReport(input, req.dir);
  } catch (e) {
    if (isReportError(e)) {
      err(`report error: ${e.message}`);
      throw new ExitCode(1);
    }
    throw e;
  }
}
