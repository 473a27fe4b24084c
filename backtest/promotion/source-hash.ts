/**
 * Identifies the exact strategy version being promoted: the development module's source file and its
 * SHA-256, the params' SHA-256, and the import check a production module must pass.
 *
 * How the file is found: the development registry gives the strategy's definition object; the modules in
 * the running program's `strategies/development/` folder (`dist/` when built, the sources under Vitest) are
 * imported (they are already loaded by the registry, so this adds no code) and the one exporting that very
 * object (or, across module instances, a definition of the same name) is the strategy's module. Its path
 * relative to that folder, with `.ts`, names the shipped source under `<packageRoot>/strategies/development/`,
 * which is what gets hashed and copied.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StrategyDefinition } from '../../strategies/types.js';
import { canonicalJson } from '../canonical-json.js';

export { canonicalJson };

/** Returns the SHA-256 of text or bytes, hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Returns the SHA-256 of the params' canonical JSON. */
export function paramsHash(params: unknown): string {
  return sha256Hex(canonicalJson(params ?? {}));
}

/** Where a development strategy's module lives. */
export interface StrategyModule {
  /** Path under `strategies/development/`, with `/` separators and the `.ts` extension. */
  readonly relPath: string;
  /** The export holding the definition (the production registry imports it by this name). */
  readonly exportName: string;
}

/** The running program's development folder (compiled `.js` in dist, `.ts` sources under Vitest). */
function runningDevelopmentDir(): string {
  return fileURLToPath(new URL('../../strategies/development/', import.meta.url));
}

function moduleFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => (f.endsWith('.js') || f.endsWith('.ts')) && !f.endsWith('.d.ts'))
    .filter((f) => path.basename(f, path.extname(f)) !== 'index')
    .sort();
}

function isDefinition(v: unknown): v is StrategyDefinition<unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { name?: unknown }).name === 'string' &&
    typeof (v as { decide?: unknown }).decide === 'function'
  );
}

/**
 * Finds the module of a development strategy by its definition (see the file comment).
 *
 * @returns undefined when no module in the development folder exports it.
 */
export async function locateDevelopmentModule(
  def: StrategyDefinition<unknown>,
  devDir = runningDevelopmentDir(),
): Promise<StrategyModule | undefined> {
  let byName: StrategyModule | undefined;
  for (const f of moduleFiles(devDir)) {
    const ns = (await import(pathToFileURL(path.join(devDir, f)).href)) as Record<string, unknown>;
    const relPath = f.split(path.sep).join('/').replace(/\.js$/, '.ts');
    for (const [exportName, v] of Object.entries(ns)) {
      if (v === def) return { relPath, exportName };
      if (isDefinition(v) && v.name === def.name) byName ??= { relPath, exportName };
    }
  }
  return byName;
}

/** One import of a module, as written. */
export interface ModuleImport {
  readonly specifier: string;
  /** True for `import(...)` or `require(...)`: never allowed in a production strategy. */
  readonly dynamic: boolean;
}

const STATIC_FROM = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]/g;
const SIDE_EFFECT = /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
const DYNAMIC = /\b(?:import|require)\s*\(/g;

/** Lists a module's imports (static `from`, side-effect imports, and any dynamic import or require). */
export function moduleImports(source: string): ModuleImport[] {
  const out: ModuleImport[] = [];
  for (const m of source.matchAll(STATIC_FROM)) out.push({ specifier: m[1]!, dynamic: false });
  for (const m of source.matchAll(SIDE_EFFECT)) out.push({ specifier: m[1]!, dynamic: false });
  for (const _ of source.matchAll(DYNAMIC)) out.push({ specifier: '(dynamic)', dynamic: true });
  return out;
}

/** The types module as imported from `strategies/production/`. */
export const PRODUCTION_TYPES_IMPORT = '../types.js';

/**
 * Checks a development module may become a production module: it imports only `zod` and the strategy
 * contract (`strategies/types.js`, at whatever depth it sits), and nothing dynamically.
 *
 * @returns the offending imports (empty when allowed).
 */
export function disallowedImports(source: string, relPath: string): string[] {
  const bad: string[] = [];
  for (const imp of moduleImports(source)) {
    if (imp.dynamic) bad.push('a dynamic import()/require()');
    else if (imp.specifier !== 'zod' && imp.specifier !== typesSpecifier(relPath)) bad.push(imp.specifier);
  }
  return bad;
}

/** The specifier a development module at `relPath` uses for `strategies/types.js` (`../../types.js` one deeper). */
export function typesSpecifier(relPath: string): string {
  const depth = relPath.split('/').length;
  return `${'../'.repeat(depth)}types.js`;
}

/**
 * Returns the production copy of an allowed development module: the same text, with the contract import
 * pointed at `../types.js` when the module sat in a subfolder (the only change).
 */
export function productionSource(source: string, relPath: string): string {
  const from = typesSpecifier(relPath);
  if (from === PRODUCTION_TYPES_IMPORT) return source;
  return source.replace(
    new RegExp(`(from\\s*)(['"])${from.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\2`, 'g'),
    `$1$2${PRODUCTION_TYPES_IMPORT}$2`,
  );
}
