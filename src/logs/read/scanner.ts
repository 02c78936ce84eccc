/**
 * Splits one input's byte chunks into lines and keeps the records of relevant programs, with bounded
 * memory: one chunk, one capped partial line and a capped queue of untimed lines at most.
 *
 * Speed comes from not decoding what we do not analyse. Per chunk, each needle (NEEDLES) is found
 * with Buffer#indexOf (native); a line that contains none and has a timestamped shape is only counted.
 * Other lines are decoded, checked (binary, UTF-8) and parsed. Times of skipped lines are parsed
 * lazily, only when needed: the first line of a file, the last of a chunk (the time span) and the
 * line before an untimed pppd logfile line (its neighbour time).
 */
import { isUtf8 } from 'node:buffer';
import { LineParser, NEEDLES, isRelevantProgram, shapeOf } from '../formats/index.js';
import type { LineFormat, LogRecord } from '../record.js';
import type { IssueLog } from './issues.js';

export interface TimedRecord {
  rec: LogRecord;
  /** Epoch ms of rec.ts; NaN when the record has no time (sorts with its predecessor). */
  t: number;
}

export interface ScannerOptions {
  file: string;
  parser: LineParser;
  /** Time for untimed lines of a file with no timestamped line at all (its mtime). */
  mtimeMs: number | undefined;
  issues: IssueLog;
  /** Longer lines are cut to this many bytes (and reported). */
  maxLineBytes: number;
  /** Untimed lines waiting for a later timestamped line before they fall back to the mtime. */
  maxPending?: number;
}

const NEEDLE_BYTES = NEEDLES.map((n) => Buffer.from(n, 'latin1'));

/** NUL or many control characters: not a text line (a sparse file, a binary written into a log). */
function isBinary(b: Buffer, s: number, e: number): boolean {
  let ctl = 0;
  for (let k = s; k < e; k++) {
    const c = b[k] as number;
    if (c === 0) return true;
    if (c < 32 && c !== 9 && c !== 27) ctl++;
  }
  return ctl > 0 && ctl * 16 >= e - s;
}

export class LineScanner {
  lines = 0;
  bytes = 0;
  kept = 0;
  firstMs: number | undefined;
  lastMs: number | undefined;
  readonly formats = new Map<LineFormat, number>();

  private readonly o: ScannerOptions;
  private readonly maxPending: number;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private carryTotal = 0;
  private pending: TimedRecord[] = [];
  private lastTimedMs: number | undefined;
  private lastTimedLine = 0;
  private shapedStart = -1;
  private shapedEnd = -1;
  private shapedLine = 0;
  private readonly next = new Array<number>(NEEDLES.length).fill(0);

  constructor(o: ScannerOptions) {
    this.o = o;
    this.maxPending = o.maxPending ?? 10_000;
  }

  private count(f: LineFormat): void {
    this.formats.set(f, (this.formats.get(f) ?? 0) + 1);
  }

  private noteTime(t: number, line: number, out: TimedRecord[]): void {
    this.lastTimedMs = t;
    this.lastTimedLine = line;
    if (this.firstMs === undefined) this.firstMs = t;
    if (this.lastMs === undefined || t > this.lastMs) this.lastMs = t;
    if (this.pending.length) this.flushPending(t, 'neighbour', out);
  }

  private flushPending(t: number, source: 'neighbour' | 'mtime' | 'none', out: TimedRecord[]): void {
    const iso = Number.isFinite(t) ? this.o.parser.iso(t) : undefined;
    for (const p of this.pending) {
      p.rec.tsSource = source;
      if (iso !== undefined) p.rec.ts = iso;
      p.t = t;
      out.push(p);
    }
    this.pending = [];
  }

  /** Parses the time of the last skipped timestamped line of `chunk` if it is newer than what we know. */
  private resolveShaped(chunk: Buffer, out: TimedRecord[]): void {
    if (this.shapedLine <= this.lastTimedLine || this.shapedStart < 0) return;
    const t = this.o.parser.timeOf(chunk.toString('utf8', this.shapedStart, this.shapedEnd));
    const line = this.shapedLine;
    this.shapedStart = -1;
    if (t !== undefined) this.noteTime(t, line, out);
  }

