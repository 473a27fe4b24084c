/**
 * `dualbot analyze lookahead|warmup`: bias checks of a strategy on a candle file. `lookahead` exits 1 when
 * a decision changes once future bars are removed; `warmup` reports indicators whose values depend on how
 * much history came before them.
 */
import { type Command, Option } from 'commander';
import { analyzeLookahead } from '../backtest/analyze-lookahead.js';
import { analyzeWarmup } from '../backtest/analyze-warmup.js';
import { loadDataset } from '../backtest/dataset.js';
import { BacktestInputError } from '../backtest/errors.js';
import { parseParams, resolveParamNames, validateParams } from '../backtest/params.js';
import { BACKTEST_MODES } from '../backtest/settings.js';
import { backtestStrategy } from '../backtest/strategies.js';
import { failBacktest, numberOption, usageErrorsExit78 } from './backtest-options.js';
import { type CliIO, ExitCode } from './program.js';

interface AnalyzeOptionValues {
  strategy?: string;
  param: string[];
  data?: string;
  timeframe?: string;
  json?: boolean;
}

interface LookaheadOptionValues extends AnalyzeOptionValues {
  mode?: string;
  cuts: string;
  tail: string;
}

interface WarmupOptionValues extends AnalyzeOptionValues {
  tolerance: string;
}

const DECISION_NAMES = ['none', 'LONG', 'SHORT', 'FLAT'] as const;

async function load(o: AnalyzeOptionValues) {
  if (o.strategy === undefined) throw new BacktestInputError('--strategy is required');
  if (o.data === undefined) throw new BacktestInputError('--data is required (a candle CSV file)');
  const strat = await backtestStrategy(o.strategy);
  const typed = resolveParamNames(strat.definition, parseParams(o.param), '--param');
  const params = validateParams(strat.definition, typed, strat.defaults);
  const dataset = await loadDataset(o.data, o.timeframe !== undefined ? { timeframe: o.timeframe } : {});
  return { def: strat.definition, params, dataset };
}

function positiveInt(flag: string, text: string): number {
  const v = numberOption(flag, text)!;
  if (!(Number.isInteger(v) && v >= 0))
    throw new BacktestInputError(`${flag}: expected an integer >= 0, was ${text}`);
  return v;
}

/** Runs `analyze lookahead`; exit 1 when any decision changed. */
export async function lookaheadCommand(o: LookaheadOptionValues, io: CliIO): Promise<void> {
  let found = false;
  try {
    const cuts = positiveInt('--cuts', o.cuts);
    const tail = positiveInt('--tail', o.tail);
    const { def, params, dataset } = await load(o);
    const allowShort = o.mode === undefined ? [false, true] : [o.mode === 'leveraged'];
    const r = analyzeLookahead(def, params, dataset.candles, { cuts, tail, allowShort });
    found = r.count > 0;
    if (o.json) {
      io.out(JSON.stringify({ ...r, file: dataset.file, params, ok: !found }));
    } else {
      io.out(
        `lookahead check: ${def.name} ${JSON.stringify(params)} on ${dataset.file} (${r.bars} bars), ` +
          `${r.cuts.length} cut points x ${allowShort.map((s) => (s ? 'shorts allowed' : 'long only')).join(', ')}`,
      );
      if (!found) io.out('ok: no decision changed when the bars after it were removed');
      else {
        io.out(`LOOKAHEAD: ${r.count} decision(s) changed when the bars after them were removed:`);
        for (const v of r.violations) {
          const trunc = v.truncated === 'error' ? `error (${v.message})` : DECISION_NAMES[v.truncated];
          io.out(
            `  bar ${v.bar} ${new Date(v.ts).toISOString()} (data cut after bar ${v.cut}, ${v.allowShort ? 'shorts allowed' : 'long only'}): full ${DECISION_NAMES[v.full]}, truncated ${trunc}`,
          );
        }
        if (r.count > r.violations.length) io.out(`  ... and ${r.count - r.violations.length} more`);
      }
    }
  } catch (e) {
    failBacktest(e, io);
  }
  if (found) throw new ExitCode(1);
}

/** Runs `analyze warmup`. */
export async function warmupCommand(o: WarmupOptionValues, io: CliIO): Promise<void> {
  try {
    const tolerance = numberOption('--tolerance', o.tolerance)!;
    if (!(tolerance > 0 && tolerance < 1)) throw new BacktestInputError('--tolerance must be in (0, 1)');
    const { def, params, dataset } = await load(o);
    const r = analyzeWarmup(def, params, dataset.candles, { tolerance });
    if (o.json) {
      io.out(JSON.stringify({ ...r, file: dataset.file, params }));
      return;
    }
    io.out(
      `warm-up check: ${def.name} ${JSON.stringify(params)} on ${dataset.file} (${r.bars} bars), tolerance ${tolerance}`,
    );
    for (const i of r.indicators) {
      const needs =
        i.barsToConverge === null ? 'did not converge within the data' : `${i.barsToConverge} bars`;
      const worst = Math.max(0, ...i.offsets.map((x) => x.maxRelDiff));
      io.out(
        i.historyDependent
          ? `  ${i.name} = ${i.spec}: depends on history (max relative difference ${worst.toExponential(2)}); ` +
              `needs ${needs} for a relative difference < ${tolerance} (own warm-up ${i.ownWarmup})`
          : `  ${i.name} = ${i.spec}: does not depend on earlier history (exact after its own warm-up of ${i.ownWarmup} bars)`,
      );
    }
    io.out(
      r.recommendedWarmup === null
        ? 'some indicator never converged within the data: use more history'
        : `history needed before the first decision: ${r.recommendedWarmup} bars (incl. lookback ${def.lookback}; bots preload market_data.replay.warmup_bars)`,
    );
  } catch (e) {
    failBacktest(e, io);
  }
}

/** Registers `analyze lookahead` and `analyze warmup` on the program. */
export function registerAnalyzeCommands(program: Command, io: CliIO): void {
  const analyze = program.command('analyze').description('bias checks of a strategy: lookahead, warmup');
  const common = (cmd: Command) =>
    cmd
      .option('--strategy <name>', 'strategy to check (production or development)')
      .option(
        '--param <name=value>',
        'strategy param (repeatable)',
        (v: string, p: string[]) => [...p, v],
        [],
      )
      .option('--data <file>', 'candle CSV (or .csv.gz)')
      .option('--timeframe <tf>', 'resample the data to this timeframe first')
      .option('--json', 'print JSON');
  const look = common(
    analyze
      .command('lookahead')
      .description('rerun on truncated data; exit 1 when a decision changes once future bars are removed'),
  )
    .addOption(
      new Option('--mode <mode>', 'check only long_only or leveraged (default both)').choices(BACKTEST_MODES),
    )
    .option('--cuts <n>', 'evenly spaced cut points', '50')
    .option('--tail <n>', 'also cut after each of the last n bars', '20');
  usageErrorsExit78(look).action(async (o: LookaheadOptionValues) => lookaheadCommand(o, io));
  const warm = common(
    analyze
      .command('warmup')
      .description('report indicators whose values depend on how much history came before them'),
  ).option('--tolerance <x>', 'relative difference counted as converged', '1e-6');
  usageErrorsExit78(warm).action(async (o: WarmupOptionValues) => warmupCommand(o, io));
}
