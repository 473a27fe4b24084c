/**
 * Wires one bot: its market data feed, its exchange (the paper exchange unless live trading was configured
 * on purpose), its session and its machine actor.
 */
import path from 'node:path';
import { createActor, fromPromise, type InspectionEvent } from 'xstate';
import { loadCandlesFile, parseTimeframe } from '../../backtest/data/index.js';
import { fillModelFor, marginTermsFor, riskConfigFor } from '../../config/core-config.js';
import type { LoadedBot } from '../../config/index.js';
import {
  botMachine,
  type CandleRef,
  type PersistInput,
  type Plan,
  type ReconcileResult,
} from '../../machines/bot-machine.js';
import { createPublicCandleSource } from '../exchanges/ccxt/candles.js';
import { createLiveExchange } from '../exchanges/ccxt/factory.js';
import { PaperExchange } from '../exchanges/paper.js';
import type { ExchangePort } from '../exchanges/port.js';
import type { Logger } from '../log.js';
import type { CandleFeed } from '../market/feed.js';
import { LiveFeed } from '../market/live-feed.js';
import { ReplayFeed } from '../market/replay-feed.js';
import type { TradeRecord } from '../persistence/state-file.js';
import { BotSession, type OrderSettle, type SessionSnapshot } from './session.js';

// The config -> core mapping lives in a pure module shared with the backtester; re-exported for callers.
export { fillModelFor, marginTermsFor, riskConfigFor };

export interface BotHandle {
  readonly id: string;
  readonly session: BotSession;
  readonly actor: ReturnType<typeof createActor<typeof botMachine>>;
  readonly exchange: ExchangePort;
}

export interface CreateBotOptions {
  readonly bot: LoadedBot;
  readonly dir: string;
  readonly log: Logger;
  /** Inject an exchange (tests, programmatic paper bots); default: the paper exchange for dry runs. */
  readonly exchange?: (ctx: { feed: CandleFeed; now: () => number }) => ExchangePort;
  /** Inject a feed (tests); default: the configured replay or live feed. */
  readonly feed?: CandleFeed;
  readonly inspect?: (e: InspectionEvent) => void;
  readonly onTrade?: (t: TradeRecord) => void;
  readonly onCycle?: (s: SessionSnapshot) => void;
  /** Hook run inside `evaluate` before the strategy (fault injection in tests). */
  readonly beforeEvaluate?: () => void;
  /** How long orders are waited for and looked up; default `ORDER_SETTLE`. */
  readonly orderSettle?: Partial<OrderSettle>;
}

/** Builds the configured candle feed: a replay of a file, or live polling of the exchange's closed candles. */
export async function createFeed(bot: LoadedBot, log?: Logger): Promise<CandleFeed> {
  const c = bot.config;
  const tf = parseTimeframe(c.timeframe);
  if (c.market_data.source === 'live') {
    const source = await createPublicCandleSource({
      exchange: c.exchange,
      pair: c.trading.pair,
      timeframe: c.timeframe,
    });
    return new LiveFeed({
      fetch: source.fetch,
      exchangeTime: source.time,
      timeframeMs: tf,
      pollIntervalMs: c.market_data.poll_interval_s * 1000,
      warmupBars: 300,
      onError: (err) =>
        log?.warn(
          { error: err instanceof Error ? err.message : String(err) },
          'candle poll failed; retrying',
        ),
    });
  }
  if (!bot.replayFile) throw new Error(`${bot.id}: replay without a file`);
  const r = c.market_data.replay;
  const loaded = await loadCandlesFile(bot.replayFile);
  if (loaded.timeframeMs !== tf) {
    throw new Error(
      `${bot.id}: ${path.basename(bot.replayFile)} holds ${loaded.timeframeMs / 60_000}m candles but timeframe is ${c.timeframe}`,
    );
  }
  return new ReplayFeed({
    candles: loaded.candles,
    timeframeMs: tf,
    speed: r.speed,
    warmupBars: r.warmup_bars,
    ...(r.start !== undefined ? { startMs: Date.parse(r.start) } : {}),
    loop: r.loop,
  });
}

export async function createBot(o: CreateBotOptions): Promise<BotHandle> {
  const { bot } = o;
  const c = bot.config;
  const feed = o.feed ?? (await createFeed(bot, o.log));
  const barMs = parseTimeframe(c.timeframe);
  const fill = fillModelFor(bot);
  const margin = marginTermsFor(bot);
  let lastTs = 0;
  // Exchange time in a replay is the replay's own clock: the open of the candle after the last one seen.
  const replayNow = () => lastTs + barMs;
  const live = c.market_data.source === 'live';
  // Exchange time: the replay's own clock in a replay, the wall clock on live data.
  const now = live ? Date.now : replayNow;
  let exchange: ExchangePort;
  if (o.exchange) exchange = o.exchange({ feed, now });
  else if (!c.dry_run) {
    // Real orders: only here, only when the config said dry_run: false with live data and credentials
    // (config validation refuses anything less; this check is defence in depth).
    if (!live) throw new Error(`${bot.id}: live trading needs market_data.source: live`);
    o.log.warn({ exchange: c.exchange, pair: c.trading.pair }, 'LIVE TRADING: this bot sends real orders');
    exchange = await createLiveExchange({ exchange: c.exchange, maxLeverage: c.trading.leverage });
  } else
    exchange = new PaperExchange({
      file: path.join(o.dir, 'paper.json'),
      pair: c.trading.pair,
      mode: c.mode,
      maxLeverage: c.trading.leverage,
      startingBalance: c.paper.starting_balance,
      fill,
      margin,
      referencePrice: () => feed.nextOpen(),
      now,
    });
  const session = new BotSession({
    bot,
    dir: o.dir,
    exchange,
    feed,
    risk: riskConfigFor(bot),
    fill,
    margin,
    barMs,
    log: o.log,
    now: () => Date.now(),
    ...(o.onTrade ? { onTrade: o.onTrade } : {}),
    ...(o.onCycle ? { onCycle: o.onCycle } : {}),
    ...(o.beforeEvaluate ? { beforeDecide: o.beforeEvaluate } : {}),
    ...(o.orderSettle ? { orderSettle: o.orderSettle } : {}),
  });
  const machine = botMachine.provide({
    actions: { resumeAccount: () => session.resumeAccount() },
    actors: {
      restore: fromPromise<void, void>(() => session.track(() => session.restore())),
      reconcile: fromPromise<ReconcileResult, void>(() => session.track(() => session.reconcile())),
      waitForCandle: fromPromise<CandleRef | null, void>(async ({ signal }) => {
        const c = await session.waitForCandle(signal);
        if (c) {
          lastTs = c.ts;
          if (exchange instanceof PaperExchange) exchange.onCandle(session.currentCandle!, barMs);
        }
        return c;
      }),
      evaluate: fromPromise<Plan, { candle: CandleRef; entriesBlocked: string | null }>(({ input }) =>
        session.track(() => session.evaluate(input.entriesBlocked)),
      ),
      placeOrders: fromPromise<number, { candle: CandleRef }>(() =>
        session.track(() => session.placeOrders()),
      ),
      persist: fromPromise<void, PersistInput>(({ input }) =>
        session.track(() => session.persist(input.machineState, input.haltReason, input.context)),
      ),
    },
  });
  const actor = createActor(machine, {
    input: { botId: bot.id },
    id: `bot:${bot.id}`,
    ...(o.inspect ? { inspect: o.inspect } : {}),
  });
  return { id: bot.id, session, actor, exchange };
}
