import { describe, expect, it } from 'vitest';
import { runBuilt } from './helpers/cli.js';

const BTC = 'data/binance_BTC-USDT_1d.csv';

describe('dualbot analyze (built program)', () => {
  it('lookahead: exits 0 and says ok for a strategy that only reads the past', () => {
    const r = runBuilt(['analyze', 'lookahead', '--strategy', 'sma_crossover', '--data', BTC]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/70 cut points/);
    expect(r.stdout).toMatch(/ok: no decision changed/);
    const j = runBuilt(['analyze', 'lookahead', '--strategy', 'enhanced_v2', '--data', BTC, '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ strategy: 'enhanced_v2', count: 0, ok: true });
  });

  it('warmup: recursive indicators depend on history, windowed ones do not', () => {
    const r = runBuilt(['analyze', 'warmup', '--strategy', 'rsi_momentum', '--data', BTC]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /rsi = rsi\(close,14\): depends on history .* needs \d+ bars for a relative difference < 0.000001/,
    );
    expect(r.stdout).toMatch(/sma = sma\(close,20\): does not depend on earlier history/);
    // Params by short name, as for backtest and sweep.
    const short = runBuilt([
      'analyze',
      'warmup',
      '--strategy',
      'rsi_momentum',
      '--param',
      'sma=30',
      '--data',
      BTC,
    ]);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout).toMatch(/sma = sma\(close,30\)/);
    expect(r.stdout).toMatch(/history needed before the first decision: \d+ bars/);
  });

  it('bad input exits 78, bad data 65', () => {
    expect(runBuilt(['analyze', 'warmup', '--strategy', 'nope', '--data', BTC]).code).toBe(78);
    expect(
      runBuilt(['analyze', 'lookahead', '--strategy', 'sma_crossover', '--data', 'missing.csv']).code,
    ).toBe(65);
  });
});
