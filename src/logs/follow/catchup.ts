/**
 * The generations older than the live file still to read: after downtime (the checkpointed file was
 * rotated to `.1`, `.2.gz`, ...) or after rotations between two polls. Oldest first, each held open by
 * fd (generation.ts), read a bounded piece per poll; the live file waits until the queue is empty, so
 * lines come in the order they were written. The first entry's position is the follower's checkpoint.
 */
import { closeAll, type Generation } from './generation.js';
import { freshPosition, NL, takeLines, type FollowedLine, type Position } from './position.js';

/**
 * File timestamps come from the kernel's coarse clock (a tick behind Date.now()), and some file systems
 * keep whole seconds: a generation modified this close before `seenAt` is read too (a repeat at worst).
 */
export const SEEN_AT_SLACK_MS = 2000;

export interface Queued {
  gen: Generation;
  pos: Position;
  /** The name lines say they came from (the followed path for a live file renamed away). */
  readFrom: string;
  /** The live file, renamed away: complete at its rename (no copy in progress). */
  renamedLive?: boolean;
}

/**
 * A rotated plain file whose last line has no newline and that changed this recently may still be
 * being written: copytruncate's copy in progress (its end is not a line end), so that line waits.
 */
const SETTLE_MS = 1000;

export class CatchUp {
  private items: Queued[] = [];

  constructor(
    private readonly path: string,
    /** A whole poll's budget: only a line longer than that is delivered cut. */
    private readonly maxReadBytes: number,
    /** Called with the end of each generation left after a line was read from it. */
    private readonly finished: (end: Position) => void,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Where reading stands in the generation being read, if any. */
  get current(): Position | undefined {
    return this.items[0]?.pos;
  }

  /** Queues a generation to read from `pos` (one found by content, or a live file renamed away). */
  push(q: Queued): void {
    this.items.push(q);
  }

  /** Queues `g` from its start, unless it is a plain file queued already (same inode, held open). */
  add(g: Generation): void {
    const held = this.items.some((q) => !q.gen.gz && !g.gz && q.gen.dev === g.dev && q.gen.ino === g.ino);
    if (held) g.close();
    else this.items.push({ gen: g, pos: freshPosition(g.dev, g.ino), readFrom: g.name });
  }

  /** Queues gens[i-1] .. gens[0] (newer than gens[i]: the list is newest first); closes the rest. */
  addNewer(gens: Generation[], i: number, keep?: Generation): void {
    for (let j = gens.length - 1; j >= i; j--) if (gens[j] !== keep) gens[j]!.close();
    for (let j = i - 1; j >= 0; j--) this.add(gens[j]!);
  }

  /** Queues, oldest first, the generations modified since `seenAt` (less the clock slack). */
  addSince(seenAt: number, gens: Generation[], notes: string[], why: string): void {
    for (let j = gens.length - 1; j >= 0; j--) {
      const g = gens[j]!;
      if (g.mtimeMs < seenAt - SEEN_AT_SLACK_MS) {
        g.close();
        continue;
      }
      notes.push(`${this.path}: catching up from ${g.name} (${why})`);
      this.add(g);
    }
  }

  /**
   * The live file `held` was renamed away and is queued last (read to its end through our fd): queue
   * the generations rotated in after it. They are found after it among the rotated names (newest
   * first), by its inode, or by its first line once gzip'd. An EMPTY one names nothing, so the anchor
   * is an older generation (queued, or `lastGood`, the last a line came from); failing all, every
   * generation modified since `held` was opened (a repeat at worst).
   */
  addNewerThan(
    held: Queued,
    gens: Generation[],
    lastGood: Position | undefined,
    notes: string[],
    why: string,
  ): void {
    let i = -1;
    for (const a of [...this.items].reverse().map((q) => q.gen)) {
      i = gens.findIndex((g) => !g.gz && !a.gz && g.dev === a.dev && g.ino === a.ino);
      const head = i < 0 ? a.firstLineHash() : '';
      if (head) i = gens.findIndex((g) => g.firstLineHash() === head);
      if (i >= 0) break;
    }
    if (i < 0 && lastGood) i = gens.findIndex((g) => g.holds(lastGood));
    if (i >= 0) {
      if (i > 0) notes.push(`${this.path}: ${i} newer rotated file(s) ${why}`);
      this.addNewer(gens, i);
    } else if (held.pos.seenAt !== undefined && held.gen.firstLineHash() === '') {
      this.addSince(held.pos.seenAt, gens, notes, `${why}, after an empty file`);
    } else {
      closeAll(gens);
    }
  }

  /**
   * Queues the generations newer than the one `last` ended in (found by content); without it, those
   * modified since `seenAt`. Returns how many were queued.
   */
  addNewerThanEnd(
    gens: Generation[],
    last: Position | undefined,
    seenAt: number | undefined,
    notes: string[],
  ): number {
    const i = last ? gens.findIndex((g) => g.holds(last)) : -1;
    const before = this.items.length;
    if (i >= 0) this.addNewer(gens, i);
    else if (seenAt !== undefined)
      this.addSince(seenAt, gens, notes, 'rotated while the live file looked empty');
    else closeAll(gens);
    const added = this.items.length - before;
    if (added > 0)
      notes.push(
        `${this.path}: ${added} rotated file(s) newer than the last read, made while the live file looked empty`,
      );
    return added;
  }

  /** Reads the queued generations in order, at most `budget` bytes; returns the bytes used. */
  drain(path: string, out: FollowedLine[], notes: string[], budget: number): number {
    let used = 0;
    while (this.items.length > 0 && used < budget) {
      const q = this.items[0]!;
      const max = budget - used;
      let piece;
      try {
        piece = q.gen.read(q.pos.offset, max);
      } catch (err) {
        notes.push(`${path}: ${q.gen.name}: ${(err as Error).message}; skipped`);
        this.finishFirst();
        continue;
      }
      // A line longer than a whole poll's budget would stall forever: deliver it cut.
      const cut = !piece.eof && max === this.maxReadBytes && piece.data.indexOf(NL) < 0;
      // At the end of a rotated file its last line may lack a newline: it gets none now. Not so for a
      // `.gz` cut short: its last bytes are a torn line, also in the plain file being compressed.
      // A plain one still being written (a copy in progress) ends mid-line: that line waits.
      const unsettled =
        piece.eof &&
        !q.renamedLive &&
        piece.data.length > 0 &&
        piece.data[piece.data.length - 1] !== NL &&
        q.gen.changedWithin(SETTLE_MS);
      const flush = (piece.eof && q.gen.whole && !unsettled) || cut;
      const n = takeLines(piece.data, q.pos, path, q.readFrom, out, flush);
      used += n;
      if (unsettled) break; // the rest of that line is read by a later poll
      if (piece.eof && (n === piece.data.length || !q.gen.whole)) {
        if (!q.gen.whole)
          notes.push(`${path}: ${q.gen.name}: ${q.gen.error ?? 'cut short'}; read to offset ${q.pos.offset}`);
        this.finishFirst();
      } else if (n === 0) {
        break; // the next line does not fit this poll's budget
      }
    }
    return used;
  }

  close(): void {
    closeAll(this.items.map((q) => q.gen));
    this.items = [];
  }

  private finishFirst(): void {
    const q = this.items.shift();
    if (!q) return;
    q.gen.close();
    if (q.pos.offset > 0) this.finished(q.pos);
  }
}
