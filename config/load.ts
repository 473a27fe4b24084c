/**
 * Loads and validates config files. Every problem found is reported (not only the first), each with
 * file, line, column and field; nothing is started until all of them are fixed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { findStrategy, productionStrategy, productionStrategyNames } from '../strategies/registry.js';
import type { StrategyDefinition } from '../strategies/types.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { botPaths, productionStrategiesConfigFile } from './paths.js';
import {
  type BotConfig,
  type BotConfigInput,
  botConfigSchema,
  CREDENTIAL_ENV,
  EXCHANGE_TIMEFRAMES,
  type ProductionStrategiesFile,
  productionStrategiesFileSchema,
} from './schema.js';
import { locate, parseYaml, type YamlSource } from './yaml-source.js';
import { zodIssuesToConfigIssues } from './zod-issues.js';

/** Config files are small; anything bigger is a mistake (or an attack) and is refused before parsing. */
const MAX_CONFIG_BYTES = 256 * 1024;

export interface LoadedBot {
  /** Folder name under bots/: the bot's identity (state, logs, metrics). */
  readonly id: string;
  readonly file: string;
  readonly config: BotConfig;
  readonly strategy: {
    readonly stage: 'production' | 'development';
    readonly definition: StrategyDefinition<unknown>;
    readonly params: unknown;
  };
  /** Absolute path of the replay file, when market_data.source is replay. */
  readonly replayFile?: string;
}

