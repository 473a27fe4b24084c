import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundledDataDir,
  ConfigError,
  coinbaseExample,
  EXAMPLE_DATA_FILES,
  EXCHANGE_TIMEFRAMES,
  krakenExample,
  parseBotConfig,
} from '../config/index.js';
import { runBuilt, tempDir } from './helpers/cli.js';

const EXIT_CONFIG = 78;

describe('dualbot CLI: init and check-config', () => {
  let home: string;
  let kraken: string;
  let pristine: string;

  beforeAll(() => {
    home = tempDir();
    const res = runBuilt(['init', '--home', home]);
    expect(res.code).toBe(0);
    kraken = path.join(home, 'bots', 'kraken', 'config.yaml');
    pristine = readFileSync(kraken, 'utf8');
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const withKraken = (edit: (s: string) => string, env: Record<string, string> = {}) => {
    writeFileSync(kraken, edit(pristine));
    const res = runBuilt(['check-config', '--home', home], { env });
    writeFileSync(kraken, pristine);
    return res;
  };

  it('--help works on the program and on every command', () => {
    for (const args of [['--help'], ['run', '--help'], ['init', '--help'], ['check-config', '--help']]) {
      const res = runBuilt(args);
      expect(res.code, args.join(' ')).toBe(0);
      expect(res.stdout).toMatch(/Usage: dualbot/);
    }
  });

  it('init creates both example bots, which validate as paper bots on replay data', () => {
    const res = runBuilt(['check-config', '--home', home]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^ok: 2 bots/);
    expect(res.stdout).toMatch(
      /coinbase: coinbase spot DOGE-USDT .*sma_crossover.* 1x long-only PAPER replay/,
    );
    expect(res.stdout).toMatch(/kraken: kraken margin LTC-USD .*sma_3x_short.* 3x shorts PAPER replay/);
  });

  it('init refuses to overwrite existing files and leaves them untouched', () => {
    const before = statSync(kraken).mtimeMs;
    const res = runBuilt(['init', '--home', home]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/refusing to overwrite/);
    expect(statSync(kraken).mtimeMs).toBe(before);
    expect(readFileSync(kraken, 'utf8')).toBe(pristine);
  });

  it('the shipped bots/ folder validates', () => {
    const res = runBuilt(['check-config', '--home', '.']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });

  const cases: { name: string; edit: (s: string) => string; expect: RegExp; env?: Record<string, string> }[] =
    [
      {
        name: 'malformed YAML',
        edit: (s) => s.replace('trading:', 'trading: [').replace('  pair', 'pair'),
        expect: /kraken\/config\.yaml:\d+:\d+: invalid YAML/,
      },
      {
        name: 'a wrong type',
        edit: (s) => s.replace('trade_amount_usd: 50', 'trade_amount_usd: fifty'),
        expect: /config\.yaml:13:21: trading\.trade_amount_usd: expected a number, was the string "fifty"/,
      },
      {
        name: 'a negative amount',
        edit: (s) => s.replace('trade_amount_usd: 50', 'trade_amount_usd: -5'),
        expect:
          /config\.yaml:13:21: trading\.trade_amount_usd: trade_amount_usd must be above 0 \(was the number -5\)/,
      },
      {
        name: 'leverage 10',
        edit: (s) => s.replace('leverage: 3 ', 'leverage: 10 '),
        expect: /config\.yaml:15:13: trading\.leverage: leverage is capped at 3 \(was the number 10\)/,
      },
      {
        name: 'margin at leverage 1 (a spot order on Kraken: no shorts, no reduce-only closes)',
        edit: (s) => s.replace('leverage: 3 ', 'leverage: 1 '),
        expect: /config\.yaml:15:13: trading\.leverage: margin trading needs a whole leverage of 2 or more/,
      },
      {
        name: 'a typo in a key',
        edit: (s) => s.replace('stop_loss:', 'stop_los:'),
        expect: /config\.yaml:18:3: risk\.stop_los: unknown key "stop_los" \(did you mean "stop_loss"\?\)/,
      },
      {
        name: 'an unknown strategy',
        edit: (s) => s.replace('name: sma_3x_short', 'name: sma_magic'),
        expect: /config\.yaml:7:9: strategy\.name: unknown strategy "sma_magic"/,
      },
      {
        name: 'a development strategy in a live bot',
        edit: (s) =>
          s
            .replace('name: sma_3x_short', 'name: breakout')
            .replace('dry_run: true', 'dry_run: false')
            .replace(/market_data:[\s\S]*?warmup_bars: 200\n/, 'market_data:\n  source: live\n')
            .replace(/ {2}params:\n {4}fast_period: 20\n {4}slow_period: 50\n/, '  params: {}\n'),
        env: { KRAKEN_API_KEY: 'k'.repeat(20), KRAKEN_API_SECRET: 's'.repeat(20) },
        expect:
          /config\.yaml:7:9: strategy\.name: "breakout" is a development strategy; a live bot \(dry_run: false\) may run only production strategies/,
      },
      {
        name: 'live trading without credentials',
        edit: (s) =>
          s
            .replace('dry_run: true', 'dry_run: false')
            .replace(/market_data:[\s\S]*?warmup_bars: 200\n/, 'market_data:\n  source: live\n'),
        expect:
          /config\.yaml:21:10: dry_run: false \(live trading\) needs KRAKEN_API_KEY and KRAKEN_API_SECRET in the environment/,
      },
      {
        name: 'live trading on replayed candles',
        edit: (s) => s.replace('dry_run: true', 'dry_run: false'),
        env: { KRAKEN_API_KEY: 'k'.repeat(20), KRAKEN_API_SECRET: 's'.repeat(20) },
        expect: /dry_run: false \(live trading\) sends real orders and needs market_data\.source: live/,
      },
      {
        name: 'shorts on a spot bot',
        edit: (s) => s.replace('mode: margin ', 'mode: spot ').replace(/margin:\n[\s\S]*?paper:/, 'paper:'),
        expect: /trading\.leverage: spot trading is 1x[\s\S]*trading\.allow_short: spot trading is long only/,
      },
      {
        name: 'bad strategy params',
        edit: (s) => s.replace('fast_period: 20', 'fast_period: 80'),
        expect:
          /config\.yaml:9:18: strategy\.params\.fast_period: fast_period must be smaller than slow_period/,
      },
      {
        name: 'a missing replay file',
        edit: (s) => s.replace('kraken_LTC-USD_1d.csv', 'nope.csv'),
        expect: /market_data\.replay\.file: replay file not found/,
      },
      { name: 'an empty file', edit: () => '', expect: /config\.yaml:1:1: expected a YAML map of settings/ },
    ];

  for (const c of cases) {
    it(`exits 78 with file:line:col for ${c.name}`, () => {
      const res = withKraken(c.edit, c.env);
      expect(res.code).toBe(EXIT_CONFIG);
      expect(res.stderr).toMatch(c.expect);
      expect(res.stdout).toBe('');
    });
  }

  it('reports every error across files, not just the first', () => {
    const cb = path.join(home, 'bots', 'coinbase', 'config.yaml');
    const cbText = readFileSync(cb, 'utf8');
    writeFileSync(cb, cbText.replace('leverage: 1', 'leverage: 2'));
    const res = withKraken((s) => s.replace('stop_loss:', 'stop_los:'));
    writeFileSync(cb, cbText);
    expect(res.code).toBe(EXIT_CONFIG);
    expect(res.stderr).toMatch(/config error \(2 problems\)/);
    expect(res.stderr).toMatch(/coinbase\/config\.yaml:\d+:\d+: trading\.leverage/);
    expect(res.stderr).toMatch(/kraken\/config\.yaml:18:3: risk\.stop_los/);
  });

  it('refuses a timeframe the exchange has no candles in (Coinbase 4h), and takes it where it has (Kraken)', () => {
    const cb = path.join(home, 'bots', 'coinbase', 'config.yaml');
    const cbText = readFileSync(cb, 'utf8');
    writeFileSync(cb, cbText.replace('timeframe: 1d', 'timeframe: 4h'));
    const res = runBuilt(['check-config', '--home', home]);
    writeFileSync(cb, cbText);
    expect(res.code).toBe(EXIT_CONFIG);
    expect(res.stderr).toMatch(
      /coinbase\/config\.yaml:22:12: timeframe: coinbase has no 4h candles; its timeframes are 1m, 5m, 15m, 1h, 1d/,
    );
    expect(res.stdout).toBe('');
    const kr = withKraken((s) => s.replace('timeframe: 1d', 'timeframe: 4h'));
    expect(kr.stderr).toBe('');
    expect(kr.code).toBe(0);
  });

  it('a bot folder without config.yaml is an error naming the missing file', () => {
    const extra = path.join(home, 'bots', 'extra');
    mkdirSync(extra);
    const res = runBuilt(['check-config', '--home', home]);
    rmSync(extra, { recursive: true });
    expect(res.code).toBe(EXIT_CONFIG);
    expect(res.stderr).toMatch(/bots\/extra\/config\.yaml: file not found/);
  });

  it('a home without bots exits 78 and says how to create them', () => {
    const empty = tempDir();
    const res = runBuilt(['check-config', '--home', empty]);
    rmSync(empty, { recursive: true });
    expect(res.code).toBe(EXIT_CONFIG);
    expect(res.stderr).toMatch(/dualbot init/);
  });

  it('run exits 78 before starting anything when config is bad', () => {
    writeFileSync(kraken, pristine.replace('leverage: 3 ', 'leverage: 10 '));
    const res = runBuilt(['run', '--home', home]);
    writeFileSync(kraken, pristine);
    expect(res.code).toBe(EXIT_CONFIG);
    expect(res.stderr).toMatch(/trading\.leverage: leverage is capped at 3/);
  });

  it('DUALBOT_HOME selects the home when --home is not given', () => {
    const res = runBuilt(['check-config'], { env: { DUALBOT_HOME: home }, cwd: tempDir() });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^ok: 2 bots/);
  });
});

describe('config loader: timeframes the exchange serves', () => {
  const file = 'bots/x/config.yaml';
  const data = (exchange: 'coinbase' | 'kraken') => path.join(bundledDataDir(), EXAMPLE_DATA_FILES[exchange]);
  const coinbase = (tf: string) =>
    coinbaseExample(data('coinbase')).replace('timeframe: 1d', `timeframe: ${tf}`);
  const issues = async (text: string) => {
    const err = await parseBotConfig(text, file).then(
      () => null,
      (e: unknown) => e,
    );
    if (err === null) return [];
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  };

  it('matches what ccxt 4.5.84 lists for each venue', async () => {
    // Coinbase Advanced Trade: 1m 5m 15m 30m 1h 2h 6h 1d; Kraken OHLC: 1m 5m 15m 30m 1h 4h 1d 1w 2w.
    const ccxt = await import('ccxt');
    for (const [id, ex] of [
      ['coinbase', new ccxt.coinbase()],
      ['kraken', new ccxt.kraken()],
    ] as const) {
      for (const tf of EXCHANGE_TIMEFRAMES[id]) expect(ex.timeframes, `${id} ${tf}`).toHaveProperty(tf);
    }
    expect(new ccxt.coinbase().timeframes).not.toHaveProperty('4h');
  });

  it('refuses Coinbase 4h for a replay bot and a live one alike, at the timeframe value', async () => {
    const replay = coinbase('4h');
    const live = replay.replace(/market_data:\n[\s\S]*?paper:/, 'market_data:\n  source: live\npaper:');
    expect(live).toMatch(/source: live/);
    for (const text of [replay, live]) {
      expect(await issues(text)).toEqual([
        {
          file,
          line: 22,
          col: 12,
          field: 'timeframe',
          message: 'coinbase has no 4h candles; its timeframes are 1m, 5m, 15m, 1h, 1d',
        },
      ]);
    }
  });

  it('accepts every other timeframe on Coinbase and every timeframe on Kraken', async () => {
    for (const tf of ['1m', '5m', '15m', '1h', '1d']) expect(await issues(coinbase(tf)), tf).toEqual([]);
    for (const tf of ['1m', '5m', '15m', '1h', '4h', '1d']) {
      const text = krakenExample(data('kraken')).replace('timeframe: 1d', `timeframe: ${tf}`);
      expect(await issues(text), tf).toEqual([]);
    }
  });
});
