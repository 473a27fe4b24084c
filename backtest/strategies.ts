/**
 * Finds the strategy a backtest runs. Backtests may run development strategies (that is how they earn a
 * record); production strategies get their default params from `strategies/production/config.yaml`, as
 * bots do.
 */
import { loadProductionStrategiesFile } from '../config/index.js';
import { findStrategy, loadDevelopmentStrategies, productionStrategyNames } from '../strategies/registry.js';
import type { StrategyDefinition } from '../strategies/types.js';
import { BacktestInputError } from './errors.js';

/** A strategy found for a backtest, with the default params it starts from. */
export interface BacktestStrategy {
  readonly stage: 'production' | 'development';
  readonly definition: StrategyDefinition<unknown>;
  /** Production defaults from strategies/production/config.yaml; `{}` for development strategies. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

/**
 * Looks a strategy up in production, then development.
 *
 * @throws BacktestInputError for an unknown name, listing the known ones.
 * @throws ConfigError when strategies/production/config.yaml is broken.
 */
export async function backtestStrategy(name: string): Promise<BacktestStrategy> {
  const found = await findStrategy(name, { includeDevelopment: true });
  if (!found) {
    const dev = [...(await loadDevelopmentStrategies()).keys()];
    throw new BacktestInputError(
      `unknown strategy "${name}"; production: ${productionStrategyNames().join(', ')}; development: ${dev.join(', ')}`,
    );
  }
  const defaults =
    found.stage === 'production' ? (loadProductionStrategiesFile().strategies[name]?.params ?? {}) : {};
  return { stage: found.stage, definition: found.definition, defaults };
}
