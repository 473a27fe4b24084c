import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const STATIC_IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g;
const DYNAMIC_IMPORT = /import\(\s*['"]([^'"]+)['"]\s*\)/g;

function tsFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  try {
    statSync(abs);
  } catch {
    return [];
  }
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(abs, f));
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.resolve(path.dirname(from), spec).replace(/\.js$/, '.ts');
}

/** Every file reachable from `roots` through static imports. */
function staticClosure(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(STATIC_IMPORT)) {
      const dep = resolveLocal(f, m[1]!);
      if (dep) stack.push(dep);
    }
  }
  return seen;
}

const DEV = path.join(ROOT, 'strategies', 'development') + path.sep;
const rel = (f: string) => path.relative(ROOT, f);

describe('import graph', () => {
  it('nothing in actors/, machines/, core/ or strategies/production/ reaches strategies/development/ statically', () => {
    const roots = ['actors', 'machines', 'core', 'strategies/production'].flatMap(tsFiles);
    expect(roots.length).toBeGreaterThan(5);
    const reached = [...staticClosure(roots)].filter((f) => f.startsWith(DEV)).map(rel);
    expect(reached).toEqual([]);
  });

  it('the only dynamic import of development strategies is the registry gate', () => {
    const importers = ['actors', 'machines', 'core', 'strategies', 'config', 'cli', 'backtest', 'workers']
      .flatMap(tsFiles)
      .filter((f) => !f.startsWith(DEV))
      .filter((f) =>
        [...readFileSync(f, 'utf8').matchAll(DYNAMIC_IMPORT)].some((m) =>
          resolveLocal(f, m[1]!)?.startsWith(DEV),
        ),
      )
      .map(rel);
    expect(importers).toEqual([path.join('strategies', 'registry.ts')]);
  });

  it('the pure core and machines import no I/O, clock-bound or exchange modules', () => {
    const banned =
      /from\s+['"](node:(fs|net|http|https|child_process|worker_threads|timers)(\/promises)?|fs|ccxt|pino|piscina)['"]/;
    const offenders = ['core', 'machines', 'strategies']
      .flatMap(tsFiles)
      .filter((f) => banned.test(readFileSync(f, 'utf8')))
      .map(rel);
    expect(offenders).toEqual([]);
    const clock = /\bDate\.now\(|new Date\(|performance\.now\(|Math\.random\(|setTimeout\(|setInterval\(/;
    const clocky = ['core', 'strategies']
      .flatMap(tsFiles)
      .filter((f) => clock.test(readFileSync(f, 'utf8')))
      .map(rel);
    expect(clocky).toEqual([]);
  });
});