function readText(file: string): { ok: true; text: string } | { ok: false; issue: ConfigIssue } {
  try {
    const st = statSync(file);
    if (!st.isFile()) return { ok: false, issue: { file, field: '', message: 'is not a regular file' } };
    if (st.size > MAX_CONFIG_BYTES) {
      return {
        ok: false,
        issue: {
          file,
          field: '',
          message: `is ${st.size} bytes; config files are at most ${MAX_CONFIG_BYTES}`,
        },
      };
    }
    return { ok: true, text: readFileSync(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EACCES'
          ? 'permission denied'
          : `cannot read (${code ?? String(err)})`;
    return { ok: false, issue: { file, field: '', message } };
  }
}

/** Reads strategies/production/config.yaml (defaults for production strategy params). */
export function loadProductionStrategiesFile(
  file = productionStrategiesConfigFile(),
): ProductionStrategiesFile {
  const read = readText(file);
  if (!read.ok) throw new ConfigError([read.issue]);
  const parsed = parseYaml(read.text, file);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  const res = productionStrategiesFileSchema.safeParse(parsed.value);
  if (!res.success) {
    throw new ConfigError(
      zodIssuesToConfigIssues(res.error.issues, parsed.source, parsed.value, {
        schema: productionStrategiesFileSchema,
      }),
    );
  }
  const issues: ConfigIssue[] = [];
  for (const [name, entry] of Object.entries(res.data.strategies)) {
    const def = productionStrategy(name);
    if (!def) {
      issues.push({
        file,
        ...locate(parsed.source, ['strategies'], name),
        field: `strategies.${name}`,
        message: 'is listed as a production strategy but there is no such module in strategies/production/',
      });
      continue;
    }
    const p = def.paramsSchema.safeParse(entry.params);
    if (!p.success) {
      issues.push(
        ...zodIssuesToConfigIssues(p.error.issues, parsed.source, parsed.value, {
          schema: def.paramsSchema,
          pathPrefix: ['strategies', name, 'params'],
        }),
      );
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return res.data;
}

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly production?: ProductionStrategiesFile;
}

/** Loads one bot config file, validating it against the schema and every cross-field rule. */
export async function loadBotConfig(file: string, opts: LoadOptions = {}): Promise<LoadedBot> {
  const read = readText(file);
  if (!read.ok) throw new ConfigError([read.issue]);
  return parseBotConfig(read.text, file, opts);
}

/**
 * Validates a bot config given as an object (programmatic use: paper bots injected at run time) through
 * the same schema and rules as a file. `id` names the bot; relative replay paths resolve against `baseDir`.
 */
export async function botConfigFromObject(
  input: BotConfigInput,
  opts: LoadOptions & { id: string; baseDir: string },
): Promise<LoadedBot> {
  const file = path.join(opts.baseDir, opts.id, 'config.yaml');
  return parseBotConfig(stringifyYaml(input), file, opts);
}

/** Validates config text as if it were `file`. */
export async function parseBotConfig(text: string, file: string, opts: LoadOptions = {}): Promise<LoadedBot> {
  const env = opts.env ?? process.env;
  const parsed = parseYaml(text, file);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  const src = parsed.source;
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    throw new ConfigError([{ file, line: 1, col: 1, field: '', message: 'expected a YAML map of settings' }]);
  }
  const res = botConfigSchema.safeParse(parsed.value);
  if (!res.success) {
    throw new ConfigError(
      zodIssuesToConfigIssues(res.error.issues, src, parsed.value, { schema: botConfigSchema }),
    );
  }
  const cfg = res.data;
  const issues: ConfigIssue[] = [];
  const at = (p: (string | number)[], message: string) =>
    issues.push({ file, ...locate(src, p), field: p.join('.'), message });

  // Cross-field rules.
  if (cfg.exchange === 'coinbase' && cfg.mode !== 'spot')
    at(['mode'], 'coinbase bots trade spot only (mode: spot)');
  if (cfg.mode === 'spot') {
    if (cfg.trading.leverage !== 1)
      at(['trading', 'leverage'], `spot trading is 1x; leverage must be 1 (was ${cfg.trading.leverage})`);
    if (cfg.trading.allow_short)
      at(['trading', 'allow_short'], 'spot trading is long only; allow_short must be false');
  }
  if (cfg.mode === 'margin' && !(Number.isInteger(cfg.trading.leverage) && cfg.trading.leverage >= 2)) {
    // Kraken takes margin orders at whole leverage levels from 2; at 1 an order is a spot order, which can
    // neither short nor close reduce-only, so such a bot could open positions it cannot close.
    at(
      ['trading', 'leverage'],
      `margin trading needs a whole leverage of 2 or more (Kraken margin levels; 1 is spot), was ${cfg.trading.leverage}`,
    );
  }
  const timeframes = EXCHANGE_TIMEFRAMES[cfg.exchange];
  if (!timeframes.includes(cfg.timeframe)) {
    // Replays too: a replay bot stands for the live one, which could not get these candles.
    at(
      ['timeframe'],
      `${cfg.exchange} has no ${cfg.timeframe} candles; its timeframes are ${timeframes.join(', ')}`,
    );
  }
  if (cfg.mode === 'margin' && cfg.margin === undefined)
    cfg.margin = botConfigSchema.shape.margin.unwrap().parse({});
  if (cfg.margin !== undefined && cfg.mode === 'spot') at(['margin'], 'margin settings need mode: margin');
  if (!cfg.dry_run) {
    if (cfg.market_data.source !== 'live') {
      at(
        ['dry_run'],
        'false (live trading) sends real orders and needs market_data.source: live, not a replay',
      );
    }
    if (cfg.live === undefined) {
      at(
        ['dry_run'],
        'false (live trading) needs live.available_capital: the quote amount this bot may use on the exchange account',
      );
    }
    const missing = CREDENTIAL_ENV[cfg.exchange].filter((k) => !env[k]);
    if (missing.length) {
      at(['dry_run'], `false (live trading) needs ${missing.join(' and ')} in the environment`);
    }
  }

  // Strategy: known, allowed for this bot, params valid.
  const lookup = await findStrategy(cfg.strategy.name, { includeDevelopment: true });
  let strategy: LoadedBot['strategy'] | undefined;
  if (!lookup) {
    at(
      ['strategy', 'name'],
      `unknown strategy "${cfg.strategy.name}"; production strategies: ${productionStrategyNames().join(', ')}`,
    );
  } else if (lookup.stage === 'development' && !cfg.dry_run) {
    at(
      ['strategy', 'name'],
      `"${cfg.strategy.name}" is a development strategy; a live bot (dry_run: false) may run only production strategies (promote it first)`,
    );
  } else {
    const defaults =
      lookup.stage === 'production' ? (opts.production?.strategies[cfg.strategy.name]?.params ?? {}) : {};
    const params = lookup.definition.paramsSchema.safeParse({ ...defaults, ...cfg.strategy.params });
    if (!params.success) {
      issues.push(
        ...zodIssuesToConfigIssues(params.error.issues, src, parsed.value, {
          schema: lookup.definition.paramsSchema,
          pathPrefix: ['strategy', 'params'],
        }),
      );
    } else {
      strategy = { stage: lookup.stage, definition: lookup.definition, params: params.data };
    }
  }

  let replayFile: string | undefined;
  if (cfg.market_data.source === 'replay') {
    replayFile = path.resolve(path.dirname(file), cfg.market_data.replay.file);
    try {
      if (!statSync(replayFile).isFile()) throw new Error('not a file');
    } catch {
      at(['market_data', 'replay', 'file'], `replay file not found: ${replayFile}`);
    }
    const start = cfg.market_data.replay.start;
    if (start !== undefined && Number.isNaN(Date.parse(start))) {
      at(['market_data', 'replay', 'start'], `expected an ISO 8601 date, was "${start}"`);
    }
  }

  if (issues.length || !strategy) throw new ConfigError(issues);
  const id = path.basename(path.dirname(file));
  return { id, file, config: cfg, strategy, ...(replayFile ? { replayFile } : {}) };
}

/** Bot folders under HOME/bots (every folder is a bot and must hold a config.yaml). */
export function discoverBots(home: string): string[] {
  const dir = path.join(home, 'bots');
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  return names;
}

export interface LoadedHome {
  readonly home: string;
  readonly bots: readonly LoadedBot[];
}

/** Loads every bot under HOME, collecting all issues across all files before failing. */
export async function loadHome(home: string, opts: LoadOptions = {}): Promise<LoadedHome> {
  const names = discoverBots(home);
  const issues: ConfigIssue[] = [];
  if (names.length === 0) {
    throw new ConfigError([
      {
        file: path.join(home, 'bots'),
        field: '',
        message: 'no bots/<name>/config.yaml found (run `dualbot init` to create examples)',
      },
    ]);
  }
  let production = opts.production;
  if (!production) {
    try {
      production = loadProductionStrategiesFile();
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  const bots: LoadedBot[] = [];
  for (const name of names) {
    try {
      bots.push(
        await loadBotConfig(botPaths(home, name).config, { ...opts, ...(production ? { production } : {}) }),
      );
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return { home, bots };
}

export type { YamlSource };
