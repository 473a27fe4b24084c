/**
 * Shared pieces of the chaos suite: a seeded random source (every run prints its seed, so a failure can be
 * replayed) and the figures each file records for `test-artifacts/chaos-results.md`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prng } from '../../bench/random-walk.js';

/** Where each chaos file leaves its figures; the global teardown turns them into test-artifacts/chaos-results.md. */
export const FIGURES_DIR = path.join(os.tmpdir(), 'dualbot-chaos-figures');

/** A deterministic pseudo-random source in [0, 1) (mulberry32). */
export const seeded = prng;

export interface Figure {
  readonly area: string;
  readonly figure: string;
  readonly value: string;
  readonly threshold?: string;
}

/** Records figures of one chaos area (printed now, written to test-artifacts/chaos-results.md at the end of the run). */
export function recordFigures(area: string, figures: readonly Omit<Figure, 'area'>[]): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const rows = figures.map((f) => ({ area, ...f }));
  for (const r of rows)
    console.log(`[chaos] ${area}: ${r.figure} = ${r.value}${r.threshold ? ` (${r.threshold})` : ''}`);
  writeFileSync(path.join(FIGURES_DIR, `${area.replace(/[^a-z0-9]+/gi, '_')}.json`), JSON.stringify(rows));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Signed base quantity in units of the paper venue's 1e-8 step. Fills are whole steps, so summing integers
 * is exact where summing thousands of float quantities would leave dust.
 */
export function steps(side: string, qty: number): number {
  const n = Math.round(qty * 1e8);
  return side === 'sell' || side === 'SHORT' ? -n : n;
}
