/**
 * The append-only trade journal (`bots/<name>/journal.jsonl`): every order intent, submission,
 * acknowledgement, fill, rejection and reconciliation, one fsync'd JSON line each. It is written before the
 * exchange is called, so a crash at any point leaves enough to reconcile.
 *
 * A torn last line (a crash in the middle of an append, before its fsync returned) is ignored when read:
 * that write was never acknowledged. Any other bad line is corruption and stops the bot.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { z } from 'zod';

const finite = z.number().refine(Number.isFinite);

export const journalEntrySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('intent'),
    ts: finite,
    client_order_id: z.string(),
    decision_ts: finite,
    side: z.enum(['buy', 'sell']),
    qty: finite,
    target: z.enum(['LONG', 'SHORT', 'FLAT']),
    reason: z.string(),
    paper: z.boolean(),
  }),
  z.strictObject({ type: z.literal('submitted'), ts: finite, client_order_id: z.string() }),
  z.strictObject({
    type: z.literal('acknowledged'),
    ts: finite,
    client_order_id: z.string(),
    order_id: z.string(),
  }),
  z.strictObject({
    type: z.literal('fill'),
    ts: finite,
    client_order_id: z.string(),
    order_id: z.string(),
    side: z.enum(['buy', 'sell']),
    qty: finite,
    price: finite,
    fee: finite,
    reason: z.string(),
    paper: z.boolean(),
  }),
  z.strictObject({ type: z.literal('rejected'), ts: finite, client_order_id: z.string(), error: z.string() }),
  z.strictObject({ type: z.literal('cancelled'), ts: finite, client_order_id: z.string() }),
  z.strictObject({ type: z.literal('unknown'), ts: finite, client_order_id: z.string(), error: z.string() }),
  z.strictObject({
    type: z.literal('reconciled'),
    ts: finite,
    client_order_id: z.string(),
    outcome: z.string(),
  }),
]);
export type JournalEntry = z.infer<typeof journalEntrySchema>;

export class JournalError extends Error {
  readonly code = 'JOURNAL_CORRUPT';
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}; the bot stays stopped and the journal is left as it is`);
    this.name = 'JournalError';
  }
}

export interface JournalRead {
  readonly entries: JournalEntry[];
  /** True when a torn final line was skipped. */
  readonly tornTail: boolean;
}

export function readJournal(file: string): JournalRead {
  if (!existsSync(file)) return { entries: [], tornTail: false };
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n') || text.length === 0;
  const entries: JournalEntry[] = [];
  let tornTail = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const last = i === lines.length - 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      if (last && !endsClean) {
        tornTail = true;
        continue;
      }
      throw new JournalError(file, i + 1, 'is not valid JSON');
    }
    const res = journalEntrySchema.safeParse(parsed);
    if (!res.success) {
      if (last && !endsClean) {
        tornTail = true;
        continue;
      }
      throw new JournalError(
        file,
        i + 1,
        `is not a journal entry (${res.error.issues[0]?.message ?? 'invalid'})`,
      );
    }
    entries.push(res.data);
  }
  return { entries, tornTail };
}

/** Appends entries, each durable (fsync) before the call returns. */
export class JournalWriter {
  private fd: number | undefined;
  constructor(readonly file: string) {}

  append(entry: JournalEntry): void {
    const line = `${JSON.stringify(journalEntrySchema.parse(entry))}\n`;
    if (this.fd === undefined) {
      // Recovery, as a write-ahead log does it: a torn tail (a crash mid-append) was never acknowledged, so
      // it is cut off before appending; otherwise the next entry would be glued to it.
      this.fd = openSync(this.file, 'a+', 0o600);
      const text = readFileSync(this.fd, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) {
        ftruncateSync(this.fd, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1), 'utf8'));
        fsyncSync(this.fd);
      }
    }
    writeSync(this.fd, line);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
