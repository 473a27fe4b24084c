/**
 * Builds the Mission Control payload from a runtime snapshot, each bot's state.json and the backtest tables.
 * Pure: the caller reads the clock and the files. The result is parsed with the payload schema, so a value
 * the board would choke on (NaN equity, say) fails here, where it can be logged, not on the board.
 */
import {
  PAYLOAD_SCHEMA_VERSION,
  PAYLOAD_TRADES,
  type Payload,
  payloadSchema,
  type SyncTrade,
  type Tables,
} from './payload.js';

/** A fill as the bot books it (the state.json trade record). */
export interface TradeInput {
  readonly ts: number;
  readonly time: string;
  readonly client_order_id: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly reason: string;
  readonly position_after: 'NONE' | 'LONG' | 'SHORT';
  readonly realized_pnl: number;
  readonly paper: boolean;
}

/** What the builder needs of one bot's live session (the runtime's SessionSnapshot has all of it). */
export interface SessionInput {
  readonly position: 'NONE' | 'LONG' | 'SHORT';
  readonly quantity: number;
  readonly entryPrice: number;
  readonly lastPrice: number | null;
  readonly equity: number;
  readonly unrealizedPnl: number;
  readonly lastSignal: 'LONG' | 'SHORT' | 'FLAT' | null;
  readonly trades: readonly TradeInput[];
  readonly account: { readonly cash: number };
}

/** What the builder needs of one bot (the runtime's BotView has all of it). */
export interface BotInput {
  /** Bot id (folder name). */
  readonly name: string;
  /** The config's `name`. */
  readonly displayName: string;
  readonly exchange: string;
  readonly mode: string;
  readonly pair: string;
  readonly strategy: string;
  readonly dryRun: boolean;
  readonly leverage: number;
  readonly status: string;
  readonly lastCycleAt: number | null;
  readonly session: SessionInput | null;
}

/** What the builder needs of the runtime (its RuntimeSnapshot has all of it). */
export interface RuntimeInput {
  readonly bots: readonly BotInput[];
  readonly alerts: readonly string[];
}

export type PayloadEvent =
  | { readonly kind: 'snapshot'; readonly id: string }
  | { readonly kind: 'trade'; readonly id: string; readonly bot: string; readonly trade: TradeInput };

export interface PayloadInput {
  readonly runtime: RuntimeInput;
  /** Bot id -> its state.json as read from disk ({} or absent when unreadable). */
  readonly states: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly tables: Tables;
  /** Wall-clock time of the build (ms). */
  readonly now: number;
  readonly event: PayloadEvent;
}

function splitPair(pair: string): { base: string; quote: string } {
  const [base = pair, quote = 'USD'] = pair.split('-');
  return { base, quote };
}

/**
 * The bot's balances in the exchange's terms. Spot: quote not spent on the asset and the asset held.
 * Margin: the quote collateral (realised cash), as Kraken's balance shows it; the position is not a holding.
 */
export function botBalances(b: BotInput): Record<string, number> {
  const s = b.session;
  if (!s) return {};
  const { base, quote } = splitPair(b.pair);
  if (b.mode === 'margin') return { [quote]: s.account.cash };
  const held = s.position === 'LONG' ? s.quantity : 0;
  return { [quote]: s.account.cash - held * s.entryPrice, [base]: held };
}

function botEntry(b: BotInput) {
  const s = b.session;
  return {
    id: b.name,
    name: b.displayName,
    exchange: b.exchange,
    running: b.status === 'running',
    status: b.status,
    portfolioValue: s?.equity ?? 0,
    position: s?.position ?? 'NONE',
    quantity: s?.quantity ?? 0,
    tradingPair: b.pair,
    entryPrice: s?.entryPrice ?? 0,
    lastPrice: s?.lastPrice ?? null,
    strategy: b.strategy,
    mode: b.mode === 'margin' ? ('margin' as const) : ('spot' as const),
    leverage: b.leverage,
    unrealizedPnl: s?.unrealizedPnl ?? 0,
    dryRun: b.dryRun,
    balances: botBalances(b),
  };
}

