/**
 * Clears the figures of an earlier run before the suite, and writes `test-artifacts/chaos-results.md` after it
 * (an artifact of the run, not a source file), so the table always describes one complete run.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIGURES_DIR, type Figure } from './support.js';

export function setup(): void {
  rmSync(FIGURES_DIR, { recursive: true, force: true });
}

export function teardown(): void {
  if (!existsSync(FIGURES_DIR)) return;
  const rows: Figure[] = [];
  for (const f of readdirSync(FIGURES_DIR).sort()) {
    rows.push(...(JSON.parse(readFileSync(path.join(FIGURES_DIR, f), 'utf8')) as Figure[]));
  }
  if (rows.length === 0) return;
  const lines = [
    '# Chaos suite results',
    '',
    `Written by \`npm run test:chaos\` on ${new Date().toISOString()} (Node ${process.version}, ${process.platform}).`,
    '',
    '| Area | Figure | Value | Threshold |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.area} | ${r.figure} | ${r.value} | ${r.threshold ?? ''} |`),
    '',
  ];
  const out = path.join(import.meta.dirname, '..', '..', 'test-artifacts');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'chaos-results.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}
