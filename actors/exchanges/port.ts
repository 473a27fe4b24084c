/**
 * The exchange port: everything a bot needs from an exchange, whether it trades live (ccxt), on paper or
 * against a test double. Strategies and the bot machine never know which one they talk to.
 *
 * Every response is parsed with the zod schemas below before the core sees it: NaN, infinities and
 * negative quantities are rejected at the boundary (integrity before availability).
 */
import { z } from 'zod';

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
const nonNegative = finite.refine((x) => x >= 0, { message: 'must not be negative' });
const positive = finite.refine((x) => x > 0, { message: 'must be above 0' });

export const orderSideSchema = z.enum(['buy', 'sell']);
export type OrderSide = z.infer<typeof orderSideSchema>;

/** An order the bot wants placed. `clientOrderId` is derived from the decision, so retries are idempotent. */
export const orderRequestSchema = z.strictObject({
  clientOrderId: z.string().min(1).max(64),
  pair: z.string(),
  side: orderSideSchema,
  type: z.enum(['market', 'limit']),
  /** Quantity in the base currency. */
  amount: positive,
  price: positive.optional(),
  /** Margin leverage (Kraken); absent for spot. */
  leverage: positive.optional(),
  /** Only reduce an existing margin position (closing orders). */
  reduceOnly: z.boolean().optional(),
});
export type OrderRequest = z.infer<typeof orderRequestSchema>;

export const orderStatusSchema = z.enum(['open', 'closed', 'canceled', 'rejected', 'expired']);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

/**
 * A protective stop: a reduce-only stop-market order resting on the exchange, so that an open margin
 * position stays protected while the bot is down. `clientOrderId` is derived from the entry it protects.
 */
export const stopOrderRequestSchema = z.strictObject({
  clientOrderId: z.string().min(1).max(64),
  pair: z.string(),
  side: orderSideSchema,
  /** Quantity in the base currency (the position's). */
  amount: positive,
  /** Trigger price: the order becomes a market order when the market trades through it. */
  stopPrice: positive,
  /** Margin leverage of the position it closes (Kraken closes a margin position with a leveraged order). */
  leverage: positive.optional(),
});
export type StopOrderRequest = z.infer<typeof stopOrderRequestSchema>;

/** What the exchange says about one order. */
export const orderStateSchema = z.strictObject({
  id: z.string().min(1),
  clientOrderId: z.string().optional(),
  pair: z.string(),
  side: orderSideSchema,
  type: z.enum(['market', 'limit', 'stop']),
  /** Trigger price of a stop order. */
  stopPrice: positive.optional(),
  status: orderStatusSchema,
  amount: positive,
  filled: nonNegative,
  /** Average fill price; absent while nothing is filled. */
  average: positive.optional(),
  /** Fee paid in the quote currency. */
  fee: nonNegative,
  /** Exchange timestamp (ms). */
  timestamp: nonNegative,
  leverage: positive.optional(),
  reduceOnly: z.boolean().optional(),
});
export type OrderState = z.infer<typeof orderStateSchema>;

export const tickerSchema = z.strictObject({
  pair: z.string(),
  bid: positive,
  ask: positive,
  last: positive,
  timestamp: nonNegative,
});
export type Ticker = z.infer<typeof tickerSchema>;

/** Free and total balance per currency. */
export const balancesSchema = z.record(z.string(), z.strictObject({ free: nonNegative, total: nonNegative }));
export type Balances = z.infer<typeof balancesSchema>;

/** An open margin position as the exchange reports it. */
export const marginPositionSchema = z.strictObject({
  pair: z.string(),
  side: z.enum(['long', 'short']),
  /** Base quantity. */
  amount: positive,
  entryPrice: positive,
  leverage: positive,
  unrealizedPnl: finite.optional(),
  /** Margin costs accrued so far (opening fee + rollover), quote currency. */
  marginCosts: nonNegative.optional(),
});
export type MarginPosition = z.infer<typeof marginPositionSchema>;

export const marketInfoSchema = z.strictObject({
  pair: z.string(),
  base: z.string(),
  quote: z.string(),
  /** Smallest base quantity step (orders are rounded down to it). */
  amountStep: positive,
  /** Smallest price step. */
  priceStep: positive,
  minAmount: nonNegative,
  /** Minimum notional (quote) per order, if the exchange has one. */
  minCost: nonNegative.optional(),
  maxLeverage: positive,
});
export type MarketInfo = z.infer<typeof marketInfoSchema>;

/**
 * One execution on the account as the exchange reports it: the bot's own, and others' (a liquidation, a
 * person trading by hand). A position the exchange closed is booked from these, never from a simulation.
 */
export const accountTradeSchema = z.strictObject({
  /** The venue's trade id. */
  id: z.string().min(1),
  /** The venue's id of the order it belongs to. */
  orderId: z.string().min(1),
  pair: z.string(),
  side: orderSideSchema,
  /** Base quantity. */
  amount: positive,
  price: positive,
  /** Fee in the quote currency. */
  fee: nonNegative,
  /** Exchange timestamp (ms). */
  timestamp: nonNegative,
  /** True when the venue marks the trade as a liquidation. */
  liquidation: z.boolean().optional(),
});
export type AccountTrade = z.infer<typeof accountTradeSchema>;

export interface ExchangePort {
  /** `coinbase`, `kraken` or `paper`. */
  readonly id: string;
  /** True only for an adapter that sends real orders. */
  readonly live: boolean;
  market(pair: string): Promise<MarketInfo>;
  fetchTicker(pair: string): Promise<Ticker>;
  fetchBalances(): Promise<Balances>;
  /** Open margin positions (empty for spot). */
  fetchPositions(pair: string): Promise<MarginPosition[]>;
  /**
   * Places an order. Idempotent on `clientOrderId`: when an order with this id exists already, it is
   * returned instead of placing a second one.
   *
   * @throws ExchangeError: kind `rejected` (invalid order, funds, auth), `retryable` (nothing was sent), or
   *   `unknown-outcome` (sent, answer lost: look it up by client order id before anything else).
   */
  placeOrder(req: OrderRequest): Promise<OrderState>;
  fetchOrder(pair: string, id: string): Promise<OrderState>;
  /** Looks an order up by the id we gave it; null when the exchange has no such order. */
  fetchOrderByClientId(pair: string, clientOrderId: string): Promise<OrderState | null>;
  cancelOrder(pair: string, id: string): Promise<OrderState>;
  fetchOpenOrders(pair: string): Promise<OrderState[]>;
  /**
   * What the account can put up for a new position on `pair`, in the quote currency: on spot the free quote
   * balance, on margin the free margin (Kraken's TradeBalance `mf`).
   */
  fetchFreeCollateral(pair: string): Promise<number>;
  /**
   * Places a protective stop (see {@link StopOrderRequest}). Absent where the venue or the port has none
   * (the paper exchange checks stops at each candle in the core instead; Coinbase spot has no stop-market).
   * Idempotent on `clientOrderId` like `placeOrder`.
   */
  placeStopOrder?(req: StopOrderRequest): Promise<OrderState>;
  /** The account's executions on `pair` at or after `since` (ms), oldest first. */
  fetchMyTrades(pair: string, since: number): Promise<AccountTrade[]>;
  close(): Promise<void>;
}
