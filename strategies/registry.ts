/**
 * Finds strategies by name. Production strategies are imported statically; development strategies only
 * through a dynamic import, on request, so a live bot's module graph never contains them.
 */
import { PRODUCTION_STRATEGIES } from './production/index.js';
import type { StrategyDefinition } from './types.js';

export type StrategyStage = 'production' | 'development';

export interface StrategyLookup {
  readonly stage: StrategyStage;
  readonly definition: StrategyDefinition<unknown>;
}

export function productionStrategy(name: string): StrategyDefinition<unknown> | undefined {
  return PRODUCTION_STRATEGIES.get(name);
}

export function productionStrategyNames(): string[] {
  return [...PRODUCTION_STRATEGIES.keys()];
}

/** Loads the development registry. Only for backtests, paper bots and config checks. */
export async function loadDevelopmentStrategies(): Promise<ReadonlyMap<string, StrategyDefinition<unknown>>> {
  const dev = await import('./development/index.js');
  return dev.DEVELOPMENT_STRATEGIES;
}

/** Looks a strategy up in production first, then (if allowed) in development. */
export async function findStrategy(
  name: string,
  opts: { includeDevelopment: boolean },
): Promise<StrategyLookup | undefined> {
  const prod = PRODUCTION_STRATEGIES.get(name);
  if (prod) return { stage: 'production', definition: prod };
  if (!opts.includeDevelopment) return undefined;
  const dev = (await loadDevelopmentStrategies()).get(name);
  return dev ? { stage: 'development', definition: dev } : undefined;
}
