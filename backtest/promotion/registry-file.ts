/**
 * The generated part of `strategies/production/index.ts`: the lines between `// promoted:start` and
 * `// promoted:end`, which hold one import per promoted strategy and the `PROMOTED` list. The region is
 * parsed only in the form this module writes and regenerated whole; the rest of the file is never touched.
 */

export const REGION_START = '// promoted:start';
export const REGION_END = '// promoted:end';

/** One promoted strategy in the registry: `import { exportName } from './<module>.js'`. */
export interface PromotedEntry {
  readonly exportName: string;
  /** Module file name in strategies/production/ without extension, e.g. `breakout`. */
  readonly module: string;
}

/** The registry file could not be edited safely. */
export class RegistryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryFileError';
  }
}

const IMPORT_LINE = /^import \{ ([A-Za-z_$][\w$]*) \} from '\.\/([\w-]+)\.js';$/;
const LIST_LINE = /^const PROMOTED = \[|^ {2}[A-Za-z_$][\w$]*,$|^\] as StrategyDefinition<unknown>\[\];$/;
const LINE_WIDTH = 110;

function regionBounds(lines: readonly string[]): { start: number; end: number } {
  const start = lines.findIndex((l) => l.trim() === REGION_START);
  const end = lines.findIndex((l) => l.trim() === REGION_END);
  if (start < 0 || end < start || lines.filter((l) => l.trim() === REGION_START).length !== 1) {
    throw new RegistryFileError(
      `strategies/production/index.ts must hold exactly one "${REGION_START}" ... "${REGION_END}" region`,
    );
  }
  return { start, end };
}

/**
 * Reads the promoted entries of the registry file.
 *
 * @throws RegistryFileError when the markers are missing or the region is not in the generated form.
 */
export function readPromoted(text: string): PromotedEntry[] {
  const lines = text.split('\n');
  const { start, end } = regionBounds(lines);
  const out: PromotedEntry[] = [];
  for (const line of lines.slice(start + 1, end)) {
    const m = IMPORT_LINE.exec(line);
    if (m) out.push({ exportName: m[1]!, module: m[2]! });
    else if (line.trim() !== '' && !LIST_LINE.test(line)) {
      throw new RegistryFileError(`unexpected line in the promoted region of index.ts: ${line}`);
    }
  }
  return out;
}

/** Renders the region's body (without the markers), formatted as Biome formats it. */
export function renderRegion(entries: readonly PromotedEntry[]): string[] {
  const sorted = [...entries].sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  const imports = sorted.map((e) => `import { ${e.exportName} } from './${e.module}.js';`);
  const names = sorted.map((e) => e.exportName);
  const oneLine = `const PROMOTED = [${names.join(', ')}] as StrategyDefinition<unknown>[];`;
  const list =
    oneLine.length <= LINE_WIDTH
      ? [oneLine]
      : ['const PROMOTED = [', ...names.map((n) => `  ${n},`), '] as StrategyDefinition<unknown>[];'];
  return imports.length ? [...imports, '', ...list] : list;
}

/**
 * Returns the registry file with `entry` added to the promoted region.
 *
 * @throws RegistryFileError when the region is malformed, or the module or export name is already taken.
 */
export function addPromoted(text: string, entry: PromotedEntry): string {
  const current = readPromoted(text);
  if (current.some((e) => e.module === entry.module)) {
    throw new RegistryFileError(`strategies/production/index.ts already imports ./${entry.module}.js`);
  }
  // Names imported elsewhere in the file would clash with the new import.
  if (new RegExp(`\\b${entry.exportName}\\b`).test(text)) {
    throw new RegistryFileError(`strategies/production/index.ts already uses the name ${entry.exportName}`);
  }
  const lines = text.split('\n');
  const { start, end } = regionBounds(lines);
  return [...lines.slice(0, start + 1), ...renderRegion([...current, entry]), ...lines.slice(end)].join('\n');
}
