/**
 * A bot's `state.json`: the original system's keys (position, entry_price, quantity, leverage, last_signal,
 * trading_pair, strategy, unrealized_pnl, trades, updated_at) plus a version, the core account, the order
 * in flight and the machine's state. Written atomically after every change of position or order status.
 *
 * Reading is strict: a corrupt, truncated or future-version file is a `StateFileError` that keeps the bot
 * stopped and leaves the file untouched. It is never silently replaced by "no position".
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file.js';

export const STATE_VERSION = 1;

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
const nonNeg = finite.refine((x) => x >= 0, { message: 'must not be negative' });

export const tradeRecordSchema = z.strictObject({
  ts: nonNeg,
  time: z.string(),
  client_order_id: z.string(),
  side: z.enum(['buy', 'sell']),
  qty: nonNeg,
  price: nonNeg,
  fee: nonNeg,
  reason: z.string(),
  position_after: z.enum(['NONE', 'LONG', 'SHORT']),
  realized_pnl: finite,
  paper: z.boolean(),
});
export type TradeRecord = z.infer<typeof tradeRecordSchema>;

export const accountSchema = z.strictObject({
  startingCash: nonNeg,
  cash: finite,
  position: z.strictObject({
    side: z.enum(['NONE', 'LONG', 'SHORT']),
    qty: nonNeg,
    entryPrice: nonNeg,
    leverage: finite,
    openedAt: nonNeg,
    lastRolloverAt: nonNeg,
  }),
  realizedPnl: finite,
  feesPaid: nonNeg,
  marginCostsPaid: nonNeg,
  lossWrittenOff: nonNeg,
  equityPeak: finite,
  halted: z.enum(['max_drawdown']).nullable(),
  liquidations: z.number().int().min(0),
  tradeCount: z.number().int().min(0),
});

export const pendingOrderSchema = z.strictObject({
  client_order_id: z.string(),
  side: z.enum(['buy', 'sell']),
  qty: nonNeg,
  target: z.enum(['LONG', 'SHORT', 'FLAT']),
  decision_ts: nonNeg,
  reason: z.string(),
  reduce_only: z.boolean(),
  /** intent = written before the exchange was called; submitted = sent, outcome not yet known. */
  status: z.enum(['intent', 'submitted']),
  /**
   * When the order was handed to the exchange (ms). An order of unknown outcome that the exchange does not
   * show counts as never placed only once its history covers a long enough window after this.
   */
  submitted_at: nonNeg.optional(),
});
export type PendingOrder = z.infer<typeof pendingOrderSchema>;

/** A reduce-only stop order resting on the exchange that protects the open position (live margin bots). */
export const protectiveStopSchema = z.strictObject({
  client_order_id: z.string(),
  /** The exchange's order id; absent while the placement's outcome is not known. */
  order_id: z.string().optional(),
  side: z.enum(['buy', 'sell']),
  qty: nonNeg,
  stop_price: nonNeg,
  placed_at: nonNeg,
});
export type ProtectiveStop = z.infer<typeof protectiveStopSchema>;

export const stateFileSchema = z.strictObject({
  version: z.literal(STATE_VERSION),
  bot: z.string(),
  position: z.enum(['NONE', 'LONG', 'SHORT']),
  entry_price: nonNeg,
  quantity: nonNeg,
  leverage: finite,
  last_signal: z.enum(['LONG', 'SHORT', 'FLAT']).nullable(),
  trading_pair: z.string(),
  strategy: z.string(),
  unrealized_pnl: finite,
  trades: z.array(tradeRecordSchema).max(20),
  updated_at: z.string(),
  dry_run: z.boolean(),
  account: accountSchema,
  /** Last target acted on (the core's rule: act only on a change of target). */
  last_acted_target: z.enum(['LONG', 'SHORT', 'FLAT']).nullable(),
  /** Open time of the last closed candle processed (ms), so a restart neither skips nor repeats one. */
  last_candle_ts: nonNeg.nullable(),
  last_price: nonNeg.nullable(),
  pending_order: pendingOrderSchema.nullable(),
  /** The protective stop resting on the exchange for the open position (live margin bots). */
  protective_stop: protectiveStopSchema.nullable().optional(),
  /** The machine's state and counters when this file was written (for people and tools; a restart runs
   * the normal start path and does not resume mid-transition). */
  machine: z.strictObject({
    state: z.string(),
    halt_reason: z.string().nullable(),
    context: z
      .strictObject({
        cycles: z.number().int().min(0),
        ordersPlaced: z.number().int().min(0),
        skippedCycles: z.number().int().min(0),
        orderErrors: z.number().int().min(0),
        lastError: z.string().nullable(),
      })
      .optional(),
  }),
});
export type StateFile = z.infer<typeof stateFileSchema>;

export class StateFileError extends Error {
  readonly code: 'STATE_CORRUPT' | 'STATE_VERSION' | 'STATE_UNREADABLE' | 'STATE_MISMATCH';
  constructor(
    code: StateFileError['code'],
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${file}: ${detail}; the bot stays stopped and the file is left as it is (inspect it, or run \`dualbot reset-state --bot <name>\` if you mean to start over)`,
      options,
    );
    this.name = 'StateFileError';
    this.code = code;
  }
}

/**
 * Reads state.json. Returns null only when the file does not exist (a bot's first start).
 *
 * @throws StateFileError when it exists but cannot be read, parsed or trusted.
 */
export function readStateFile(file: string): StateFile | null {
  if (!existsSync(file)) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new StateFileError(
      'STATE_UNREADABLE',
      file,
      `cannot read (${(err as NodeJS.ErrnoException).code ?? err})`,
      { cause: err },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(
      'STATE_CORRUPT',
      file,
      `is not valid JSON (${(err as Error).message}); it may be truncated`,
      { cause: err },
    );
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > STATE_VERSION) {
    throw new StateFileError(
      'STATE_VERSION',
      file,
      `has version ${version}, newer than this program understands (${STATE_VERSION})`,
    );
  }
  const res = stateFileSchema.safeParse(raw);
  if (!res.success) {
    const first = res.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new StateFileError('STATE_CORRUPT', file, `does not match the state schema (${first.join('; ')})`);
  }
  return res.data;
}

export function writeStateFile(file: string, state: StateFile): void {
  writeFileAtomic(file, `${JSON.stringify(stateFileSchema.parse(state), null, 2)}\n`);
}
