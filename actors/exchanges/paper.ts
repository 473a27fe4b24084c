/**
 * The paper exchange: the exchange port filled by the trading core's fill model, the same one the
 * backtester uses (fees, adverse slippage; market orders fill at the next candle's open in a replay, at
 * the live price otherwise). Balances and orders persist in `bots/<name>/paper.json`, so a 24-48 hour
 * paper run survives restarts and is a faithful rehearsal of live trading.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  type Account,
  balances as accountBalances,
  accrueRollover,
  applyFill,
  applyLiquidation,
  type Candle,
  chargeOpeningFee,
  checkLiquidation,
  createAccount,
  type FillModel,
  floorToStep,
  liquidationFill,
  type MarginTerms,
  marketFill,
  signedQty,
  unrealizedPnl,
  usedMargin,
} from '../../core/index.js';
import { writeFileAtomic } from '../persistence/atomic-file.js';
import { accountSchema } from '../persistence/state-file.js';
import { ExchangeError } from './errors.js';
import {
  type AccountTrade,
  type Balances,
  type ExchangePort,
  type MarginPosition,
  type MarketInfo,
  type OrderRequest,
  type OrderState,
  orderRequestSchema,
  orderStateSchema,
  type Ticker,
} from './port.js';

const PAPER_VERSION = 1;

/** The id a liquidation is recorded under, on the paper venue and in the bot's journal. */
export function liquidationOrderId(candleTs: number): string {
  return `liq-${candleTs}`;
}
/** Base quantity step of the paper venue (satoshi-like); real venues' steps come from their markets. */
const AMOUNT_STEP = 1e-8;
/** Orders kept for lookups by client id; older ones are dropped (the journal keeps them all). */
const MAX_ORDERS = 1000;

const paperFileSchema = z.strictObject({
  version: z.literal(PAPER_VERSION),
  pair: z.string(),
  account: accountSchema,
  orders: z.array(orderStateSchema),
  seq: z.number().int().min(0),
});
type PaperFile = z.infer<typeof paperFileSchema>;

export interface PaperOptions {
  /** Where balances and orders persist; undefined keeps them in memory (tests, injected bots). */
  readonly file?: string;
  readonly pair: string;
  readonly mode: 'spot' | 'margin';
  readonly maxLeverage: number;
  readonly startingBalance: number;
  readonly fill: FillModel;
  readonly margin: MarginTerms;
  /** The price a market order trades at now (next open in a replay, the live price otherwise). */
  readonly referencePrice: () => number | undefined;
  /** Exchange time (ms): the replay's clock in a replay. */
  readonly now: () => number;
}

export class PaperExchange implements ExchangePort {
  readonly id = 'paper';
  readonly live = false;
  private state: PaperFile;

  constructor(private readonly o: PaperOptions) {
    this.state = this.load();
  }

