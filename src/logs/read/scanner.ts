/**
 * Splits one input's byte chunks into lines and keeps the records of relevant programs, with bounded
 * memory: one chunk, one capped partial line and a capped queue of untimed lines at most.
 *
 * Speed comes from not decoding what we do not analyse. For the common shapes (BSD syslog, short-iso,
 * OpenWrt) the program is judged from the raw bytes of the tag (tagVerdictAt); for the others (RFC
 * 5424, journal JSON) each needle (NEEDLES) is found per chunk with Buffer#indexOf. A line of another
 * program is only counted; runs of plain BSD lines are skipped, and their relevant lines' offsets
 * found, in WebAssembly (fast-skip.ts, skip.wat). Other lines are decoded, checked (binary, UTF-8)
 * and parsed. Times of
 * skipped lines are parsed lazily, only when needed: the first line of a file, the last of a chunk
 * (the time span) and the line before an untimed pppd logfile line (its neighbour time).
 * Chunks may be reused by the source after push() returns: nothing here keeps a view of one.
 */
import { isUtf8 } from 'node:buffer';
import {
  LineParser,
  NEEDLES,
  TAG_OTHER,
  TAG_RELEVANT,
  TAG_START_ALWAYS,
  isRelevantProgram,
  shapeOf,
  tagStartOf,
  tagVerdictAt,
  tagVerdictFast,
} from '../formats/index.js';
import type { LineFormat, LogRecord } from '../record.js';
import type { IssueLog } from './issues.js';
import { newPlainTail, plainTail, printableAscii, wordsOf } from '../formats/plain.js';
import { fastSkip, type FastSkip } from './fast-skip.js';

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
  /** Read plain BSD lines from their bytes (formats/plain.ts); false: all through LineParser.parse. */
  plainBytes?: boolean;
  /** Skip other programs' lines in WebAssembly (fast-skip.ts); false: in JavaScript only. */
  wasmSkip?: boolean;
}

const NEEDLE_BYTES = NEEDLES.map((n) => Buffer.from(n, 'latin1'));

const TEXT = 0;
const ASCII = 1;
const BINARY = 2;

/**
 * BINARY for NUL or many control characters (a sparse file, a binary written into a log); ASCII when
 * every byte is below 0x80 (then no UTF-8 check is needed and decoding is cheaper); else TEXT.
 */
function classifyBytes(b: Buffer, s: number, e: number): number {
  let ctl = 0;
  let high = 0;
  for (let k = s; k < e; k++) {
    const c = b[k] as number;
    if (c === 0) return BINARY;
    if (c < 32 && c !== 9 && c !== 27) ctl++;
    high |= c;
  }
  if (ctl > 0 && ctl * 16 >= e - s) return BINARY;
  return high < 128 ? ASCII : TEXT;
}

export class LineScanner {
  lines = 0;
  bytes = 0;
  kept = 0;
  /** Kept records without a time of their own, by where their time came from (LogRecord.tsSource). */
  readonly timedBy = { neighbour: 0, mtime: 0, none: 0 };
  firstMs: number | undefined;
  lastMs: number | undefined;

  private readonly o: ScannerOptions;
  private readonly maxPending: number;
  /** The partial line at a chunk's end, copied (capped at maxLineBytes); allocated on first use. */
  private carry: Buffer | undefined;
  private carryLen = 0;
  private carryTotal = 0;
  private pending: TimedRecord[] = [];
  private lastTimedMs: number | undefined;
  private lastTimedLine = 0;
  private shapedStart = -1;
  private shapedEnd = -1;
  private shapedLine = 0;
  private readonly next = new Array<number>(NEEDLES.length).fill(0);
  private readonly tail = newPlainTail();
  private readonly plainBytes: boolean;
  /** printableAscii's words over the chunk push() is reading (set per chunk). */
  private words: Int32Array | undefined;
  /** The WebAssembly skip loop (fast-skip.ts), unless ScannerOptions.wasmSkip is false. */
  private readonly fast: FastSkip | undefined;
  /** Whether this.fast took the chunk push() is reading (it may not fit). */
  private fastOk = false;
  /** FastSkip.tail's newline and line end. */
  private readonly at: [number, number] = [0, 0];
  /** Format counts, run-length first: consecutive lines mostly share a format. */
  private runFormat: LineFormat | undefined;
  private runCount = 0;
  private readonly counts = new Map<LineFormat, number>();

  constructor(o: ScannerOptions) {
    this.o = o;
    this.maxPending = o.maxPending ?? 10_000;
    this.plainBytes = o.plainBytes !== false;
    this.fast = o.wasmSkip === false ? undefined : fastSkip();
  }

  private count(f: LineFormat): void {
    if (f === this.runFormat) {
      this.runCount++;
      return;
    }
    if (this.runFormat !== undefined)
      this.counts.set(this.runFormat, (this.counts.get(this.runFormat) ?? 0) + this.runCount);
    this.runFormat = f;
    this.runCount = 1;
  }

