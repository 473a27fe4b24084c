/**
 * `dualbot promote` and `dualbot parity`: each gate on synthetic candles and a synthetic paper record, a
 * passing promotion into a temp copy of the package's strategies/, the rollback when the build fails, and
 * the dry run (through the built program) changing nothing.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { pointBotAt } from '../backtest/promotion/promote.js';
import { ROOT, runBuilt } from './helpers/cli.js';
import {
  BOT,
  botConfig,
  type Fixture,
  fixture,
  OOS_FAILS,
  PASSING,
  RISING,
  run,
  sha256,
  snapshot,
} from './helpers/promotion.js';

describe('promote: a passing promotion', () => {
  it('copies, registers, records the evidence, builds and restarts', async () => {
    const f = await fixture(PASSING);
    const devSource = path.join(f.packageRoot, 'strategies', 'development', 'experimental', 'breakout.ts');
    const botBefore = readFileSync(path.join(f.botDir, 'config.yaml'), 'utf8');
    const r = await run(f);
    expect(r.out).not.toContain('FAIL');
    expect(r.code, r.out).toBe(0);
    expect(r.builds).toBe(1);
    expect(r.restarts).toEqual([BOT]);

    const prod = path.join(f.packageRoot, 'strategies', 'production');
    const copied = readFileSync(path.join(prod, 'breakout.ts'), 'utf8');
    expect(copied).toBe(readFileSync(devSource, 'utf8').replace("'../../types.js'", "'../types.js'"));
    const index = readFileSync(path.join(prod, 'index.ts'), 'utf8');
    expect(index).toContain(
      "// promoted:start\nimport { breakout } from './breakout.js';\n\nconst PROMOTED = [breakout] as StrategyDefinition<unknown>[];\n// promoted:end",
    );

    const configText = readFileSync(path.join(prod, 'config.yaml'), 'utf8');
    expect(configText).toContain('# Production strategies and their default params'); // comments kept
    const entry = parseDocument(configText).toJS().strategies.breakout;
    expect(entry.params).toEqual({ lookback_bars: 5 });
    expect(entry.promoted.at).toBe('2025-02-01T00:00:00.000Z');
    expect(entry.promoted.source_hash).toBe(sha256(devSource));
    expect(entry.promoted.params_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.promoted.evidence.backtest.outperform).toBeGreaterThan(0);
    expect(entry.promoted.evidence.out_of_sample.outperform).toBeGreaterThan(0);
    expect(entry.promoted.evidence.paper.fills).toBeGreaterThan(0);
    // The bot already names the strategy: its config is left exactly as it was.
    expect(readFileSync(path.join(f.botDir, 'config.yaml'), 'utf8')).toBe(botBefore);
  });

  it('says the bot picks it up at its next start when no runtime answers', async () => {
    const f = await fixture(PASSING);
    const r = await run(f, {
      restart: async () => {
        throw new Error('cannot reach the runtime');
      },
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/will pick the production strategy up at its next start/);
  });

  it('evaluates a bot that names another strategy with the strategy defaults', async () => {
    const f = await fixture(PASSING);
    writeFileSync(path.join(f.botDir, 'config.yaml'), botConfig({ strategy: 'macd_cross' }));
    const r = await run(f);
    // breakout's default lookback of 30 bars lags these 10-bar cycles: it loses to buy and hold.
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL backtest outperform/);
  });

  it('points a bot config at the strategy, keeping its comments', () => {
    const text = pointBotAt(
      botConfig({ strategy: 'macd_cross' }).replace('macd_cross', 'macd_cross  # was'),
      'breakout',
    );
    expect(text).toContain('# paper bot earning a record for breakout');
    expect(text).toContain('max_drawdown: 0.2');
    expect(parseDocument(text).toJS().strategy).toEqual({ name: 'breakout' });
    const withParams = pointBotAt(botConfig(), 'breakout');
    expect(withParams).toContain('# paper bot earning a record for breakout');
    expect(parseDocument(withParams).toJS().strategy).toEqual({ name: 'breakout' });
  });
});

describe('promote: each failing gate is named with its figure', () => {
  it('backtest underperforms buy and hold', async () => {
    const r = await run(await fixture(RISING, { noPaper: true }), { minTrades: 1 });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL backtest outperform: -\d+\.\d\d% <= 0/);
    expect(r.out).toMatch(/PASS backtest trades/);
  });

  it('drawdown deeper than the bot risk.max_drawdown', async () => {
    const r = await run(await fixture(PASSING, { maxDrawdown: 0.01 }));
    expect(r.code).toBe(1);
    // The bot's drawdown halt is part of its risk settings, so the backtest stops entering at 1 % too.
    expect(r.out).toMatch(/FAIL backtest max drawdown: \d+\.\d\d% > 1\.00%/);
    expect(r.out).toMatch(/FAIL out-of-sample .* max drawdown: \d+\.\d\d% > 1\.00%/);
  });

  it('too few trades', async () => {
    const r = await run(await fixture(PASSING), { minTrades: 100 });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL backtest trades: 8 < 100/);
    expect(r.out.match(/FAIL/g)).toHaveLength(1);
  });

  it('out of sample fails while the full data passes', async () => {
    const r = await run(await fixture(OOS_FAILS, { paperFrom: 60 }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/PASS backtest outperform/);
    expect(r.out).toMatch(
      /FAIL out-of-sample \(last 30%, from \d{4}-\d\d-\d\d\) outperform: -\d+\.\d\d% <= 0/,
    );
  });

  it('paper record too short', async () => {
    const r = await run(await fixture(PASSING, { paper: { stepHours: 0.5 } }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL paper hours: \d+\.\d h < 24 h/);
    expect(r.out.match(/FAIL/g)).toHaveLength(1);
  });

  it('paper errors present', async () => {
    const r = await run(await fixture(PASSING, { paper: { rejected: true } }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL paper errors: 1 rejected\/unknown entries/);
  });

  it('parity mismatch: a side out of order, or prices beyond the tolerance', async () => {
    const sides = await run(await fixture(PASSING, { paper: { flipFirstSide: true } }));
    expect(sides.code).toBe(1);
    expect(sides.out).toMatch(/FAIL parity: 1 side\/order mismatches/);
    const prices = await run(await fixture(PASSING, { paper: { priceFactor: 1.02 } }));
    expect(prices.code).toBe(1);
    expect(prices.out).toMatch(/FAIL parity: .*max price difference 2\.00% > 0\.5% tolerance/);
    expect(prices.out.match(/FAIL/g)).toHaveLength(1);
  });

  it('no paper record at all', async () => {
    const r = await run(await fixture(PASSING, { noPaper: true }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL paper state: no state.json/);
  });

  it('a failed gate changes nothing', async () => {
    const f = await fixture(PASSING);
    const before = snapshot(f.root);
    const r = await run(f, { minTrades: 100 });
    expect(r.code).toBe(1);
    expect(r.builds).toBe(0);
    expect(snapshot(f.root)).toEqual(before);
  });
});

describe('promote: all or nothing', () => {
  it('restores every file byte for byte when the build fails', async () => {
    const f = await fixture(PASSING);
    writeFileSync(path.join(f.botDir, 'config.yaml'), botConfig({ strategy: 'breakout' }));
    const before = snapshot(f.root);
    const r = await run(f, { build: async () => ({ ok: false, output: 'error TS2322: boom' }) });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/promotion failed at the build step: error TS2322: boom/);
    expect(r.out).toMatch(/every file was restored/);
    expect(r.restarts).toEqual([]);
    expect(snapshot(f.root)).toEqual(before);
    expect(existsSync(path.join(f.packageRoot, 'strategies', 'production', 'breakout.ts'))).toBe(false);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const f = await fixture(PASSING);
    const before = snapshot(f.root);
    const r = await run(f, { dryRun: true });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/would write .*strategies\/production\/breakout\.ts \(new\)/);
    expect(r.out).toMatch(/would write .*strategies\/production\/index\.ts/);
    expect(r.out).toMatch(/source_hash: [0-9a-f]{64}/);
    expect(r.builds).toBe(0);
    expect(snapshot(f.root)).toEqual(before);
  });
});

describe('promote and parity commands (built program)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture(PASSING);
  });

  it('promote --dry-run exits 0 and leaves the package and the home untouched', () => {
    const prod = snapshot(path.join(ROOT, 'strategies'));
    const home = snapshot(f.home);
    const r = runBuilt(['promote', 'breakout', '--bot', BOT, '--home', f.home, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PASS parity/);
    expect(r.stdout).toMatch(/dry run: breakout would be promoted; nothing was changed/);
    expect(snapshot(path.join(ROOT, 'strategies'))).toEqual(prod);
    expect(snapshot(f.home)).toEqual(home);
  });

  it('promote exits 1 with every gate line when one fails, 78 on bad input', () => {
    const r = runBuilt(['promote', 'breakout', '--bot', BOT, '--home', f.home, '--min-trades', '50']);
    expect(r.code).toBe(1);
    expect(r.stdout.match(/^(PASS|FAIL) /gm)).toHaveLength(11);
    expect(runBuilt(['promote', 'nope', '--bot', BOT, '--home', f.home]).code).toBe(78);
    expect(runBuilt(['promote', 'breakout', '--bot', 'ghost', '--home', f.home]).code).toBe(78);
    expect(runBuilt(['promote', 'sma_crossover', '--bot', BOT, '--home', f.home]).code).toBe(78);
    expect(runBuilt(['promote', 'breakout', '--bot', BOT, '--home', f.home, '--oos-pct', 'x']).code).toBe(78);
  });

  it('parity writes its report and exits 0 when fills agree', () => {
    const r = runBuilt(['parity', '--bot', BOT, '--home', f.home, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.pass).toBe(true);
    expect(report.paper_fills).toBeGreaterThan(0);
    expect(report.paper_fills).toBe(report.backtest_fills);
    const written = readdirSync(f.botDir).filter((n) => /^parity-\d{4}-\d\d-\d\d\.json$/.test(n));
    expect(written).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(f.botDir, written[0]!), 'utf8'))).toEqual(report);
  });

  it('parity exits 1 on a mismatch beyond the tolerance', async () => {
    const g = await fixture(PASSING, { paper: { priceFactor: 1.01 } });
    const r = runBuilt(['parity', '--bot', BOT, '--home', g.home, '--tolerance-pct', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/parity of breakout: FAIL/);
    expect(r.stdout).toMatch(/DIFF #1/);
    expect(runBuilt(['parity', '--bot', BOT, '--home', g.home, '--tolerance-pct', '2']).code).toBe(0);
  });
});
