/**
 * The durable outbox of Mission Control posts: one JSON file per pending item in `HOME/outbox/`, written
 * atomically (temp file, fsync, rename, fsync of the folder) before anyone tries to send it, and deleted
 * once the board has it. Items go out in the order they were added (the file name starts with a sequence
 * number), so the board's last word is always the newest state.
 *
 * Rules:
 * - Trades are never coalesced: each fill is its own item, keyed by its stable id (the client order id).
 *   Adding an id that is already pending replaces that item in place, so it is still sent once.
 * - Snapshots coalesce: adding one removes any pending snapshot, since only the newest state matters.
 * - Bounded: at `maxItems` a new trade first evicts the pending snapshot, then the oldest trade (the caller
 *   raises an alert); a new snapshot is not stored when the outbox is full of trades.
 *
 * Deleting a delivered item's file is not fsync'd: if that is lost in a crash the item is sent again, which
 * at-least-once delivery allows (the board dedupes by id).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../persistence/atomic-file.js';

export type ItemKind = 'trade' | 'snapshot';

const itemSchema = z.strictObject({
  v: z.literal(1),
  seq: z.number().int().min(0),
  id: z.string().min(1),
  kind: z.enum(['trade', 'snapshot']),
  bot: z.string().nullable(),
  enqueuedAt: z.number(),
  /** False for a trade whose body was built before its bot saved state; it is rebuilt once the bot has. */
  settled: z.boolean(),
  body: z.record(z.string(), z.unknown()),
});

/** One pending post, exactly as stored on disk. */
export type OutboxItem = z.infer<typeof itemSchema>;

export type NewItem = Omit<OutboxItem, 'v' | 'seq'>;

export interface OutboxOptions {
  /** Most items kept (default 10,000). */
  readonly maxItems?: number;
  /** Told about each unreadable item file, after it was moved to `corrupt/` beside the outbox. */
  readonly onCorrupt?: (file: string, why: string) => void;
}

export interface AddResult {
  /** False when the item was not stored (a snapshot while the outbox is full of trades). */
  readonly stored: boolean;
  /** Items removed to make room (not the coalesced snapshot, which is simply superseded). */
  readonly evicted: readonly OutboxItem[];
}

export const DEFAULT_MAX_ITEMS = 10_000;

const FILE = /^(\d{12})-(trade|snapshot)\.json$/;

function fileName(seq: number, kind: ItemKind): string {
  return `${String(seq).padStart(12, '0')}-${kind}.json`;
}

export class Outbox {
  private readonly items: OutboxItem[] = [];
  private nextSeq = 1;
  readonly maxItems: number;

  private constructor(
    readonly dir: string,
    private readonly o: OutboxOptions,
  ) {
    this.maxItems = Math.max(1, o.maxItems ?? DEFAULT_MAX_ITEMS);
  }

  /**
   * Opens (creating if needed) the outbox in `dir` and loads what a previous run left. Leftover temp files
   * are removed, unreadable items are moved aside, and duplicate snapshots (a crash between writing the
   * new one and deleting the old) are coalesced.
   */
  static open(dir: string, o: OutboxOptions = {}): Outbox {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const box = new Outbox(dir, o);
    box.load();
    return box;
  }

  private load(): void {
    for (const name of readdirSync(this.dir).sort()) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        this.unlink(file);
        continue;
      }
      const m = FILE.exec(name);
      if (!m) continue;
      try {
        const item = itemSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
        if (item.seq !== Number(m[1]) || item.kind !== m[2]) throw new Error('name does not match content');
        this.items.push(item);
      } catch (err) {
        const why = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        const aside = path.join(this.dir, 'corrupt');
        mkdirSync(aside, { recursive: true });
        renameSync(file, path.join(aside, name));
        this.o.onCorrupt?.(file, why);
      }
    }
    this.items.sort((a, b) => a.seq - b.seq);
    this.nextSeq = (this.items.at(-1)?.seq ?? 0) + 1;
    const snaps = this.items.filter((i) => i.kind === 'snapshot');
    for (const old of snaps.slice(0, -1)) this.delete(old);
    while (this.items.length > this.maxItems) this.delete(this.victim()!);
  }

  get size(): number {
    return this.items.length;
  }

  /** Pending items, oldest first. */
  list(): readonly OutboxItem[] {
    return this.items;
  }

  head(): OutboxItem | undefined {
    return this.items[0];
  }

  get(id: string): OutboxItem | undefined {
    return this.items.find((i) => i.id === id);
  }

  /** Adds an item at the tail (see the class notes for coalescing and the bound) and writes it to disk. */
  add(n: NewItem): AddResult {
    const same = this.items.find((i) => i.id === n.id && i.kind === n.kind);
    if (same) {
      this.update(same.id, { body: n.body, settled: n.settled });
      return { stored: true, evicted: [] };
    }
    const superseded = n.kind === 'snapshot' ? this.items.filter((i) => i.kind === 'snapshot') : [];
    const evicted: OutboxItem[] = [];
    let room = this.maxItems - (this.items.length - superseded.length);
    if (room <= 0 && n.kind === 'snapshot') return { stored: false, evicted: [] };
    const pool = this.items.filter((i) => !superseded.includes(i));
    while (room <= 0) {
      const victim = pool.find((i) => i.kind === 'snapshot') ?? pool[0]!;
      pool.splice(pool.indexOf(victim), 1);
      evicted.push(victim);
      room++;
    }
    const item: OutboxItem = { v: 1, seq: this.nextSeq++, ...n };
    // Write the new item before deleting anything, so a crash in between loses nothing.
    this.write(item);
    this.items.push(item);
    for (const old of [...superseded, ...evicted]) this.delete(old);
    return { stored: true, evicted };
  }

  /** Rewrites a pending item's body (a trade rebuilt after its bot saved state). */
  update(id: string, patch: { body: OutboxItem['body']; settled: boolean }): boolean {
    const at = this.items.findIndex((i) => i.id === id);
    if (at < 0) return false;
    const next: OutboxItem = { ...this.items[at]!, ...patch };
    this.write(next);
    this.items[at] = next;
    return true;
  }

  /** Forgets an item (delivered, or refused by the board). */
  remove(id: string): boolean {
    const item = this.items.find((i) => i.id === id);
    if (!item) return false;
    this.delete(item);
    return true;
  }

  /** The item to evict first: the oldest snapshot, else the oldest trade. */
  private victim(): OutboxItem | undefined {
    return this.items.find((i) => i.kind === 'snapshot') ?? this.items[0];
  }

  private write(item: OutboxItem): void {
    writeFileAtomic(path.join(this.dir, fileName(item.seq, item.kind)), JSON.stringify(item));
  }

  private delete(item: OutboxItem): void {
    const at = this.items.indexOf(item);
    if (at >= 0) this.items.splice(at, 1);
    this.unlink(path.join(this.dir, fileName(item.seq, item.kind)));
  }

  private unlink(file: string): void {
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
