/**
 * One bot's books: `state.json` (the account built from fills, the order in flight, the protective stop)
 * and the journal. The order lifecycle, reconciliation and evaluation all write through here, so a fill is
 * journaled once and the state file is always written whole and atomically.
 */
import path from 'node:path';
import type { LoadedBot } from '../../config/index.js';
import {
  type Account,
  applyFill,
  chargeOpeningFee,
  type Fill,
  type FillReason,
  type MarginTerms,
  unrealizedPnl,
} from '../../core/index.js';
import type { OrderState } from '../exchanges/port.js';
import type { Logger } from '../log.js';
import { type JournalEntry, JournalWriter, readJournal } from '../persistence/journal.js';
import { type StateFile, type TradeRecord, writeStateFile } from '../persistence/state-file.js';

const MAX_TRADES_IN_STATE = 20;

export type JournalAppend = Parameters<JournalWriter['append']>[0];

export interface BooksDeps {
  readonly bot: LoadedBot;
  readonly dir: string;
  readonly margin: MarginTerms;
  readonly log: Logger;
  readonly now: () => number;
  readonly onTrade?: (t: TradeRecord) => void;
}

/** The fill reason an order's recorded reason stands for. */
export function fillReasonOf(reason: string): FillReason {
  if (reason.startsWith('stop') || reason.startsWith('protective stop')) return 'stop_loss';
  if (reason.startsWith('take')) return 'take_profit';
  return 'signal';
}

export class Books {
  state!: StateFile;
  readonly stateFile: string;
  readonly journalFile: string;
  readonly #journal: JournalWriter;
  /** Client order ids whose fill is in the journal: a crash between the journal and state.json must not
   * write the fill twice when the order is adopted again at reconciliation. */
  #journaledFills = new Set<string>();
  /** Exchange order ids of every fill booked: trades with any other order id are not the bot's. */
  readonly knownOrderIds = new Set<string>();

  constructor(private readonly d: BooksDeps) {
    this.stateFile = path.join(d.dir, 'state.json');
    this.journalFile = path.join(d.dir, 'journal.jsonl');
    this.#journal = new JournalWriter(this.journalFile);
  }

  get paper(): boolean {
    return this.d.bot.config.dry_run;
  }

  /**
   * Reads the journal (validating it: a corrupt journal stops the bot like a corrupt state file) and
   * returns its entries.
   */
  loadJournal(): readonly JournalEntry[] {
    const journal = readJournal(this.journalFile);
    if (journal.tornTail) this.d.log.warn('journal ended in a torn line (crash mid-write); it is ignored');
    for (const e of journal.entries) {
      if (e.type !== 'fill') continue;
      this.#journaledFills.add(e.client_order_id);
      this.knownOrderIds.add(e.order_id);
    }
    return journal.entries;
  }

  append(entry: JournalAppend): void {
    this.#journal.append(entry);
  }

  update(patch: Partial<StateFile>): void {
    this.state = { ...this.state, ...patch };
  }

  /** Books the fill of an order the bot placed (the journal guards against booking it twice). */
  adoptOrder(p: { client_order_id: string; reason: string }, o: OrderState, why: string): TradeRecord | null {
    if (!(o.filled > 0) || o.average === undefined) return null;
    const fill: Fill = {
      side: o.side,
      qty: o.filled,
      price: o.average,
      fee: o.fee,
      ts: o.timestamp,
      reason: fillReasonOf(p.reason),
      leverage: this.d.bot.config.trading.leverage,
    };
    return this.book(p.client_order_id, o.id, fill, p.reason, why);
  }

  /** Books one fill through the core's accounting, with the margin opening fee the exchange charges. */
  book(clientOrderId: string, orderId: string, fill: Fill, reason: string, why: string): TradeRecord {
    const before = this.state.account;
    let after = applyFill(before, fill);
    if (this.d.bot.config.mode === 'margin' && after.tradeCount > before.tradeCount) {
      // Mirror the exchange's margin opening fee so the bot's equity matches the account's.
      after = chargeOpeningFee(after, after.position.qty * after.position.entryPrice, this.d.margin);
    }
    const trade = this.recordFill(clientOrderId, orderId, fill, reason, before, after);
    this.d.log.info({ trade, why }, `${fill.side} ${fill.qty} @ ${fill.price}`);
    return trade;
  }

  /**
   * Journals a fill (once per client order id: a fill adopted again after a crash is not written twice),
   * moves the account from `before` to `after`, keeps the trade for state.json and reports it.
   */
  recordFill(
    clientOrderId: string,
    orderId: string,
    fill: Fill,
    reason: string,
    before: Account,
    after: Account,
  ): TradeRecord {
    if (!this.#journaledFills.has(clientOrderId)) {
      this.append({
        type: 'fill',
        ts: this.d.now(),
        client_order_id: clientOrderId,
        order_id: orderId,
        side: fill.side,
        qty: fill.qty,
        price: fill.price,
        fee: fill.fee,
        reason,
        paper: this.paper,
      });
      this.#journaledFills.add(clientOrderId);
    }
    this.knownOrderIds.add(orderId);
    const trade: TradeRecord = {
      ts: fill.ts,
      time: new Date(fill.ts).toISOString(),
      client_order_id: clientOrderId,
      side: fill.side,
      qty: fill.qty,
      price: fill.price,
      fee: fill.fee,
      reason,
      position_after: after.position.side,
      realized_pnl: after.realizedPnl - before.realizedPnl,
      paper: this.paper,
    };
    this.update({ account: after, trades: [...this.state.trades, trade].slice(-MAX_TRADES_IN_STATE) });
    this.d.onTrade?.(trade);
    return trade;
  }

  /**
   * Writes state.json atomically, with the original system's position keys derived from the account;
   * `machineState` defaults to the one last recorded.
   */
  save(machineState: string = this.state.machine.state): void {
    const a = this.state.account;
    const mark = this.state.last_price ?? a.position.entryPrice;
    this.update({
      position: a.position.side,
      entry_price: a.position.entryPrice,
      quantity: a.position.qty,
      leverage: a.position.side === 'NONE' ? this.d.bot.config.trading.leverage : a.position.leverage,
      unrealized_pnl: a.position.side === 'NONE' ? 0 : unrealizedPnl(a.position, mark),
      updated_at: new Date(this.d.now()).toISOString(),
      machine: { ...this.state.machine, state: machineState },
    });
    writeStateFile(this.stateFile, this.state);
  }

  close(): void {
    this.#journal.close();
  }
}
