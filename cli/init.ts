import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  botPaths,
  bundledDataDir,
  coinbaseExample,
  EXAMPLE_DATA_FILES,
  krakenExample,
} from '../config/index.js';

export interface InitResult {
  readonly created: string[];
}

/** Writes the two example bot configs under HOME/bots; refuses to overwrite anything. */
export function initHome(home: string): InitResult {
  const data = bundledDataDir();
  const files = [
    {
      file: botPaths(home, 'coinbase').config,
      text: coinbaseExample(path.join(data, EXAMPLE_DATA_FILES.coinbase)),
    },
    {
      file: botPaths(home, 'kraken').config,
      text: krakenExample(path.join(data, EXAMPLE_DATA_FILES.kraken)),
    },
  ];
  const existing = files.filter((f) => existsSync(f.file)).map((f) => f.file);
  if (existing.length) {
    throw new InitRefused(`refusing to overwrite existing file(s): ${existing.join(', ')}`);
  }
  for (const f of files) {
    mkdirSync(path.dirname(f.file), { recursive: true });
    writeFileSync(f.file, f.text, { flag: 'wx' });
  }
  return { created: files.map((f) => f.file) };
}

export class InitRefused extends Error {
  readonly code = 'INIT_EXISTS';
}
