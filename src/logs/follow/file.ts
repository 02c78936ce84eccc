/**
 * Follows one log file through rename rotation, copytruncate, `.1`/`.gz` catch-up after downtime and a
 * file that appears later. A poll model (the caller calls `poll()` on a timer) rather than fs.watch:
 * inotify watches the inode, not the name, and misses renames done while we are down; polling the name
 * with fstat/stat is what `tail -F` (coreutils tail.c, --follow=name with ---disable-inotify) does.
 *
 * Identity: a file generation is named by its first line's hash, so a line keeps its id when the file
 * is renamed, copied (copytruncate) or gzip'd. `lineId` = followed path + generation + byte offset.
 * Only complete lines (ending in \n) are delivered; a torn last line waits for its newline.
 *
 * Catch-up: generations older than the live file that are still to read (after downtime, or after
 * rotations between two polls) wait in a queue, oldest first, each held open by fd (generation.ts),
 * and are read a bounded piece per poll (`maxReadBytes` for the whole poll) before the live file.
 * The checkpoint always names the generation being read and the offset in it, so a kill at any poll
 * resumes there: the restart finds that generation again by content (`Generation.holds`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileCheckpoint } from './checkpoint.js';
import { CatchUp, type Queued } from './catchup.js';
import {
  closeAll,
  defaultRotatedNames,
  markOf,
  openRotated,
  pread,
  readBuffer,
  statOrUndefined,
  wrapFd,
  type Generation,
} from './generation.js';
import {
  endsAt,
  firstLineHashOf,
  freshPosition,
  NL,
  PROBE_BYTES,
  takeLines,
  withoutSeenAt,
  type FollowedLine,
  type Position,
} from './position.js';

export { lineId, sha1, type FollowedLine } from './position.js';
export { defaultRotatedNames } from './generation.js';

export interface FileFollowerOptions {
  path: string;
  checkpoint?: FileCheckpoint;
  /** First start (no checkpoint) on an existing file: begin at its end, like `tail -F`. Default true. */
  startAtEnd?: boolean;
  /** Bytes read per poll, rotated catch-up and live file together; bounds memory and a poll's duration. */
  maxReadBytes?: number;
  /** Rotated names to search, newest first. Default: logrotate/newsyslog names .0, .1, .1.gz ... .5.gz */
  rotatedNames?: (path: string) => string[];
}

export interface PollResult {
  lines: FollowedLine[];
  /** Where reading stands after these lines; save it only once the lines are stored. */
  checkpoint: FileCheckpoint | undefined;
  /** Things an operator should know (rotation seen, data that could not be recovered). */
  notes: string[];
}

export class FileFollower {
  readonly path: string;
  private fd: number | undefined;
  private pos: Position | undefined;
  private started = false;
  /** The end of the last generation a line was delivered from: the checkpoint while at an offset 0. */
  private lastGood: Position | undefined;
  /** Older generations still to read; the live file waits (at offset 0) until it is empty. */
  private readonly queue: CatchUp;
  /** While nothing was read from the live file: its last complete line when last seen (see `checkRotation`). */
  private mark: Position | undefined;
  /** The live file's mtime while it was seen empty (a write-then-copytruncate changes it). */
  private emptyMtimeMs: number | undefined;
  /** A seenAt checkpoint's time, kept until a line delivered in the catch-up names a generation. */
  private floorSeenAt: number | undefined;
  private readonly maxReadBytes: number;
  private readonly rotated: (p: string) => string[];

  constructor(private readonly opts: FileFollowerOptions) {
    this.path = opts.path;
    this.maxReadBytes = opts.maxReadBytes ?? 1 << 20;
    this.rotated = opts.rotatedNames ?? defaultRotatedNames;
    this.queue = new CatchUp(this.path, this.maxReadBytes, (end) => (this.lastGood = withoutSeenAt(end)));
  }

  /** Reads what is new since the last poll, at most `maxReadBytes` (plus one over-long line). */
  poll(): PollResult {
    const out: FollowedLine[] = [];
    const notes: string[] = [];
    let budget = this.maxReadBytes;
    if (!this.started) {
      try {
        this.start(notes);
      } catch (err) {
        this.close(); // the next poll retries the catch-up from the checkpoint
        throw err;
      }
      this.started = true;
    } else if (this.fd === undefined) {
      this.openLive();
    }
    // Rotation first: a truncated file that regrew past our offset must not be read from that offset.
    // Older generations (the queue) are read before the live file.
    for (let round = 0; round < 4 && budget > 0; round++) {
      if (this.checkRotation(notes)) continue;
      if (this.queue.length > 0) {
        budget -= this.queue.drain(this.path, out, notes, budget);
        if (this.queue.length > 0) break;
        continue;
      }
      if (this.fd !== undefined) this.readLive(out, budget);
      break;
    }
    return { lines: out, checkpoint: this.checkpoint(), notes };
  }

