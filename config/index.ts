export { ConfigError, type ConfigIssue, EXIT_CONFIG, formatIssue } from './errors.js';
export { coinbaseExample, DEMO_REPLAY_SPEED, EXAMPLE_DATA_FILES, krakenExample } from './examples.js';
export {
  botConfigFromObject,
  discoverBots,
  type LoadedBot,
  type LoadedHome,
  type LoadOptions,
  loadBotConfig,
  loadHome,
  loadProductionStrategiesFile,
  parseBotConfig,
} from './load.js';
export { botPaths, bundledDataDir, packageRoot, productionStrategiesConfigFile } from './paths.js';
export { configReferenceMarkdown } from './reference.js';
export * from './schema.js';
