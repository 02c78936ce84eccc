/**
 * Where reading stands in one file generation, and the line splitting that advances it. Shared by the
 * live-file reader and the rotated-generation catch-up (file.ts, generation.ts).
 */
import { createHash } from 'node:crypto';
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

/** A position is what a checkpoint saves (one shape: the follower saves its positions as they are). */
export type Position = FileCheckpoint;

export const NL = 0x0a;

/** How far a generation's head or a file's tail is searched for a newline (first line, mark). */
export const PROBE_BYTES = 65536;

export function sha1(buf: Uint8Array): string {
  return createHash('sha1').update(buf).digest('hex');
}

export function lineId(path: string, firstLineHash: string, offset: number): string {
  return `${path}#${firstLineHash.slice(0, 12)}@${offset}`;
}

export function freshPosition(dev = 0, ino = 0): Position {
  return { dev, ino, offset: 0, line: 0, lastLineHash: '', lastLineLen: 0, firstLineHash: '' };
}

/** Splits complete lines out of `buf` (which starts at `pos.offset`), advancing `pos`. Returns bytes used. */
export function takeLines(
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

/**
 * Do these bytes, read at `at` (the position's last line, its newline, and the byte before it), end
 * exactly at the position's last delivered line? `read(at, len)` returns what is there.
 */
export function endsAt(pos: Position, read: (at: number, len: number) => Buffer): boolean {
  if (pos.offset === 0) return true;
  const len = pos.lastLineLen + 1;
  const start = pos.offset - len;
  if (start < 0) return false;
  const at = start > 0 ? start - 1 : 0;
  const buf = read(at, len + (start > 0 ? 1 : 0));
  if (buf.length !== len + (start > 0 ? 1 : 0)) return false;
  if (start > 0 && buf[0] !== NL) return false;
  const line = buf.subarray(start > 0 ? 1 : 0, buf.length - 1);
  return buf[buf.length - 1] === NL && sha1(line) === pos.lastLineHash;
}

/** The hash of the first line in `head` (a generation's first bytes), or '' if none ends in it. */
export function firstLineHashOf(head: Buffer): string {
  const nl = head.indexOf(NL);
  return nl >= 0 ? sha1(head.subarray(0, nl)) : '';
}

export function withoutSeenAt(p: Position | FileCheckpoint): Position {
  const { seenAt: _seenAt, ...rest } = p;
  return rest;
}
