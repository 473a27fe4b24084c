/**
 * `dualbot promote`: checks every gate (imports, backtest on the bot's data, out of sample, paper record,
 * parity) before anything changes, then copies the development module into `strategies/production/`,
 * registers it, adds its `config.yaml` entry with the evidence, points the bot at it, builds, and asks a
 * running runtime to restart the bot. File changes are all or nothing (see apply.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { loadProductionStrategiesFile, productionStrategiesFileSchema } from '../../config/index.js';
import { findStrategy } from '../../strategies/registry.js';
import { validateParams } from '../params.js';
import { applyStaged, type BuildResult, npmBuild, type StagedFile, stageFile } from './apply.js';
import { botDir, loadBotContext, PromotionInputError, readPaperFiles } from './context.js';
import { type GateResult, gateLine } from './gate.js';
import { backtestGates } from './gates.js';
import { paperRecordGates } from './paper-record.js';
import { parityGate, parityReport } from './parity.js';
import { addPromoted, RegistryFileError } from './registry-file.js';
import {
  disallowedImports,
  locateDevelopmentModule,
  paramsHash,
  productionSource,
  sha256Hex,
} from './source-hash.js';

/** Gate thresholds and defaults of `promote`. */
export const PROMOTE_DEFAULTS = {
  minTrades: 3,
  outOfSamplePct: 30,
  paperHours: 24,
  tolerancePct: 0.5,
} as const;

/** What `promote` is asked to do. */
export interface PromoteOptions {
  /** Where strategies/ and package.json live (the running package, or a copy in tests). */
  readonly packageRoot: string;
  readonly home: string;
  readonly bot: string;
  readonly strategy: string;
  readonly data?: string;
  readonly dryRun: boolean;
  readonly minTrades: number;
  readonly outOfSamplePct: number;
  readonly paperHours: number;
  readonly tolerancePct: number;
  readonly env: NodeJS.ProcessEnv;
  /** The promotion time (the `promoted.at` field). */
  readonly now: Date;
  readonly out: (line: string) => void;
  /** Default: `npm run build` in `packageRoot`. */
  readonly build?: (packageRoot: string) => Promise<BuildResult>;
  /** Restarts the bot in a running runtime; throws when none answers. Default: no runtime is asked. */
  readonly restart?: (bot: string) => Promise<string>;
  /** The running program's development folder (tests only). */
  readonly devDir?: string;
}

/** Rounds the figures to 4 decimals: the evidence is read by people, not recomputed from. */
function rounded<T extends object>(figures: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(figures)) out[k] = typeof v === 'number' ? Number(v.toFixed(4)) : v;
  return out as T;
}

/**
 * Returns a bot's config text with `strategy.name` set to `strategy` and its `strategy.params` removed (the
 * other strategy's params would not fit; the production defaults apply). Comments and layout are kept (the
 * `yaml` Document API edits the parsed document, not the text).
 */
export function pointBotAt(configText: string, strategy: string): string {
  const doc = parseDocument(configText);
  doc.setIn(['strategy', 'name'], strategy);
  doc.deleteIn(['strategy', 'params']);
  return String(doc);
}

/** Exit codes: 0 promoted (or would be), 1 a gate or a step failed, 78 bad input. */
export type PromoteExit = 0 | 1 | 78;

/**
 * Runs a promotion.
 *
 * @throws PromotionInputError, ConfigError, CandleDataError, BacktestInputError on bad input (exit 78).
 */
