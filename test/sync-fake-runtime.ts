/**
 * Test doubles for Mission Control sync: a hand-written runtime (two bots whose trades the test drives) and
 * a receiving board on 127.0.0.1 that checks the secret header, validates every payload with the schema
 * and can be switched to failing modes (503, hanging, 400/429, closed port).
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotInput, Payload, RuntimeInput, SyncSource, TradeInput } from '../actors/sync/index.js';
import { payloadSchema } from '../actors/sync/index.js';

function bot(
  name: string,
  exchange: string,
  pair: string,
  mode: 'spot' | 'margin',
  leverage: number,
): BotInput {
  return {
    name,
    displayName: exchange === 'coinbase' ? 'Long Only Bot' : 'Leveraged Short Bot',
    exchange,
    mode,
    pair,
    strategy: exchange === 'coinbase' ? 'sma_crossover' : 'sma_3x_short',
    dryRun: true,
    leverage,
    status: 'running',
    lastCycleAt: 1_700_000_000_000,
    session: {
      position: 'NONE',
      quantity: 0,
      entryPrice: 0,
      lastPrice: exchange === 'coinbase' ? 0.08 : 70,
      equity: 1000,
      unrealizedPnl: 0,
      lastSignal: null,
      trades: [],
      account: { cash: 1000 },
    },
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A runtime with a Coinbase and a Kraken bot. `trade()` behaves like the real one: the `trade` event fires
 * before the bot's session shows the new position, and `cycle` fires once it does.
 */
export class FakeRuntime extends EventEmitter implements SyncSource {
  readonly bots: Mutable<BotInput>[] = [
    bot('coinbase', 'coinbase', 'DOGE-USDT', 'spot', 1),
    bot('kraken', 'kraken', 'LTC-USD', 'margin', 3),
  ];
  alerts: string[] = [];
  private n = 0;

  snapshot(): RuntimeInput {
    return structuredClone({ bots: this.bots, alerts: this.alerts });
  }

  /** Books a fill on `botId` that flips it between flat and long; returns the trade. */
  trade(botId: string): TradeInput {
    const b = this.bots.find((x) => x.name === botId)!;
    const s = b.session!;
    const opening = s.position === 'NONE';
    const price = (s.lastPrice ?? 1) * (1 + (this.n % 7) / 100);
    const ts = 1_600_000_000_000 + ++this.n * 86_400_000;
    const t: TradeInput = {
      ts,
      time: new Date(ts).toISOString(),
      client_order_id: `db-${botId}-${ts.toString(36)}-${opening ? 'open_buy' : 'close_sell'}`,
      side: opening ? 'buy' : 'sell',
      qty: 100,
      price,
      fee: 0.1,
      reason: opening ? 'golden cross' : 'death cross',
      position_after: opening ? 'LONG' : 'NONE',
      realized_pnl: opening ? 0 : 1.5,
      paper: true,
    };
    this.emit('trade', { bot: botId, trade: t });
    b.session = {
      ...s,
      position: t.position_after,
      quantity: opening ? t.qty : 0,
      entryPrice: opening ? price : 0,
      trades: [...s.trades, t].slice(-20),
      equity: s.equity + t.realized_pnl - t.fee,
      account: { cash: s.account.cash + t.realized_pnl - t.fee },
    };
    this.emit('cycle', { bot: botId });
    return t;
  }
}

export type BoardMode = 'up' | '503' | 'hang' | 'reject';

export interface Board {
  readonly url: string;
  readonly port: number;
  /** Every valid, authenticated payload the board accepted (2xx), in arrival order. */
  readonly accepted: Payload[];
  /** Count of requests answered in each non-up mode, and of bad requests. */
  readonly counts: { failed: number; hung: number; badSecret: number; invalid: number };
  mode: BoardMode;
  /** Answers for one event id (e.g. 400 or 429 with Retry-After), consumed in order. */
  readonly scripted: Map<string, { status: number; headers?: Record<string, string> }[]>;
  /** Every request seen: event id and time (ms). */
  readonly seen: { eventId: string; at: number; status: number }[];
  close(): Promise<void>;
  /** Listens again on the same port after `close()`. */
  reopen(): Promise<void>;
}

/** Starts a board on 127.0.0.1 (a random port unless `port` is given). */
export async function startBoard(secret: string, port = 0): Promise<Board> {
  const hung = new Set<http.ServerResponse>();
  const board = {
    url: '',
    port: 0,
    accepted: [] as Payload[],
    counts: { failed: 0, hung: 0, badSecret: 0, invalid: 0 },
    mode: 'up' as BoardMode,
    scripted: new Map<string, { status: number; headers?: Record<string, string> }[]>(),
    seen: [] as { eventId: string; at: number; status: number }[],
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ status }));
      };
      let eventId = '?';
      try {
        eventId = String(
          (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { eventId?: string }).eventId,
        );
      } catch {
        // validated below
      }
      if (board.mode === 'hang') {
        board.counts.hung++;
        hung.add(res);
        return;
      }
      if (board.mode === '503') {
        board.counts.failed++;
        board.seen.push({ eventId, at: Date.now(), status: 503 });
        return answer(503);
      }
      if (req.headers['x-status-secret'] !== secret) {
        board.counts.badSecret++;
        return answer(401);
      }
      const parsed = payloadSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      if (!parsed.success) {
        board.counts.invalid++;
        return answer(422);
      }
      const script = board.scripted.get(eventId)?.shift();
      if (script) {
        board.seen.push({ eventId, at: Date.now(), status: script.status });
        return answer(script.status, script.headers);
      }
      board.seen.push({ eventId, at: Date.now(), status: 200 });
      board.accepted.push(parsed.data);
      return answer(200);
    });
  });
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(port);
  board.port = (server.address() as AddressInfo).port;
  board.url = `http://127.0.0.1:${board.port}/api/trade`;
  return Object.assign(board, {
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hung) r.destroy();
        hung.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    reopen: () => listen(board.port),
  });
}
