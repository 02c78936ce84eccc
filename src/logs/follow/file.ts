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
}

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
  for (;;) {
    let nl = buf.indexOf(NL, start);
    if (nl < 0) {
      if (!flushTail || start >= buf.length) break;
      nl = buf.length; // a rotated-away file's last line that never got its newline
    }
    const bytes = buf.subarray(start, nl);
    const hash = sha1(bytes);
    const lineStart = pos.offset + start;
    if (lineStart === 0) pos.firstLineHash = hash;
    pos.line++;
    pos.lastLineHash = hash;
    pos.lastLineLen = bytes.length;
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    out.push({ id: lineId(path, pos.firstLineHash, lineStart), file: path, line: pos.line, text, readFrom });
    start = Math.min(nl + 1, buf.length);
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

function statOrUndefined(name: string): { dev: number; ino: number; size: number } | undefined {
  try {
    const st = statSync(name);
    return st.isFile() ? { dev: st.dev, ino: st.ino, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}

export class FileFollower {
  readonly path: string;
  private fd: number | undefined;
  private pos: Position | undefined;
  private started = false;
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

  checkpoint(): FileCheckpoint | undefined {
    return this.pos ? { ...this.pos } : undefined;
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
    if (st && st.dev === ck.dev && st.ino === ck.ino && st.size >= ck.offset) {
      const fd = openSync(this.path, 'r');
      if (ck.offset === 0 || this.liveMatches(fd, ck)) {
        this.fd = fd;
        this.pos = { ...ck };
        return;
      }
      closeSync(fd);
    }
    // The checkpointed generation is no longer at `path`: find it among the rotated names.
    const names = this.rotated(this.path).filter((n) => statOrUndefined(n) !== undefined);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const s = statOrUndefined(name);
      if (!s) continue;
      if (!name.endsWith('.gz') && s.dev === ck.dev && s.ino === ck.ino && ck.offset === 0) {
        this.emitRest(readWhole(name), { ...ck }, name, out, true);
      } else {
        const content = readCandidate(name);
        if (!content || !contentMatches(content, ck)) continue;
        this.emitRest(content, { ...ck }, name, out, true);
      }
      notes.push(`${this.path}: caught up from ${name} after rotation while stopped`);
      for (let j = i - 1; j >= 0; j--) {
        const newer = names[j] as string;
        this.emitRest(readWhole(newer), freshPosition(), newer, out, true);
      }
      if (statOrUndefined(this.path)) this.openLive(0);
      return;
    }
    notes.push(
      `${this.path}: checkpointed file (inode ${ck.ino}, offset ${ck.offset}) not found among rotated files; reading from the start`,
    );
    if (st) this.openLive(0);
  }

  private emitRest(content: Buffer, pos: Position, name: string, out: FollowedLine[], flush: boolean): void {
    takeLines(content.subarray(pos.offset), pos, this.path, name, out, flush);
  }

  private openAtEnd(): void {
    const fd = openSync(this.path, 'r');
    const st = fstatSync(fd);
    const pos = freshPosition(st.dev, st.ino);
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
    const buf = Buffer.alloc(this.maxReadBytes);
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
      // Rotated twice between polls? Generations newer than ours sit between it and the live name.
      const names = this.rotated(this.path);
      const k = names.findIndex((n) => {
        const s = statOrUndefined(n);
        return s !== undefined && s.dev === pos.dev && s.ino === pos.ino;
      });
      for (let j = k - 1; j >= 0; j--) {
        const newer = names[j] as string;
        if (statOrUndefined(newer)) this.emitRest(readWhole(newer), freshPosition(), newer, out, true);
      }
      this.openLive(0);
      return true;
    }
    if (st && (st.size < pos.offset || !this.liveMatches(this.fd, pos))) {
      // copytruncate: the tail we had not read yet is only in the copy (logrotate names it .1).
      let copied = false;
      for (const n of this.rotated(this.path)) {
        const content = statOrUndefined(n) ? readCandidate(n) : undefined;
        if (!content || !contentMatches(content, pos)) continue;
        this.emitRest(content, { ...pos }, n, out, true);
        copied = true;
        break;
      }
      if (!copied)
        notes.push(
          `${this.path}: truncated and no rotated copy holds offset ${pos.offset}; unread lines may be lost`,
        );
      notes.push(`${this.path}: truncated (copytruncate)`);
      this.pos = freshPosition(st.dev, st.ino);
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

function freshPosition(dev = 0, ino = 0): Position {
  return { dev, ino, offset: 0, line: 0, lastLineHash: '', lastLineLen: 0, firstLineHash: '' };
}