export async function promote(o: PromoteOptions): Promise<PromoteExit> {
  const prodDir = path.join(o.packageRoot, 'strategies', 'production');
  const production = loadProductionStrategiesFile(path.join(prodDir, 'config.yaml'));
  const found = await findStrategy(o.strategy, { includeDevelopment: true });
  if (!found) throw new PromotionInputError(`unknown strategy "${o.strategy}"`);
  if (found.stage === 'production' || production.strategies[o.strategy] !== undefined) {
    throw new PromotionInputError(`"${o.strategy}" is already a production strategy`);
  }
  const def = found.definition;
  const mod = await locateDevelopmentModule(def, o.devDir);
  if (!mod) throw new PromotionInputError(`no module in strategies/development/ exports "${o.strategy}"`);
  const sourceFile = path.join(o.packageRoot, 'strategies', 'development', ...mod.relPath.split('/'));
  let source: string;
  try {
    source = readFileSync(sourceFile, 'utf8');
  } catch {
    throw new PromotionInputError(`the strategy's source ${sourceFile} is missing`);
  }
  const moduleName = path.basename(mod.relPath, '.ts');
  const targetFile = path.join(prodDir, `${moduleName}.ts`);
  const indexFile = path.join(prodDir, 'index.ts');
  const configFile = path.join(prodDir, 'config.yaml');

  const ctx = await loadBotContext({
    home: o.home,
    bot: o.bot,
    env: o.env,
    production,
    ...(o.data !== undefined ? { data: o.data } : {}),
  });
  const runsIt = ctx.bot.config.strategy.name === o.strategy;
  // The params the bot would run: its own when it already names the strategy, else the strategy defaults.
  const params = runsIt ? ctx.bot.strategy.params : validateParams(def, {});
  const { candles, timeframeMs } = ctx.dataset;

  // Gates. Every one is evaluated and printed, whatever the others say.
  const gates: GateResult[] = [];
  const bad = disallowedImports(source, mod.relPath);
  gates.push({
    name: 'production imports',
    pass: bad.length === 0,
    detail:
      bad.length === 0
        ? 'only zod and ../types.js'
        : `imports ${bad.join(', ')} (allowed: zod, the strategy contract)`,
  });
  const bt = backtestGates({
    strategy: def,
    params,
    candles,
    timeframeMs,
    settings: ctx.settings,
    maxDrawdown: ctx.bot.config.risk.max_drawdown,
    minTrades: o.minTrades,
    outOfSampleFraction: o.outOfSamplePct / 100,
  });
  gates.push(...bt.gates);
  const paperFiles = readPaperFiles(o.home, o.bot);
  const paper = paperRecordGates({
    entries: paperFiles.entries,
    state: paperFiles.state,
    strategy: o.strategy,
    paperHours: o.paperHours,
  });
  if (paperFiles.problem !== null)
    gates.push({ name: 'paper files', pass: false, detail: paperFiles.problem });
  gates.push(...paper.gates);
  const parity = parityReport({
    strategy: def,
    params,
    candles,
    timeframeMs,
    settings: ctx.settings,
    fills: paper.fills,
    tolerancePct: o.tolerancePct,
    ...(paperFiles.state?.last_candle_ts != null
      ? { processed: { lastCandleTs: paperFiles.state.last_candle_ts, cycles: paper.cycles } }
      : {}),
  });
  gates.push(parityGate(parity));
  for (const g of gates) o.out(gateLine(g));
  const failed = gates.filter((g) => !g.pass);
  if (failed.length > 0) {
    o.out(`not promoted: ${failed.length} gate${failed.length === 1 ? '' : 's'} failed`);
    return 1;
  }

  // Stage every change in memory first.
  const sourceHash = sha256Hex(source);
  const evidence = {
    bot: o.bot,
    source_file: `strategies/development/${mod.relPath}`,
    data_file: path.basename(ctx.dataset.file),
    data_sha256: ctx.dataset.sha256,
    mode: ctx.settings.mode,
    leverage: ctx.settings.config.risk.leverage,
    backtest: rounded(bt.full),
    out_of_sample: { ...rounded(bt.outOfSample), fraction_pct: o.outOfSamplePct },
    paper: { hours: Number(paper.hours.toFixed(2)), fills: paper.fills.length, cycles: paper.cycles },
    parity: {
      fills: parity.paper_fills,
      max_price_diff_pct: Number(parity.max_price_diff_pct.toFixed(4)),
      tolerance_pct: parity.tolerance_pct,
    },
  };
  const entry = {
    description: def.description,
    params: params as Record<string, unknown>,
    promoted: { at: o.now.toISOString(), source_hash: sourceHash, params_hash: paramsHash(params), evidence },
  };
  const staged: StagedFile[] = [];
  try {
    staged.push(stageFile(targetFile, productionSource(source, mod.relPath)));
    staged.push(
      stageFile(
        indexFile,
        addPromoted(readFileSync(indexFile, 'utf8'), { exportName: mod.exportName, module: moduleName }),
      ),
    );
  } catch (err) {
    if (err instanceof RegistryFileError) throw new PromotionInputError(err.message);
    throw err;
  }
  if (staged[0]!.original !== null) throw new PromotionInputError(`${targetFile} already exists`);
  const configDoc = parseDocument(readFileSync(configFile, 'utf8'));
  configDoc.setIn(['strategies', o.strategy], configDoc.createNode(entry));
  const configText = String(configDoc);
  const check = productionStrategiesFileSchema.safeParse(parseDocument(configText).toJS());
  if (!check.success)
    throw new PromotionInputError(`the new config.yaml entry is invalid: ${check.error.message}`);
  staged.push(stageFile(configFile, configText));
  const botConfigFile = path.join(botDir(o.home, o.bot), 'config.yaml');
  if (!runsIt)
    staged.push(stageFile(botConfigFile, pointBotAt(readFileSync(botConfigFile, 'utf8'), o.strategy)));

  const verb = o.dryRun ? 'would write' : 'writing';
  for (const s of staged) o.out(`${verb} ${s.file}${s.original === null ? ' (new)' : ''}`);
  if (runsIt)
    o.out(`${botConfigFile} already names ${o.strategy}: unchanged (the production module wins once built)`);
  o.out(`${o.dryRun ? 'new' : 'added'} strategies/production/config.yaml entry:`);
  for (const line of stringify({ [o.strategy]: entry })
    .trimEnd()
    .split('\n'))
    o.out(`  ${line}`);
  if (o.dryRun) {
    o.out(`dry run: ${o.strategy} would be promoted; nothing was changed`);
    return 0;
  }

  const build = o.build ?? npmBuild;
  const applied = await applyStaged(staged, () => build(o.packageRoot));
  if (!applied.ok) {
    o.out(`promotion failed at the ${applied.step} step: ${applied.error.split('\n').slice(-10).join('\n')}`);
    if (applied.restoreProblems.length) o.out(`could not restore: ${applied.restoreProblems.join('; ')}`);
    else o.out('every file was restored as it was');
    if (applied.step === 'build') {
      // The failed build may have emitted part of its output; rebuilding the restored sources realigns dist/.
      const again = await build(o.packageRoot).catch((e: unknown) => ({ ok: false, output: String(e) }));
      o.out(
        again.ok
          ? 'rebuilt the restored sources'
          : 'rebuilding the restored sources failed too: run npm run build',
      );
    }
    return 1;
  }
  o.out(`promoted ${o.strategy} (source sha256 ${sourceHash.slice(0, 12)}, built)`);
  if (o.restart) {
    try {
      o.out(`restart ${o.bot}: ${await o.restart(o.bot)}`);
    } catch (err) {
      o.out(
        `no runtime restarted ${o.bot} (${err instanceof Error ? err.message : String(err)}); the bot will pick the production strategy up at its next start`,
      );
    }
  } else {
    o.out(`${o.bot} will pick the production strategy up at its next start`);
  }
  return 0;
}