function toSyncTrade(b: Pick<BotInput, 'name' | 'exchange' | 'pair'>, t: TradeInput): SyncTrade {
  return {
    id: t.client_order_id,
    bot: b.name,
    exchange: b.exchange,
    pair: b.pair,
    ts: t.ts,
    time: t.time,
    client_order_id: t.client_order_id,
    side: t.side,
    qty: t.qty,
    price: t.price,
    fee: t.fee,
    reason: t.reason,
    position_after: t.position_after,
    realized_pnl: t.realized_pnl,
    paper: t.paper,
  };
}

/** The last fills of every bot, oldest first; the event's own trade is included even if the session lags. */
function recentTrades(bots: readonly BotInput[], event: PayloadEvent): SyncTrade[] {
  const byId = new Map<string, SyncTrade>();
  for (const b of bots)
    for (const t of b.session?.trades ?? []) byId.set(t.client_order_id, toSyncTrade(b, t));
  if (event.kind === 'trade') {
    const b = bots.find((x) => x.name === event.bot);
    if (b) byId.set(event.trade.client_order_id, toSyncTrade(b, event.trade));
  }
  return [...byId.values()]
    .sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(-PAYLOAD_TRADES);
}

function exchangeObject(b: BotInput | undefined, state: Readonly<Record<string, unknown>> | undefined) {
  if (!b) return null;
  const saved = state?.['updated_at'];
  return {
    ...botEntry(b),
    lastSignal: b.session?.lastSignal ?? null,
    updatedAt:
      typeof saved === 'string'
        ? saved
        : b.lastCycleAt !== null
          ? new Date(b.lastCycleAt).toISOString()
          : null,
  };
}

/**
 * Builds and validates the payload. Top-level single-bot fields follow the first Coinbase bot (as the
 * original did), or the first bot when none trades on Coinbase; `portfolioValue` is the sum of every bot's
 * equity.
 *
 * @throws ZodError when the result does not match the payload schema (a bug, or a non-finite number).
 */
export function buildPayload(input: PayloadInput): Payload {
  const { runtime, states, tables, now, event } = input;
  const bots = runtime.bots;
  const coinbase = bots.find((b) => b.exchange === 'coinbase');
  const kraken = bots.find((b) => b.exchange === 'kraken');
  const primary = coinbase ?? bots[0];
  const prices: Record<string, number> = {};
  for (const b of bots) {
    const px = b.session?.lastPrice;
    if (px !== null && px !== undefined) prices[splitPair(b.pair).base] = px;
  }
  const eventTrade =
    event.kind === 'trade'
      ? (() => {
          const b = bots.find((x) => x.name === event.bot);
          return toSyncTrade(b ?? { name: event.bot, exchange: 'unknown', pair: 'unknown' }, event.trade);
        })()
      : undefined;
  const payload: Payload = {
    schemaVersion: PAYLOAD_SCHEMA_VERSION,
    event: event.kind,
    eventId: event.id,
    ...(eventTrade ? { trade: eventTrade } : {}),
    running: bots.some((b) => b.status === 'running'),
    portfolioValue: bots.reduce((sum, b) => sum + (b.session?.equity ?? 0), 0),
    position: primary?.session?.position ?? 'NONE',
    tradingPair: primary?.pair ?? '',
    entryPrice: primary?.session?.entryPrice ?? 0,
    activeStrategy: primary?.strategy ?? 'NONE',
    lastUpdated: new Date(now).toISOString(),
    dryRun: primary?.dryRun ?? true,
    balances: primary ? botBalances(primary) : {},
    prices,
    trades: recentTrades(bots, event),
    ...tables,
    bots: bots.map(botEntry),
    coinbase: exchangeObject(coinbase, coinbase ? states[coinbase.name] : undefined),
    kraken: exchangeObject(kraken, kraken ? states[kraken.name] : undefined),
    coinbase_bot: (coinbase && states[coinbase.name]) || {},
    kraken_bot: (kraken && states[kraken.name]) || {},
    alerts: [...runtime.alerts],
  };
  return payloadSchema.parse(payload);
}
