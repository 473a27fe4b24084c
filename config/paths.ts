/** Where the package's own files (bundled data, production strategy config) live, found at run time. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding dualbot's package.json (works from `dist/` and from sources under Vitest). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'dualbot') {
          cached = dir;
          return dir;
        }
      } catch {
        // not ours; keep walking up
      }
    }
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the dualbot package root (package.json named "dualbot")');
}

export const bundledDataDir = (): string => path.join(packageRoot(), 'data');
export const productionStrategiesConfigFile = (): string =>
  path.join(packageRoot(), 'strategies', 'production', 'config.yaml');

/** `HOME/bots/<name>/` and its files. */
export function botPaths(home: string, name: string) {
  const dir = path.join(home, 'bots', name);
  return {
    dir,
    config: path.join(dir, 'config.yaml'),
    state: path.join(dir, 'state.json'),
    logs: path.join(dir, 'logs'),
  };
}
