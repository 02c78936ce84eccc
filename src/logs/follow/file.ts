/**
 * Follows one log file through rename rotation, copytruncate, `.1`/`.gz` catch-up after downtime and a
 * file that appears later. A poll model (the caller calls `poll()` on a timer) rather than fs.watch:
 * inotify watches the inode, not the name, and misses renames done while we are down; polling the name
 * with fstat/stat is what `tail -F` (coreutils tail.c, --follow=name with ---disable-inotify) does.
 *
 * Identity: a file generation is named by its first line's hash, so a line keeps its id when the file
 * is renamed, copied (copytruncate) or gzip'd. `lineId` = followed path + generation + byte offset.
 * Only complete lines (ending in \n) are delivered; a torn last line waits for its newline.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { FileCheckpoint } from './checkpoint.js';

export interface FollowedLine {
  /** Stable across restarts and rotation: the receiver dedups on it. */
  id: string;
  /** The followed (configured) path, not the rotated name it was read from. */
  file: string;
  /** 1-based line number within the generation. */
  line: number;
  text: string;
  /** The name it was actually read from (e.g. `syslog.1.gz` during catch-up). */
  readFrom: string;
}

export interface FileFollowerOptions {
  path: string;
  checkpoint?: FileCheckpoint;
  /** First start (no checkpoint) on an existing file: begin at its end, like `tail -F`. Default true. */
  startAtEnd?: boolean;
  /** Bytes read per poll from the live file; bounds memory and a poll's duration. */
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

export function defaultRotatedNames(path: string): string[] {
  const out = [`${path}.0`];
  for (let i = 1; i <= 5; i++) out.push(`${path}.${i}`, `${path}.${i}.gz`);
  return out;
}

export function sha1(buf: Uint8Array): string {
  return createHash('sha1').update(buf).digest('hex');
}

export function lineId(path: string, firstLineHash: string, offset: number): string {
  return `${path}#${firstLineHash.slice(0, 12)}@${offset}`;
}

interface Position {
  dev: number;
  ino: number;
  offset: number;
  line: number;
  lastLineHash: string;
  lastLineLen: number;
  firstLineHash: string;
  /** See FileCheckpoint.seenAt: set while the position is at offset 0 of a generation. */
  seenAt?: number;
}

/**
 * File timestamps come from the kernel's coarse clock (a tick behind Date.now()), and some file systems
 * keep whole seconds: a generation modified this close before `seenAt` is read too (a repeat at worst).
 */
const SEEN_AT_SLACK_MS = 2000;

const NL = 0x0a;

/** Splits complete lines out of `buf` (which starts at `pos.offset`), advancing `pos`. Returns bytes used. */
function takeLines(
  buf: Buffer,
  pos: Position,
  path: string,
  readFrom: string,
  out: FollowedLine[],
  flushTail = false,
): number {
  let start = 0;
  let lastStart = -1;
  let lastEnd = -1;
  for (;;) {
    let nl = buf.indexOf(NL, start);
    if (nl < 0) {
      if (!flushTail || start >= buf.length) break;
      nl = buf.length; // a rotated-away file's last line that never got its newline
    }
    const bytes = buf.subarray(start, nl);
    const lineStart = pos.offset + start;
    // Only two hashes matter: the generation's first line (names it) and the batch's last line (the
    // checkpoint). Hashing every line made the follower 10x slower than tail; see the end of the loop.
    if (lineStart === 0) pos.firstLineHash = sha1(bytes);
    pos.line++;
    lastStart = start;
    lastEnd = nl;
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    out.push({ id: lineId(path, pos.firstLineHash, lineStart), file: path, line: pos.line, text, readFrom });
    start = Math.min(nl + 1, buf.length);
  }
  if (lastStart >= 0) {
    pos.lastLineHash = sha1(buf.subarray(lastStart, lastEnd));
    pos.lastLineLen = lastEnd - lastStart;
  }
  pos.offset += start;
  return start;
}

function readWhole(name: string): Buffer {
  const raw = readFileSync(name);
  return name.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/** A candidate that vanished or is half-written (logrotate compresses in place) is no match. */
function readCandidate(name: string): Buffer | undefined {
  try {
    return readWhole(name);
  } catch {
    return undefined;
  }
}

/** Does `content` hold the checkpointed generation, read up to exactly `ck.offset`? */
function contentMatches(content: Buffer, ck: FileCheckpoint): boolean {
  if (ck.offset === 0 || content.length < ck.offset) return false;
  if (content[ck.offset - 1] !== NL) return false;
  const lineStart = ck.offset - 1 - ck.lastLineLen;
  if (lineStart < 0 || (lineStart > 0 && content[lineStart - 1] !== NL)) return false;
  if (sha1(content.subarray(lineStart, ck.offset - 1)) !== ck.lastLineHash) return false;
  const firstNl = content.indexOf(NL);
  return firstNl >= 0 && sha1(content.subarray(0, firstNl)) === ck.firstLineHash;
}

interface FileStat {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

function statOrUndefined(name: string): FileStat | undefined {
  try {
    const st = statSync(name);
    return st.isFile() ? { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

export class FileFollower {
  readonly path: string;
  private fd: number | undefined;
  private pos: Position | undefined;
  private started = false;
  private lastGood: Position | undefined;
  private readonly maxReadBytes: number;
  private readonly rotated: (p: string) => string[];

  constructor(private readonly opts: FileFollowerOptions) {
    this.path = opts.path;
    this.maxReadBytes = opts.maxReadBytes ?? 1 << 20;
    this.rotated = opts.rotatedNames ?? defaultRotatedNames;
  }

  /** Reads everything new since the last poll (bounded by maxReadBytes from the live file). */
  poll(): PollResult {
    const out: FollowedLine[] = [];
    const notes: string[] = [];
    if (!this.started) {
      this.start(out, notes); // throws leave `started` false: the next poll retries the catch-up
      this.started = true;
    } else if (this.fd === undefined) {
      this.openLive(0);
    }
    // Rotation first: a truncated file that regrew past our offset must not be read from that offset.
    if (this.fd !== undefined) this.checkRotation(out, notes);
    if (this.fd !== undefined) this.readLive(out);
    return { lines: out, checkpoint: this.checkpoint(), notes };
  }

  /**
   * An offset-0 position names no generation (no line to hash), so a restart could not tell the new
   * live file from the copy copytruncate made of it, and would skip the copy. Until a line of the new
   * generation is delivered, the checkpoint stays at the end of the previous one: a restart then finds
   * that one by hash and reads every newer generation in full. With no previous one (the first
   * file seen was empty) the checkpoint carries `seenAt` instead; see `start`.
   */
  checkpoint(): FileCheckpoint | undefined {
    if (this.pos && this.pos.offset > 0) this.lastGood = { ...this.pos };
    const p = this.pos && this.pos.offset === 0 && this.lastGood ? this.lastGood : this.pos;
    if (!p) return undefined;
    const { seenAt, ...ck } = p; // a copy; the time matters only while no line names the generation
    return p.offset === 0 && seenAt !== undefined ? { ...ck, seenAt } : ck;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private start(out: FollowedLine[], notes: string[]): void {
    const ck = this.opts.checkpoint;
    const st = statOrUndefined(this.path);
    if (!ck) {
      if (st && (this.opts.startAtEnd ?? true)) this.openAtEnd();
      else if (st) this.openLive(0);
      return;
    }
    if (ck.offset === 0 && ck.seenAt !== undefined) {
      // No line names this generation, and its inode number alone proves nothing: once a rotated
      // file is deleted (gzip'd) the number is free, and the copy copytruncate makes or the next live
      // file may get it. Even the same live file may have been copytruncated, its lines now only in
      // the copy. So read every rotated generation modified since it was seen empty, oldest first,
      // then the live file from its start: nothing lost; an old generation touched since (a late
      // write before the daemon's HUP, a compressor that does not keep mtime) repeats, same ids.
      this.openLive(0);
      const since = ck.seenAt - SEEN_AT_SLACK_MS;
      const gens = this.snapshotRotated((g) => g.mtimeMs >= since);
      for (let j = gens.length - 1; j >= 0; j--) {
        this.emitRest(gens[j]!.content, freshPosition(), gens[j]!.name, out, true);
        notes.push(`${this.path}: caught up from ${gens[j]!.name} (modified since an empty-file checkpoint)`);
      }
      return;
    }
    if (st && st.dev === ck.dev && st.ino === ck.ino && st.size >= ck.offset) {
      const fd = openSync(this.path, 'r');
      if (ck.offset === 0 || this.liveMatches(fd, ck)) {
        if (ck.offset > 0) this.lastGood = { ...ck };
        this.fd = fd;
        this.pos = { ...ck };
        return;
      }
      closeSync(fd);
    }
    // The checkpointed generation is no longer at `path`: open the live file first (so a rotation
    // during the catch-up cannot make it vanish unseen), then find ours among the rotated names.
    this.openLive(0);
    const gens = this.snapshotRotated();
    if (this.catchUp(ck, out, notes, 'after rotation while stopped', gens)) return;
    // Ours was rotated out of existence (deleted by retention) while we were stopped: its unread
    // rest is gone, but every generation still here is newer than it (logrotate deletes the oldest
    // first), so read them all, oldest first, before the live file — reading only the live file
    // would lose those too.
    for (let j = gens.length - 1; j >= 0; j--)
      this.emitRest(gens[j]!.content, freshPosition(), gens[j]!.name, out, true);
    notes.push(
      `${this.path}: checkpointed file (inode ${ck.ino}, offset ${ck.offset}) not found among rotated files ` +
        `(deleted by rotation while stopped: its unread lines are lost); read ${gens.length} newer rotated file(s) and the live file from the start`,
    );
  }

  /**
   * Finds the generation `ck` points into among the rotated names (by inode for an offset-0 plain file,
   * else by the hash of its last delivered line and first line, which survive copy and gzip), emits
   * its unread rest, then every newer rotated generation in full, oldest first. A generation that is
   * both emitted here and read live (renamed in between) repeats with the same ids: dedup, not loss.
   */
  private catchUp(
    ck: Position | FileCheckpoint,
    out: FollowedLine[],
    notes: string[],
    why: string,
    gens = this.snapshotRotated(),
  ): boolean {
    for (let i = 0; i < gens.length; i++) {
      const g = gens[i]!;
      const byInode = !g.name.endsWith('.gz') && g.dev === ck.dev && g.ino === ck.ino && ck.offset === 0;
      if (!byInode && !contentMatches(g.content, ck)) continue;
      this.emitRest(g.content, { ...ck }, g.name, out, true);
      notes.push(`${this.path}: caught up from ${g.name} ${why}`);
      for (let j = i - 1; j >= 0; j--)
        this.emitRest(gens[j]!.content, freshPosition(), gens[j]!.name, out, true);
      return true;
    }
    return false;
  }

  /**
   * Reads every rotated generation, newest first, as one consistent snapshot: logrotate renames them
   * one by one (.4 -> .5, .3 -> .4, ...), and a catch-up that read names across such a shift could
   * take one generation for another and skip one. The name -> inode list is compared before and after
   * the reads; a change means a rotation ran meanwhile, so the snapshot is taken again (bounded).
   */
  private snapshotRotated(
    keep: (st: FileStat) => boolean = () => true,
  ): Array<{ name: string; dev: number; ino: number; content: Buffer }> {
    const names = this.rotated(this.path);
    const layout = (): string => names.map((n) => `${n}:${statOrUndefined(n)?.ino ?? '-'}`).join('|');
    let gens: Array<{ name: string; dev: number; ino: number; content: Buffer }> = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = layout();
      gens = [];
      for (const name of names) {
        const st = statOrUndefined(name);
        const content = st && keep(st) ? readCandidate(name) : undefined;
        if (st && content) gens.push({ name, dev: st.dev, ino: st.ino, content });
      }
      if (layout() === before) break;
    }
    return gens;
  }

  private emitRest(content: Buffer, pos: Position, name: string, out: FollowedLine[], flush: boolean): void {
    takeLines(content.subarray(pos.offset), pos, this.path, name, out, flush);
  }

  private openAtEnd(): void {
    const seenAt = Date.now(); // before the open: any line written after the fstat is newer
    const fd = openSync(this.path, 'r');
    const st = fstatSync(fd);
    const pos = freshPosition(st.dev, st.ino);
    pos.seenAt = seenAt;
    // First line names the generation; the last complete line is where we begin.
    const head = Buffer.alloc(Math.min(st.size, 65536));
    readSync(fd, head, 0, head.length, 0);
    const firstNl = head.indexOf(NL);
    if (firstNl >= 0) {
      const tailLen = Math.min(st.size, 65536);
      const tail = Buffer.alloc(tailLen);
      readSync(fd, tail, 0, tailLen, st.size - tailLen);
      const lastNl = tail.lastIndexOf(NL);
      const prevNl = tail.lastIndexOf(NL, lastNl - 1);
      const last = tail.subarray(prevNl + 1, lastNl);
      pos.firstLineHash = sha1(head.subarray(0, firstNl));
      pos.offset = st.size - tailLen + lastNl + 1;
      pos.lastLineHash = sha1(last);
      pos.lastLineLen = last.length;
      // Line numbers of a file joined mid-way count from the join point (the head was never read).
    }
    this.fd = fd;
    this.pos = pos;
  }

  private openLive(offset: number): void {
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
    this.pos.offset = offset;
    this.pos.seenAt = seenAt;
  }

  /** pread the checkpointed last line in the live file: same bytes means no truncation happened. */
  private liveMatches(fd: number, ck: Position | FileCheckpoint): boolean {
    if (ck.offset === 0) return true;
    const len = ck.lastLineLen + 1;
    const start = ck.offset - len;
    if (start < 0) return false;
    const buf = Buffer.alloc(len + (start > 0 ? 1 : 0));
    const at = start > 0 ? start - 1 : 0;
    if (readSync(fd, buf, 0, buf.length, at) !== buf.length) return false;
    if (start > 0 && buf[0] !== NL) return false;
    const line = buf.subarray(start > 0 ? 1 : 0, buf.length - 1);
    return buf[buf.length - 1] === NL && sha1(line) === ck.lastLineHash;
  }

  private readLive(out: FollowedLine[]): number {
    if (this.fd === undefined || !this.pos) return 0;
    const buf = readBuffer(this.maxReadBytes);
    const n = readSync(this.fd, buf, 0, buf.length, this.pos.offset);
    if (n <= 0) return 0;
    const data = buf.subarray(0, n);
    // A single line longer than the whole buffer would stall forever: deliver it cut.
    const used = takeLines(
      data,
      this.pos,
      this.path,
      this.path,
      out,
      n === buf.length && data.indexOf(NL) < 0,
    );
    return used;
  }

  /** Switches to the new generation when the live name was renamed away or truncated. */
  private checkRotation(out: FollowedLine[], notes: string[]): boolean {
    if (this.fd === undefined || !this.pos) return false;
    const st = statOrUndefined(this.path);
    const pos = this.pos;
    if (st && (st.dev !== pos.dev || st.ino !== pos.ino)) {
      // Renamed away: drain the old generation (including an unterminated last line) then switch.
      const rest = this.readRest(this.fd, pos.offset);
      takeLines(rest, pos, this.path, this.path, out, true);
      closeSync(this.fd);
      this.fd = undefined;
      notes.push(`${this.path}: rotated (rename)`);
      // Rotated more than once between polls (a slow poll)? Newer generations sit between ours and
      // the live name: find ours (now drained to its end) and read those in full.
      this.openLive(0);
      if (pos.offset > 0) this.catchUp(pos, out, notes, 'after a fast double rotation');
      return true;
    }
    if (st && (st.size < pos.offset || !this.liveMatches(this.fd, pos))) {
      // copytruncate: the tail we had not read yet is only in the copy (logrotate names it .1), and
      // a slow poll may find more generations after it. Reopen the live name first, then catch up.
      closeSync(this.fd);
      this.fd = undefined;
      this.openLive(0);
      if (!this.catchUp(pos, out, notes, 'after copytruncate'))
        notes.push(
          `${this.path}: truncated and no rotated copy holds offset ${pos.offset}; unread lines may be lost`,
        );
      notes.push(`${this.path}: truncated (copytruncate)`);
      return true;
    }
    return false;
  }

  private readRest(fd: number, offset: number): Buffer {
    const size = fstatSync(fd).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n);
  }
}

/**
 * One read buffer for every follower (polls are synchronous, and takeLines copies what it keeps into
 * strings): a fresh zero-filled 1 MB Buffer per poll was 4 MB/s of garbage per followed file at the
 * agent's 250 ms poll, most of the agent's idle memory growth and a share of its idle CPU.
 */
let shared: Buffer | undefined;
function readBuffer(size: number): Buffer {
  if (!shared || shared.length < size) shared = Buffer.allocUnsafe(size);
  return shared.length === size ? shared : shared.subarray(0, size);
}

function freshPosition(dev = 0, ino = 0): Position {
  return { dev, ino, offset: 0, line: 0, lastLineHash: '', lastLineLen: 0, firstLineHash: '' };
}