  private load(): PaperFile {
    const fresh: PaperFile = {
      version: PAPER_VERSION,
      pair: this.o.pair,
      account: createAccount(this.o.startingBalance),
      orders: [],
      seq: 0,
    };
    if (!this.o.file || !existsSync(this.o.file)) return fresh;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.o.file, 'utf8'));
    } catch (err) {
      throw new Error(
        `${this.o.file}: paper account is not valid JSON (${(err as Error).message}); left untouched`,
      );
    }
    const res = paperFileSchema.safeParse(raw);
    if (!res.success) {
      throw new Error(
        `${this.o.file}: paper account does not match its schema (${res.error.issues[0]?.message}); left untouched`,
      );
    }
    if (res.data.pair !== this.o.pair) {
      throw new Error(`${this.o.file}: paper account is for ${res.data.pair}, the bot trades ${this.o.pair}`);
    }
    return res.data;
  }

  private save(): void {
    if (this.o.file) writeFileAtomic(this.o.file, `${JSON.stringify(this.state, null, 2)}\n`);
  }

  /** The paper account as the exchange sees it (for reconciliation tests and the dashboard). */
  get account(): Account {
    return this.state.account;
  }

  private price(): number {
    const p = this.o.referencePrice();
    if (p === undefined || !(p > 0))
      throw new ExchangeError('EXCHANGE_DOWN', 'paper exchange has no price yet');
    return p;
  }

  /**
   * Lets a closed candle pass over the account, as the venue does on its own: margin rollover up to the
   * candle's end, then liquidation when the candle reached the liquidation price (the core's rules, so the
   * backtester and the bot's own books agree). A liquidation is recorded as an order `liq-<candle ts>`.
   */
  onCandle(candle: Candle, barMs: number): void {
    if (this.o.mode !== 'margin') return;
    let acct = accrueRollover(this.state.account, candle.ts + barMs, this.o.margin);
    let orders = this.state.orders;
    const hit = acct.position.side !== 'NONE' ? checkLiquidation(acct, candle, this.o.margin) : null;
    if (hit) {
      const fill = liquidationFill(acct.position, hit.price, candle.ts, this.o.fill);
      acct = applyLiquidation(acct, fill);
      orders = [
        ...orders,
        {
          id: `paper-${++this.state.seq}`,
          clientOrderId: liquidationOrderId(candle.ts),
          pair: this.o.pair,
          side: fill.side,
          type: 'market' as const,
          status: 'closed' as const,
          amount: fill.qty,
          filled: fill.qty,
          average: fill.price,
          fee: fill.fee,
          timestamp: candle.ts,
          reduceOnly: true,
        },
      ].slice(-MAX_ORDERS);
    }
    if (acct !== this.state.account) {
      this.state = { ...this.state, account: acct, orders };
      this.save();
    }
  }

  async market(pair: string): Promise<MarketInfo> {
    const [base, quote] = pair.split('-') as [string, string];
    return {
      pair,
      base,
      quote,
      amountStep: AMOUNT_STEP,
      priceStep: 1e-8,
      minAmount: AMOUNT_STEP,
      maxLeverage: this.o.mode === 'margin' ? this.o.maxLeverage : 1,
    };
  }

  async fetchTicker(pair: string): Promise<Ticker> {
    const p = this.price();
    return { pair, bid: p, ask: p, last: p, timestamp: this.o.now() };
  }

  async fetchBalances(): Promise<Balances> {
    const [base, quote] = this.o.pair.split('-') as [string, string];
    const b = accountBalances(
      this.state.account,
      this.o.referencePrice() ?? this.state.account.position.entryPrice,
    );
    if (this.o.mode === 'margin') {
      // A margin account holds collateral in quote; positions are reported separately.
      const eq = this.state.account.cash;
      return { [quote]: { free: Math.max(0, eq), total: Math.max(0, eq) } };
    }
    return {
      [quote]: { free: Math.max(0, b.quote), total: Math.max(0, b.quote) },
      [base]: { free: Math.max(0, b.base), total: Math.max(0, b.base) },
    };
  }

  async fetchPositions(pair: string): Promise<MarginPosition[]> {
    const p = this.state.account.position;
    if (this.o.mode !== 'margin' || p.side === 'NONE' || pair !== this.o.pair) return [];
    const mark = this.o.referencePrice() ?? p.entryPrice;
    return [
      {
        pair,
        side: p.side === 'LONG' ? 'long' : 'short',
        amount: p.qty,
        entryPrice: p.entryPrice,
        leverage: p.leverage,
        unrealizedPnl: unrealizedPnl(p, mark),
      },
    ];
  }

  async placeOrder(input: OrderRequest): Promise<OrderState> {
    const parsed = orderRequestSchema.safeParse(input);
    if (!parsed.success) {
      throw new ExchangeError(
        'EXCHANGE_INVALID_ORDER',
        `invalid order: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
      );
    }
    const existing = this.state.orders.find((o) => o.clientOrderId === parsed.data.clientOrderId);
    if (existing) return existing;
    // Like a real venue: the amount is rounded down to the step, and an order below one step is refused.
    const amount = floorToStep(parsed.data.amount, AMOUNT_STEP);
    if (!(amount >= AMOUNT_STEP)) {
      throw new ExchangeError(
        'EXCHANGE_INVALID_ORDER',
        `amount ${parsed.data.amount} is below the minimum step ${AMOUNT_STEP}`,
      );
    }
    const req = { ...parsed.data, amount: Number(amount.toFixed(8)) };
    if (req.type !== 'market')
      throw new ExchangeError('EXCHANGE_UNSUPPORTED', 'the paper exchange fills market orders only');
    if (req.pair !== this.o.pair)
      throw new ExchangeError('EXCHANGE_INVALID_ORDER', `unknown pair ${req.pair}`);
    const acct = this.state.account;
    const cur = signedQty(acct.position);
    const leverage = req.leverage ?? 1;
    if (this.o.mode === 'spot' && leverage !== 1)
      throw new ExchangeError('EXCHANGE_INVALID_ORDER', 'spot orders have no leverage');
    if (leverage > this.o.maxLeverage) {
      throw new ExchangeError(
        'EXCHANGE_INVALID_ORDER',
        `leverage ${leverage} is above the cap ${this.o.maxLeverage}`,
      );
    }
    const delta = req.side === 'buy' ? req.amount : -req.amount;
    if (
      req.reduceOnly &&
      !(cur !== 0 && Math.sign(delta) !== Math.sign(cur) && req.amount <= Math.abs(cur) + AMOUNT_STEP / 2)
    ) {
      throw new ExchangeError('EXCHANGE_INVALID_ORDER', 'reduce-only order would not reduce the position');
    }
    const ts = this.o.now();
    const fill = marketFill(
      { side: req.side, qty: req.amount, referencePrice: this.price(), ts, reason: 'external', leverage },
      this.o.fill,
    );
    if (this.o.mode === 'spot') {
      const b = accountBalances(acct, fill.price);
      if (req.side === 'buy' && b.quote - fill.qty * fill.price - fill.fee < -1e-9) {
        throw new ExchangeError(
          'EXCHANGE_INSUFFICIENT_FUNDS',
          `buy needs ${(fill.qty * fill.price + fill.fee).toFixed(2)}, free ${b.quote.toFixed(2)}`,
        );
      }
      // Both are on the step grid (up to float noise): more than half a step above is more than is held.
      if (req.side === 'sell' && req.amount > b.base + AMOUNT_STEP / 2) {
        throw new ExchangeError(
          'EXCHANGE_INSUFFICIENT_FUNDS',
          `sell of ${req.amount} exceeds the balance ${b.base}`,
        );
      }
    }
    let next = applyFill(acct, fill);
    if (this.o.mode === 'margin' && next.tradeCount > acct.tradeCount) {
      next = chargeOpeningFee(next, next.position.qty * next.position.entryPrice, this.o.margin);
    }
    const order: OrderState = {
      id: `paper-${++this.state.seq}`,
      clientOrderId: req.clientOrderId,
      pair: req.pair,
      side: req.side,
      type: 'market',
      status: 'closed',
      amount: req.amount,
      filled: req.amount,
      average: fill.price,
      fee: fill.fee,
      timestamp: ts,
      ...(req.leverage !== undefined ? { leverage: req.leverage } : {}),
      ...(req.reduceOnly !== undefined ? { reduceOnly: req.reduceOnly } : {}),
    };
    this.state = { ...this.state, account: next, orders: [...this.state.orders, order].slice(-MAX_ORDERS) };
    this.save();
    return order;
  }

  async fetchOrder(_pair: string, id: string): Promise<OrderState> {
    const o = this.state.orders.find((x) => x.id === id);
    if (!o) throw new ExchangeError('EXCHANGE_ORDER_NOT_FOUND', `no order ${id}`);
    return o;
  }

  async fetchOrderByClientId(_pair: string, clientOrderId: string): Promise<OrderState | null> {
    return this.state.orders.find((x) => x.clientOrderId === clientOrderId) ?? null;
  }

  async cancelOrder(_pair: string, id: string): Promise<OrderState> {
    // Market orders fill at once; there is never anything open to cancel.
    return this.fetchOrder(_pair, id);
  }

  async fetchOpenOrders(): Promise<OrderState[]> {
    return [];
  }

  /**
   * Spot: the free quote cash. Margin: the free margin, equity (cash plus the position's unrealised P&L at
   * the reference price) minus the margin the position uses; 0 when that is negative.
   */
  async fetchFreeCollateral(pair: string): Promise<number> {
    if (pair !== this.o.pair) throw new ExchangeError('EXCHANGE_INVALID_ORDER', `unknown pair ${pair}`);
    const acct = this.state.account;
    const mark = this.o.referencePrice() ?? acct.position.entryPrice;
    if (this.o.mode === 'spot') return Math.max(0, accountBalances(acct, mark).quote);
    const p = acct.position;
    const free = p.side === 'NONE' ? acct.cash : acct.cash + unrealizedPnl(p, mark) - usedMargin(p);
    return Math.max(0, free);
  }

  /**
   * The paper venue's fills at or after `since`, oldest first: one trade per filled order it still keeps
   * (the last 1000 orders), a liquidation (`liq-<candle ts>`) marked as one.
   */
  async fetchMyTrades(pair: string, since: number): Promise<AccountTrade[]> {
    return this.state.orders
      .filter((o) => o.pair === pair && o.filled > 0 && o.average !== undefined && o.timestamp >= since)
      .map((o) => ({
        id: `${o.id}-fill`,
        orderId: o.id,
        pair: o.pair,
        side: o.side,
        amount: o.filled,
        price: o.average!,
        fee: o.fee,
        timestamp: o.timestamp,
        ...(o.clientOrderId?.startsWith('liq-') ? { liquidation: true } : {}),
      }))
      .sort((a, b) => a.timestamp - b.timestamp);
  }

  async close(): Promise<void> {}
}
