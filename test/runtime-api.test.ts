import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readJournal } from '../actors/persistence/journal.js';
import { readStateFile } from '../actors/persistence/state-file.js';
import { loadCandlesFile } from '../backtest/data/index.js';
import {
  botConfigFromObject,
  type CandleFeed,
  coinbaseExample,
  createLogging,
  createRuntime,
  loadHome,
  ReplayFeed,
  type Runtime,
} from '../index.js';
import { ROOT, runBuilt, tempDir } from './helpers/cli.js';
import { setReplaySpeed, waitFor } from './helpers/runtime.js';

const FAST = 1_382_400; // ~16 day candles a second

describe('runtime API: isolation, restart budget, injected paper bots', () => {
  let home: string;
  let rt: Runtime | undefined;
  beforeEach(() => {
    home = tempDir();
    expect(runBuilt(['init', '--home', home]).code).toBe(0);
    for (const bot of ['coinbase', 'kraken']) setReplaySpeed(home, bot, FAST);
  });
  afterEach(async () => {
    await rt?.stop();
    rt = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  const logging = () => createLogging({ stdout: false, logDir: path.join(home, 'logs') });
  const cycles = (r: Runtime, bot: string) =>
    r.snapshot().bots.find((b) => b.name === bot)?.session?.lastCandleTs ?? 0;

  it('a throwing strategy in one bot never stops or slows the other', async () => {
    const loaded = await loadHome(home);
    rt = createRuntime({ home, logging: logging(), http: false });
    await rt.spawnBot(loaded.bots.find((b) => b.id === 'coinbase')!, {
      beforeEvaluate: () => {
        throw new Error('strategy exploded');
      },
    });
    await rt.spawnBot(loaded.bots.find((b) => b.id === 'kraken')!);
    const r = rt;
    const k0 = cycles(r, 'kraken');
    const krakenTrades = () =>
      r.snapshot().bots.find((b) => b.name === 'kraken')?.session?.trades.length ?? 0;
    await waitFor(
      () => (cycles(r, 'kraken') > k0 && krakenTrades() > 0 ? true : undefined),
      15_000,
      'kraken to trade on',
    );
    // The failing bot skipped its cycles but kept consuming candles (its strategy sees every bar).
    expect(cycles(r, 'coinbase')).toBeGreaterThan(0);
    const cb = r.snapshot().bots.find((b) => b.name === 'coinbase')!;
    expect(cb.status).toBe('running');
    expect(['idle', 'evaluating', 'persisting']).toContain(cb.machineState);
    expect(cb.restarts).toBe(0);
    const kr = r.snapshot().bots.find((b) => b.name === 'kraken')!;
    expect(kr.status).toBe('running');
    expect(kr.session?.trades.length).toBeGreaterThan(0);
  }, 30_000);

  it('a bot that keeps failing is restarted with backoff, then stays failed past its budget; the other runs on', async () => {
    const loaded = await loadHome(home);
    rt = createRuntime({
      home,
      logging: logging(),
      http: false,
      restartPolicy: { baseMs: 10, maxMs: 40, budget: 3, windowMs: 60_000 },
    });
    const broken: CandleFeed = {
      history: async () => {
        throw new Error('feed broke');
      },
      next: async () => null,
      nextOpen: () => undefined,
      close: () => {},
    };
    await rt.spawnBot(loaded.bots.find((b) => b.id === 'coinbase')!, { feed: broken });
    await rt.spawnBot(loaded.bots.find((b) => b.id === 'kraken')!);
    const r = rt;
    const failed = await waitFor(
      () => r.snapshot().bots.find((b) => b.name === 'coinbase' && b.status === 'failed'),
      10_000,
      'coinbase to fail',
    );
    expect(failed.restarts).toBe(3);
    expect(failed.lastError).toMatch(/feed broke/);
    expect(r.snapshot().alerts.join('\n')).toMatch(/coinbase is down/);
    const k0 = cycles(r, 'kraken');
    await waitFor(() => (cycles(r, 'kraken') > k0 ? true : undefined), 10_000, 'kraken to keep cycling');
  }, 30_000);

  it('a pause blocks entries, never exits, and survives a restart until resumed', async () => {
    const bots = (await loadHome(home)).bots.filter((b) => b.id === 'coinbase');
    const stateFile = path.join(home, 'bots', 'coinbase', 'state.json');
    const journalFile = path.join(home, 'bots', 'coinbase', 'journal.jsonl');
    const view = (r: Runtime) => r.snapshot().bots.find((b) => b.name === 'coinbase');
    const entries = () =>
      readJournal(journalFile).entries.filter((e) => e.type === 'intent' && e.side === 'buy').length;
    rt = createRuntime({ home, logging: logging(), http: false });
    await rt.start(bots);
    await waitFor(() => (cycles(rt!, 'coinbase') > 0 ? true : undefined), 15_000, 'a first cycle');
    expect(rt.pauseBot('coinbase')).toBe(true);
    await waitFor(
      () => (readStateFile(stateFile)?.machine.halt_reason === 'paused by a person' ? true : undefined),
      15_000,
      'the pause in state.json',
    );
    expect(view(rt)?.session?.halted).toBe('paused by a person');
    expect(rt.snapshot().alerts.join('\n')).toMatch(/coinbase: entries halted \(paused by a person\)/);
    await rt.stop();
    const paused = readStateFile(stateFile)!;
    const entriesAtPause = entries();

    rt = createRuntime({ home, logging: logging(), http: false });
    await rt.start(bots);
    // The bot keeps cycling (its exits would go out), still paused, and places no entry.
    await waitFor(
      () => ((readStateFile(stateFile)?.last_candle_ts ?? 0) > paused.last_candle_ts! ? true : undefined),
      15_000,
      'candles processed while paused',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(readStateFile(stateFile)!.machine.halt_reason).toBe('paused by a person');
    expect(view(rt)?.machineState).not.toBe('halted');
    expect(entries()).toBe(entriesAtPause);
    expect(rt.resumeBot('coinbase')).toBe(true);
    await waitFor(
      () => (readStateFile(stateFile)?.machine.halt_reason === null ? true : undefined),
      15_000,
      'the resume in state.json',
    );
  }, 60_000);

  it('injects a paper bot into a running runtime and sees it trade', async () => {
    rt = createRuntime({ home, logging: logging(), http: false });
    await rt.start([]);
    const file = path.join(ROOT, 'data', 'binance_BTC-USDT_1d.csv');
    const input = parseYaml(coinbaseExample(file));
    input.trading.pair = 'BTC-USDT';
    const bot = await botConfigFromObject(input, { id: 'btc_paper', baseDir: path.join(home, 'bots') });
    const candles = (await loadCandlesFile(file)).candles;
    const feed = new ReplayFeed({
      candles,
      timeframeMs: 86_400_000,
      speed: FAST,
      warmupBars: 200,
      loop: true,
    });
    const trades: unknown[] = [];
    rt.on('trade', (t) => trades.push(t));
    await rt.spawnBot(bot, { feed });
    await waitFor(() => (trades.length > 0 ? true : undefined), 15_000, 'the injected bot to trade');
    const view = rt.snapshot().bots.find((b) => b.name === 'btc_paper')!;
    expect(view.dryRun).toBe(true);
    expect(view.session?.trades[0]?.paper).toBe(true);
    await rt.stopBot('btc_paper');
    expect(rt.snapshot().bots.some((b) => b.name === 'btc_paper')).toBe(false);
  }, 30_000);
});