  get formats(): Map<LineFormat, number> {
    const m = new Map(this.counts);
    if (this.runFormat !== undefined) m.set(this.runFormat, (m.get(this.runFormat) ?? 0) + this.runCount);
    return m;
  }

  private noteTime(t: number, line: number, out: TimedRecord[]): void {
    this.lastTimedMs = t;
    this.lastTimedLine = line;
    if (this.firstMs === undefined) this.firstMs = t;
    if (this.lastMs === undefined || t > this.lastMs) this.lastMs = t;
    if (this.pending.length) this.flushPending(t, 'neighbour', out);
  }

  private flushPending(t: number, source: 'neighbour' | 'mtime' | 'none', out: TimedRecord[]): void {
    this.timedBy[source] += this.pending.length;
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
    if (b[s] === 0) {
      // A run of NULs is the hole a crash leaves in a syslog file (blocks allocated, never written);
      // the line written after the reboot follows it without a newline: skip the hole, read the line.
      let k = s;
      while (k < e && b[k] === 0) k++;
      this.o.issues.add({
        kind: 'binary',
        file: this.o.file,
        line,
        message: `${k - s} NUL bytes (a hole left by a crash?) skipped`,
      });
      if (k === e) {
        this.count('bare');
        return;
      }
      s = k;
    }
    const kind = classifyBytes(b, s, e);
    if (kind === BINARY) {
      this.count('bare');
      this.o.issues.add({
        kind: 'binary',
        file: this.o.file,
        line,
        message: 'binary data, not a text line: skipped',
      });
      return;
    }
    if (kind === TEXT && !isUtf8(b.subarray(s, e))) {
      this.o.issues.add({
        kind: 'utf8',
        file: this.o.file,
        line,
        message: 'not valid UTF-8: read with U+FFFD in place of the bad bytes',
      });
    }
    const r = this.o.parser.parse(b.toString(kind === ASCII ? 'latin1' : 'utf8', s, e), line);
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
      this.timedBy.neighbour++;
      out.push({ rec, t: this.lastTimedMs });
      return;
    }
    this.pending.push({ rec, t: NaN });
    if (this.pending.length >= this.maxPending) this.flushMtime(out);
  }

  /**
   * A relevant BSD line without PRI (tag at pos + 16) in the plain shape (formats/plain.ts): its record
   * is built from the offsets found on its bytes. False when the line is not plain or not ASCII
   * (full() takes it then, and reports what is wrong with it); otherwise the same counts, times and
   * record as full() (test/logs/read/plain.test.ts).
   */
  private plain(b: Buffer, pos: number, end: number, line: number, out: TimedRecord[]): boolean {
    const tail = this.tail;
    if (!this.plainBytes || !plainTail(b, pos + 16, end, tail)) return false;
    if (!printableAscii(b, this.words, pos, end)) return false;
    return this.plainRecord(b, pos, end, line, out);
  }

  /** plain() once the tail is in this.tail and the line is known printable ASCII. */
  private plainRecord(b: Buffer, pos: number, end: number, line: number, out: TimedRecord[]): boolean {
    const tail = this.tail;
    const parser = this.o.parser;
    const rec = parser.plainBsd(b, pos, end, line, tail);
    if (rec === undefined) return false;
    const t = parser.plainMs;
    this.count('rfc3164');
    this.noteTime(t, line, out);
    // Relevant: both callers judged the tag plainTail read (tagVerdictFast, tagVerdictAt) by the
    // rule of isRelevantProgram.
    this.kept++;
    out.push({ rec, t });
    return true;
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
    // Copied into one buffer kept for the scanner's life: a view would pin the whole 1 MiB chunk (and
    // the source reuses it), a new buffer per chunk is garbage.
    this.carry ??= Buffer.allocUnsafe(this.o.maxLineBytes);
    b.copy(this.carry, this.carryLen, s, s + take);
    this.carryLen += take;
  }

  private lineFromCarry(out: TimedRecord[]): void {
    const buf = this.carry ?? Buffer.alloc(0);
    const total = this.carryTotal;
    let e = this.carryLen;
    this.carryLen = 0;
    this.carryTotal = 0;
    this.lines++;
    if (e > 0 && buf[e - 1] === 13) e--;
    if (total > this.o.maxLineBytes) this.longLine(total);
    this.full(buf, 0, e, undefined, out);
  }

  /**
   * The common case in one small function, so that V8 optimizes it within a few thousand lines
   * (the general loop in push() is big and tiers up late): a run of BSD syslog lines without PRI
   * (`Mmm dd hh:mm:ss HOST TAG...`) of programs we skip. Same judgement as push() (shapeOf,
   * tagStartOf, tagVerdictAt), only the lines are counted in bulk. Returns where it stopped: at the
   * first line it does not settle (another shape, a relevant tag, an over-long or unterminated line).
   */
  private skipBsd(chunk: Buffer, pos: number, out: TimedRecord[]): number {
    const max = this.o.maxLineBytes;
    // Every byte read below is in bounds (an out-of-bounds read would deoptimize the loop).
    const lim = chunk.length - 16;
    let n = 0;
    let lastStart = -1;
    let lastEnd = -1;
    const fast = this.fastOk ? this.fast : undefined;
    while (pos < lim) {
      if (fast !== undefined) {
        // The run of other programs' lines in WebAssembly; this loop takes the line it stopped at.
        pos = fast.skip(pos, chunk.length, max);
        if (fast.count > 0) {
          n += fast.count;
          lastStart = fast.lastStart;
          lastEnd = fast.lastEnd;
        }
        if (pos >= lim) break;
        if (fast.plain && this.plainBytes) {
          // A relevant plain line, its tail read and its bytes checked in WebAssembly too.
          if (n > 0) {
            this.skipped(n, lastStart, lastEnd);
            n = 0;
          }
          const at = this.at;
          fast.tail(this.tail, at);
          if (!this.plainRecord(chunk, pos, at[1], this.lines + 1, out)) break;
          this.lines++;
          pos = at[0] + 1;
          continue;
        }
      }
      const c = chunk[pos] as number;
      // shapeOf's 'rfc3164' without PRI or year, and tagStartOf's `b[i + 15] === 32`.
      if (
        c < 65 ||
        c > 90 ||
        chunk[pos + 3] !== 32 ||
        chunk[pos + 6] !== 32 ||
        chunk[pos + 9] !== 58 ||
        chunk[pos + 15] !== 32
      )
        break;
      const nl = chunk.indexOf(10, pos + 16);
      if (nl < 0) break;
      const end = chunk[nl - 1] === 13 ? nl - 1 : nl;
      if (end - pos > max) break;
      const v = tagVerdictFast(chunk, pos + 16, end);
      if (v !== TAG_OTHER) {
        // A relevant line in the plain shape is read here too; anything else ends the run.
        if (v !== TAG_RELEVANT) break;
        if (n > 0) {
          this.skipped(n, lastStart, lastEnd);
          n = 0;
        }
        if (!this.plain(chunk, pos, end, this.lines + 1, out)) break;
        this.lines++;
        pos = nl + 1;
        continue;
      }
      n++;
      lastStart = pos;
      lastEnd = end;
      pos = nl + 1;
    }
    if (n > 0) this.skipped(n, lastStart, lastEnd);
    return pos;
  }

  /** Counts `n` skipped BSD lines, the last of them at [start, end). */
  private skipped(n: number, start: number, end: number): void {
    this.lines += n;
    if (this.runFormat === 'rfc3164') this.runCount += n;
    else {
      this.count('rfc3164');
      this.runCount += n - 1;
    }
    this.shapedStart = start;
    this.shapedEnd = end;
    this.shapedLine = this.lines;
  }

  push(chunk: Buffer): TimedRecord[] {
    const out: TimedRecord[] = [];
    this.bytes += chunk.length;
    this.words = wordsOf(chunk);
    this.fastOk = this.fast !== undefined && this.fast.load(chunk);
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
    let needlesFrom = -1;
    // Needle positions for the lines whose shape has no fast tag check (RFC 5424, journal JSON, PRI):
    // computed on first need in this chunk, then advanced, so each needle scans the chunk once.
    const needleBefore = (from: number, nl: number): boolean => {
      let hit = Infinity;
      for (let k = 0; k < next.length; k++) {
        if (needlesFrom < 0 || next[k]! < from) {
          const p = chunk.indexOf(NEEDLE_BYTES[k] as Buffer, from);
          next[k] = p < 0 ? Infinity : p;
        }
        if (next[k]! < hit) hit = next[k]!;
      }
      needlesFrom = from;
      return hit < nl;
    };
    const max = this.o.maxLineBytes;
    for (;;) {
      // The first line of a file goes through the general path (its time starts the span).
      if (this.pending.length === 0 && this.firstMs !== undefined) pos = this.skipBsd(chunk, pos, out);
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      this.lines++;
      let end = nl;
      if (end > pos && chunk[end - 1] === 13) end--;
      if (end - pos > max) {
        this.longLine(end - pos);
        end = pos + max;
      }
      const f = this.pending.length === 0 ? shapeOf(chunk, pos, end) : undefined;
      if (f === undefined) {
        this.full(chunk, pos, end, chunk, out);
      } else {
        const t = tagStartOf(chunk, pos, end, f);
        const relevant =
          t >= 0
            ? tagVerdictAt(chunk, t, end) !== TAG_OTHER
            : t === TAG_START_ALWAYS || needleBefore(pos, nl);
        if (relevant) {
          if (t !== pos + 16 || f !== 'rfc3164' || !this.plain(chunk, pos, end, this.lines, out))
            this.full(chunk, pos, end, chunk, out);
        } else {
          if (f === this.runFormat) this.runCount++;
          else this.count(f);
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