  /**
   * The generation being read and the offset in it. An offset-0 position names no generation (no line
   * to hash), so a restart could not tell the new live file from the copy copytruncate made of it, and
   * would skip the copy. Until a line of the new generation is delivered, the checkpoint stays at the
   * end of the previous one: a restart then finds that one by hash and reads every newer generation in
   * full. With no previous one (the first file seen was empty) it carries `seenAt`; see `start`.
   */
  checkpoint(): FileCheckpoint | undefined {
    const cur = this.queue.current ?? this.pos;
    if (cur && cur.offset > 0) this.lastGood = withoutSeenAt(cur);
    const p = (!cur || cur.offset === 0) && this.lastGood ? this.lastGood : cur;
    if (!p) return undefined;
    const ck = withoutSeenAt(p);
    if (p.offset !== 0) return ck;
    const seenAt = Math.min(p.seenAt ?? Infinity, this.floorSeenAt ?? Infinity);
    return Number.isFinite(seenAt) ? { ...ck, seenAt } : ck;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.queue.close();
  }

  private start(notes: string[]): void {
    const ck = this.opts.checkpoint;
    const st = statOrUndefined(this.path);
    if (!ck) {
      if (st && (this.opts.startAtEnd ?? true)) this.openAtEnd();
      else if (st) this.openLive();
      return;
    }
    if (ck.offset > 0) this.lastGood = withoutSeenAt(ck);
    if (ck.offset === 0 && ck.seenAt !== undefined) {
      // No line names this generation, and its inode number alone proves nothing: once a rotated
      // file is deleted (gzip'd) the number is free, and the copy copytruncate makes or the next live
      // file may get it. Even the same live file may have been copytruncated, its lines now only in
      // the copy. So read every rotated generation modified since it was seen empty, oldest first,
      // then the live file from its start: nothing lost; an old generation touched since (a late
      // write before the daemon's HUP, a compressor that does not keep mtime) repeats, same ids.
      this.floorSeenAt = ck.seenAt;
      this.openLive();
      this.queue.addSince(ck.seenAt, this.openRotated(), notes, 'modified since an empty-file checkpoint');
      return;
    }
    if (st && st.dev === ck.dev && st.ino === ck.ino && st.size >= ck.offset) {
      const fd = openSync(this.path, 'r');
      if (ck.offset === 0 || (this.liveMatches(fd, ck) && this.headMatches(fd, ck))) {
        this.fd = fd;
        this.pos = { ...ck };
        return;
      }
      closeSync(fd);
    }
    // The checkpointed generation is no longer at `path`: open the live file first (so a rotation
    // during the catch-up cannot make it vanish unseen), then find ours among the rotated names.
    this.openLive();
    const gens = this.openRotated();
    const i =
      ck.offset === 0
        ? gens.findIndex((g) => !g.gz && g.dev === ck.dev && g.ino === ck.ino) // legacy, no seenAt
        : gens.findIndex((g) => g.holds(ck));
    if (i >= 0) {
      const g = gens[i]!;
      this.queue.push({ gen: g, pos: { ...withoutSeenAt(ck), dev: g.dev, ino: g.ino }, readFrom: g.name });
      notes.push(`${this.path}: catching up from ${g.name} after rotation while stopped`);
      this.queue.addNewer(gens, i, g);
      return;
    }
    // Ours was rotated out of existence (deleted by retention) while we were stopped: its unread
    // rest is gone, but every generation still here is newer than it (logrotate deletes the oldest
    // first), so read them all, oldest first, before the live file — reading only the live file
    // would lose those too.
    this.queue.addNewer(gens, gens.length);
    notes.push(
      `${this.path}: checkpointed file (inode ${ck.ino}, offset ${ck.offset}) not found among rotated files ` +
        `(deleted by rotation while stopped: its unread lines are lost); read ${gens.length} newer rotated file(s) and the live file from the start`,
    );
  }

  /** The rotated generations, newest first, without the live file we hold (renamed since we opened it). */
  private openRotated(): Generation[] {
    return openRotated(this.rotated(this.path), this.pos && { dev: this.pos.dev, ino: this.pos.ino });
  }

  private openAtEnd(): void {
    const seenAt = Date.now(); // before the open: any line written after the fstat is newer
    const fd = openSync(this.path, 'r');
    const pos = markOf(fd); // the last complete line is where we begin
    // Line numbers of a file joined mid-way count from the join point (the head was never read).
    pos.seenAt = seenAt;
    this.fd = fd;
    this.pos = pos;
  }