  /** Decodes, checks and parses one line; keeps its record when its program is relevant. */
  private full(b: Buffer, s: number, e: number, chunk: Buffer | undefined, out: TimedRecord[]): void {
    const line = this.lines;
    if (isBinary(b, s, e)) {
      this.count('bare');
      this.o.issues.add({
        kind: 'binary',
        file: this.o.file,
        line,
        message: 'binary data, not a text line: skipped',
      });
      return;
    }
    if (!isUtf8(b.subarray(s, e))) {
      this.o.issues.add({
        kind: 'utf8',
        file: this.o.file,
        line,
        message: 'not valid UTF-8: read with U+FFFD in place of the bad bytes',
      });
    }
    const r = this.o.parser.parse(b.toString('utf8', s, e), line);
    this.count(r.rec.format);
    if (r.problem) this.o.issues.add({ kind: 'malformed', file: this.o.file, line, message: r.problem });
    if (r.tMs !== undefined) this.noteTime(r.tMs, line, out);
    const rec = r.rec;
    if (rec.format !== 'pppd-logfile' && !isRelevantProgram(rec.program)) return;
    this.kept++;
    if (r.tMs !== undefined) {
      out.push({ rec, t: r.tMs });
      return;
    }
    // An untimed line (pppd logfile): the time of the timestamped line before it, else of the next one.
    if (chunk) this.resolveShaped(chunk, out);
    if (this.lastTimedMs !== undefined) {
      rec.ts = this.o.parser.iso(this.lastTimedMs);
      rec.tsSource = 'neighbour';
      out.push({ rec, t: this.lastTimedMs });
      return;
    }
    this.pending.push({ rec, t: NaN });
    if (this.pending.length >= this.maxPending) this.flushMtime(out);
  }

  private flushMtime(out: TimedRecord[]): void {
    const m = this.o.mtimeMs;
    if (m === undefined) this.flushPending(NaN, 'none', out);
    else this.flushPending(m, 'mtime', out);
  }

  private longLine(len: number): void {
    this.o.issues.add({
      kind: 'long-line',
      file: this.o.file,
      line: this.lines,
      message: `line of ${len} bytes is longer than the ${this.o.maxLineBytes}-byte cap: read its first ${this.o.maxLineBytes} bytes`,
    });
  }

  private appendCarry(b: Buffer, s: number, e: number): void {
    this.carryTotal += e - s;
    const room = this.o.maxLineBytes - this.carryLen;
    if (room <= 0) return;
    const take = Math.min(room, e - s);
    // Copy: a view would pin the whole 1 MiB chunk in memory.
    this.carry.push(Buffer.from(b.subarray(s, s + take)));
    this.carryLen += take;
  }

  private lineFromCarry(out: TimedRecord[]): void {
    const buf = this.carry.length === 1 ? (this.carry[0] as Buffer) : Buffer.concat(this.carry);
    const total = this.carryTotal;
    this.carry = [];
    this.carryLen = 0;
    this.carryTotal = 0;
    this.lines++;
    let e = buf.length;
    if (e > 0 && buf[e - 1] === 13) e--;
    if (total > this.o.maxLineBytes) this.longLine(total);
    this.full(buf, 0, e, undefined, out);
  }

  push(chunk: Buffer): TimedRecord[] {
    const out: TimedRecord[] = [];
    this.bytes += chunk.length;
    let pos = 0;
    if (this.carryTotal > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.appendCarry(chunk, 0, chunk.length);
        return out;
      }
      this.appendCarry(chunk, 0, nl);
      this.lineFromCarry(out);
      pos = nl + 1;
    }
    const next = this.next;
    let hit = Infinity;
    for (let k = 0; k < next.length; k++) {
      const p = chunk.indexOf(NEEDLE_BYTES[k] as Buffer, pos);
      next[k] = p < 0 ? Infinity : p;
      if (next[k]! < hit) hit = next[k]!;
    }
    const max = this.o.maxLineBytes;
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      this.lines++;
      let end = nl;
      if (end > pos && chunk[end - 1] === 13) end--;
      if (end - pos > max) {
        this.longLine(end - pos);
        end = pos + max;
      }
      if (hit < nl) {
        this.full(chunk, pos, end, chunk, out);
        hit = Infinity;
        for (let k = 0; k < next.length; k++) {
          if (next[k]! <= nl) {
            const p = chunk.indexOf(NEEDLE_BYTES[k] as Buffer, nl + 1);
            next[k] = p < 0 ? Infinity : p;
          }
          if (next[k]! < hit) hit = next[k]!;
        }
      } else {
        const f = this.pending.length === 0 ? shapeOf(chunk, pos, end) : undefined;
        if (f === undefined) this.full(chunk, pos, end, chunk, out);
        else {
          this.count(f);
          this.shapedStart = pos;
          this.shapedEnd = end;
          this.shapedLine = this.lines;
          if (this.firstMs === undefined) this.resolveShaped(chunk, out);
        }
      }
      pos = nl + 1;
    }
    if (pos < chunk.length) this.appendCarry(chunk, pos, chunk.length);
    this.resolveShaped(chunk, out);
    return out;
  }

  /** End of input: the last line (if it had no newline) and any untimed lines still waiting. */
  end(): TimedRecord[] {
    const out: TimedRecord[] = [];
    if (this.carryTotal > 0) this.lineFromCarry(out);
    if (this.pending.length) this.flushMtime(out);
    return out;
  }
}
