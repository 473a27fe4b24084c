/**
 * The paper-trading gate of a promotion: the bot's journal and state must show the strategy running in dry
 * run for long enough, without an order the exchange refused or an order whose outcome was unknown. Pure:
 * the journal entries and the state are inputs (read by the caller with the persistence module's schemas).
 */
import type { JournalEntry } from '../../actors/persistence/journal.js';
import type { StateFile } from '../../actors/persistence/state-file.js';
import type { GateResult } from './gate.js';

/** One paper fill, tied to the candle whose decision placed it. */
export interface PaperFill {
  readonly client_order_id: string;
  readonly side: 'buy' | 'sell';
  readonly price: number;
  readonly qty: number;
  /** Journal (wall-clock) time of the fill, epoch ms. */
  readonly ts: number;
  /** Open time of the decision candle (from the order's intent), epoch ms. */
  readonly decision_ts: number;
}

/** What the paper gate decided and the record it read. */
export interface PaperRecordReport {
  readonly gates: GateResult[];
  readonly fills: PaperFill[];
  /** Journal time from the first to the last entry, hours. */
  readonly hours: number;
  readonly firstTs: number | null;
  readonly lastTs: number | null;
  readonly cycles: number;
}

/** Returns the journal's fills with the decision time of their intents, in journal order. */
export function paperFills(entries: readonly JournalEntry[]): PaperFill[] {
  const decisions = new Map<string, number>();
  const out: PaperFill[] = [];
  for (const e of entries) {
    if (e.type === 'intent') decisions.set(e.client_order_id, e.decision_ts);
    else if (e.type === 'fill') {
      const decision = decisions.get(e.client_order_id);
      // A fill adopted at reconciliation may have lost its intent to a reset journal; it cannot be aligned.
      if (decision === undefined) continue;
      out.push({
        client_order_id: e.client_order_id,
        side: e.side,
        price: e.price,
        qty: e.qty,
        ts: e.ts,
        decision_ts: decision,
      });
    }
  }
  return out;
}

/**
 * Decides the paper gates: state.json names the strategy and dry run; every order entry is a paper one;
 * the journal spans at least `paperHours` (first to last entry) with fills or cycles; no entry is
 * `rejected` or `unknown`.
 */
export function paperRecordGates(input: {
  readonly entries: readonly JournalEntry[];
  readonly state: StateFile | null;
  readonly strategy: string;
  readonly paperHours: number;
}): PaperRecordReport {
  const { entries, state } = input;
  const fills = paperFills(entries);
  const firstTs = entries[0]?.ts ?? null;
  const lastTs = entries[entries.length - 1]?.ts ?? null;
  const hours = firstTs !== null && lastTs !== null ? (lastTs - firstTs) / 3_600_000 : 0;
  const cycles = state?.machine.context?.cycles ?? 0;
  const gates: GateResult[] = [];

  gates.push(
    state === null
      ? { name: 'paper state', pass: false, detail: 'no state.json: the bot has never run' }
      : {
          name: 'paper state',
          pass: state.strategy === input.strategy && state.dry_run,
          detail: `state.json strategy ${state.strategy}${state.strategy === input.strategy ? '' : ` (not ${input.strategy})`}, dry_run ${state.dry_run}`,
        },
  );

  const live = entries.filter((e) => (e.type === 'intent' || e.type === 'fill') && !e.paper).length;
  gates.push({
    name: 'paper only',
    pass: live === 0,
    detail: live === 0 ? 'every order entry is a paper one' : `${live} live (paper: false) order entries`,
  });

  const active = fills.length > 0 || cycles > 0;
  const longEnough = hours >= input.paperHours;
  gates.push({
    name: 'paper hours',
    pass: longEnough && active,
    detail: `${hours.toFixed(1)} h ${longEnough ? '>=' : '<'} ${input.paperHours} h of journal time (${fills.length} paper fills, ${cycles} cycles)${active ? '' : '; no fill and no cycle recorded'}`,
  });

  const errors = entries.filter((e) => e.type === 'rejected' || e.type === 'unknown');
  gates.push({
    name: 'paper errors',
    pass: errors.length === 0,
    detail:
      errors.length === 0
        ? 'no rejected or unknown entries'
        : `${errors.length} rejected/unknown entries (first: ${errors[0]!.type} ${errors[0]!.client_order_id})`,
  });
  return { gates, fills, hours, firstTs, lastTs, cycles };
}