  private openLive(): void {
    const seenAt = Date.now();
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return; // not there (yet): a file that appears later is read from its start
    }
    const st = fstatSync(fd);
    this.fd = fd;
    this.pos = freshPosition(st.dev, st.ino);
    this.pos.seenAt = seenAt;
    this.mark = markOf(fd);
    this.emptyMtimeMs = st.size === 0 ? st.mtimeMs : undefined;
  }

  /** pread the checkpointed last line in the live file: same bytes means no truncation happened. */
  private liveMatches(fd: number, pos: Position | FileCheckpoint): boolean {
    return endsAt(pos, (at, len) => pread(fd, at, len));
  }

  /** The same first line too (a restart only: the inode number may be another file's by now). */
  private headMatches(fd: number, ck: FileCheckpoint): boolean {
    return !ck.firstLineHash || firstLineHashOf(pread(fd, 0, PROBE_BYTES)) === ck.firstLineHash;
  }

  private readLive(out: FollowedLine[], budget: number): number {
    if (this.fd === undefined || !this.pos) return 0;
    const buf = readBuffer(budget);
    const n = readSync(this.fd, buf, 0, buf.length, this.pos.offset);
    if (n <= 0) return 0;
    const data = buf.subarray(0, n);
    // A single line longer than the whole buffer would stall forever: deliver it cut.
    const cut = budget === this.maxReadBytes && n === buf.length && data.indexOf(NL) < 0;
    return takeLines(data, this.pos, this.path, this.path, out, cut);
  }

  /**
   * Rotation of the live file, checked on the fd we hold first (the name may be missing for a moment,
   * or already name the next file): a copytruncate shows as the last line known in it (`pos`, or the
   * mark while none was read from it: the catch-up queue goes first) no longer being there; a rename as
   * another file at the name. Either way the older generations are queued before the new live file.
   */
  private checkRotation(notes: string[]): boolean {
    if (this.fd === undefined || !this.pos) return false;
    const pos = this.pos;
    const unread = pos.offset === 0;
    const known = unread ? this.mark : pos;
    const during = this.queue.length > 0 ? ' during catch-up' : '';
    if (known && known.offset > 0 && !this.liveMatches(this.fd, known)) {
      // copytruncate (and perhaps a rename after it): what followed `known` is in the copy, made before
      // any newer generation (a slow poll may find several). Reopen the live name first, then catch up.
      closeSync(this.fd);
      this.dropLive();
      this.openLive();
      const gens = this.openRotated();
      const i = gens.findIndex((g) => g.holds(known));
      if (i >= 0) {
        const g = gens[i]!;
        if (unread) this.queue.add(g);
        else this.queue.push({ gen: g, pos: { ...pos, dev: g.dev, ino: g.ino }, readFrom: g.name });
        notes.push(`${this.path}: catching up from ${g.name} after copytruncate`);
        this.queue.addNewer(gens, i, g);
      } else {
        closeAll(gens);
        notes.push(
          `${this.path}: truncated and no rotated copy holds offset ${known.offset}; unread lines may be lost`,
        );
      }
      notes.push(`${this.path}: truncated (copytruncate)${during}`);
      return true;
    }
    const st = statOrUndefined(this.path);
    if (st && (st.dev !== pos.dev || st.ino !== pos.ino)) {
      // Renamed away: the old generation is read to its end (including an unterminated last line)
      // through the fd we hold, then any generation rotated in after it (a slow poll), then the new file.
      const held: Queued = { gen: wrapFd(this.path, this.fd), pos, readFrom: this.path, renamedLive: true };
      this.dropLive();
      this.queue.push(held);
      notes.push(`${this.path}: rotated (rename)${during}`);
      this.openLive();
      this.queue.addNewerThan(held, this.openRotated(), this.lastGood, notes, 'after a fast double rotation');
      return true;
    }
    if (st && unread && (this.mark?.offset ?? 0) === 0) {
      // Seen empty: lines since, or a change of mtime while still empty (written, then copytruncated).
      const { size, mtimeMs } = fstatSync(this.fd);
      const changed = size > 0 || (this.emptyMtimeMs !== undefined && mtimeMs !== this.emptyMtimeMs);
      this.emptyMtimeMs = mtimeMs;
      if (changed) return this.copiedWhileEmpty(notes);
    }
    if (unread) this.mark = markOf(this.fd); // its last line now, for the next poll's check
    return false;
  }

  /** Forgets the live file (its fd is closed or handed to the queue by the caller). */
  private dropLive(): void {
    this.fd = undefined;
    this.pos = undefined;
    this.mark = undefined;
    this.emptyMtimeMs = undefined;
  }

  /**
   * The live file was empty when last seen and has lines now (or a new mtime). Had it been written and
   * copytruncated in between, nothing in it would show (no line of ours to compare): its copy is a
   * rotated file newer than the last generation a line came from, queued before it is read (once: the
   * mark taken here has its first line).
   */
  private copiedWhileEmpty(notes: string[]): boolean {
    const added = this.queue.addNewerThanEnd(this.openRotated(), this.lastGood, this.pos?.seenAt, notes);
    if (this.fd !== undefined) this.mark = markOf(this.fd);
    return added > 0;
  }
}
