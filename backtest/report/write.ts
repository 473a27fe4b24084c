import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../canonical-json.js';
import { ReportError } from './errors.js';
import { renderHtml } from './html.js';
import { renderPng } from './png.js';
import { type BacktestReportInput, BacktestReportInputSchema } from './types.js';

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /**
   * The base name of the three files, without extension. Defaults to {@link reportRunName}. Must be a plain
   * file name: letters, digits, `.`, `_` and `-`, starting with a letter or digit.
   */
  readonly name?: string;
}

/** The paths {@link writeReport} wrote, each `dir` joined with the run name and extension. */
export interface WrittenReport {
  readonly json: string;
  readonly html: string;
  readonly png: string;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Names a run `<strategy>-<hash>`: the strategy as a file-name-safe slug and the first 10 hex digits of a
 * SHA-256 over what decides the result (strategy, params, mode, leverage, timeframe, engine settings, data hash). The same run
 * on the same data therefore overwrites its own report, while any change of parameters or data gets a new file.
 */
export function reportRunName(input: BacktestReportInput): string {
  const slug =
    input.strategy
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'run';
  const key = canonicalJson({
    strategy: input.strategy,
    params: input.params,
    mode: input.mode,
    leverage: input.leverage,
    timeframe: input.timeframe,
    settings: input.settings,
    dataHash: input.dataHash,
  });
  return `${slug}-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 10)}`;
}

/**
 * Formats the report JSON for people and diffs: objects are indented, while arrays of numbers and the trade
 * objects stay on one line each, so that a 100k-bar series is 5 long lines rather than 500k short ones.
 */
export function formatReportJson(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(value);
    return `[\n${value.map((v) => inner + JSON.stringify(v)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatReportJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

/**
 * Parses unknown data as a report input.
 *
 * @throws {ReportError} `REPORT_INPUT` listing every schema violation; `cause` is the `ZodError`.
 */
export function parseReportInput(data: unknown): BacktestReportInput {
  const parsed = BacktestReportInputSchema.safeParse(data);
  if (!parsed.success) {
    throw new ReportError(
      'REPORT_INPUT',
      `invalid backtest report input:\n${z.prettifyError(parsed.error)}`,
      parsed.error,
    );
  }
  return parsed.data;
}

/** Writes through a temporary file and a rename, so that a reader never sees half a report. */
async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new ReportError('REPORT_WRITE', `cannot write ${path}`, cause);
  }
}

/**
 * Validates the input, then writes `DIR/<run>.json` (the validated input, schema version, exact params and
 * data hash included), `DIR/<run>.html` (the interactive, self-contained report of {@link renderHtml}) and
 * `DIR/<run>.png` (the equity chart of {@link renderPng}). `DIR` is created when missing; existing files of
 * the same run are replaced.
 *
 * @throws {ReportError} `REPORT_INPUT` when the input breaks the schema (nothing is written), `REPORT_NAME`
 * when `opts.name` is not a plain file name, `REPORT_ASSET` when uPlot is not installed, `REPORT_WRITE` when a
 * file cannot be written.
 */
export async function writeReport(
  input: BacktestReportInput,
  dir: string,
  opts: WriteReportOptions = {},
): Promise<WrittenReport> {
  const report = parseReportInput(input);
  const name = opts.name ?? reportRunName(report);
  if (!SAFE_NAME.test(name)) {
    throw new ReportError(
      'REPORT_NAME',
      `report name ${JSON.stringify(name)} is not a plain file name (letters, digits, ".", "_", "-"; at most 128)`,
    );
  }
  // Render everything before touching the disk, so that a rendering failure leaves no partial set of files.
  const html = renderHtml(report);
  const png = await renderPng(report);
  const json = `${formatReportJson(report)}\n`;
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new ReportError('REPORT_WRITE', `cannot create ${dir}`, cause);
  }
  const paths: WrittenReport = {
    json: join(dir, `${name}.json`),
    html: join(dir, `${name}.html`),
    png: join(dir, `${name}.png`),
  };
  await Promise.all([
    writeAtomic(paths.json, json),
    writeAtomic(paths.html, html),
    writeAtomic(paths.png, png),
  ]);
  return paths;
}
