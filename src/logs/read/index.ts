/**
 * Reading log inputs: files (plain or gzip) and stdin, merged in time order (`syslog.1 syslog`, a
 * rotated set with `.gz` members, or logs of several hosts), streaming with bounded memory. Yields
 * batches of the records of relevant programs; everything else is counted per file and format.
 */
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { LineParser, ZoneClock, hostTimeZone } from '../formats/index.js';
import type { LineFormat, LogRecord } from '../record.js';
import { IssueLog, type InputIssue } from './issues.js';
import { fastSkip } from './fast-skip.js';
import { LineScanner, type TimedRecord } from './scanner.js';
import { openInput, type InputSource } from './source.js';

export { IssueLog, formatIssue, type InputIssue, type IssueKind } from './issues.js';
export { LineScanner, type TimedRecord } from './scanner.js';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export interface ReadOptions {
  /** IANA zone for lines without one; default the host's. */
  timeZone?: string;
  maxLineBytes?: number;
  /** Called for each issue as it is found (the CLI echoes them on stderr). */
  onIssue?: (issue: InputIssue) => void;
  stdin?: Readable;
  /** Reference "now" for stdin's yearless lines (tests pin it). */
  nowMs?: number;
  /**
   * Read plain BSD lines from their bytes (formats/plain.ts; default true). Off, every kept line
   * goes through LineParser.parse: the same records (tests compare both), only slower.
   */
  plainBytes?: boolean;
  /**
   * Skip other programs' plain BSD lines in WebAssembly (read/fast-skip.ts; default true). Off, the
   * JavaScript loop alone: the same records and summaries (tests compare both), only slower.
   */
  wasmSkip?: boolean;
}

export interface FileSummary {
  file: string;
  gzip: boolean;
  lines: number;
  bytes: number;
  /** Records kept for analysis (relevant programs). */
  kept: number;
  /** Kept records with no time in their line (pppd logfile): timed from a neighbour line, the mtime, or not at all. */
  untimed?: { neighbour: number; mtime: number; none: number };
  /** The file's modification time (ISO), when it has one. */
  mtime?: string;
  formats: Partial<Record<LineFormat, number>>;
  first?: string;
  last?: string;
}

interface Stream {
  scanner: LineScanner;
  src: InputSource;
  it: AsyncIterator<TimedRecord[]>;
  batch: TimedRecord[];
  idx: number;
  lastT: number;
  /** Time of the input's first record: breaks ties between inputs. */
  startT: number;
  done: boolean;
}

/** Pulls each file's chunks through its scanner; read errors become issues naming the line reached. */
async function* scan(
  src: InputSource,
  scanner: LineScanner,
  issues: IssueLog,
): AsyncGenerator<TimedRecord[]> {
  try {
    for await (const chunk of src.chunks) {
      const out = scanner.push(chunk);
      if (out.length) yield out;
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const gz = src.gzip.value;
    const what = gz && (e.code === 'Z_BUF_ERROR' || e.code === 'Z_DATA_ERROR') ? 'gzip data' : 'read';
    issues.add({
      kind: gz ? 'gzip' : 'read',
      file: src.name,
      line: scanner.lines,
      message: `${what} failed after line ${scanner.lines} (${e.message}); the lines before it are analysed`,
    });
  }
  const tail = scanner.end();
  if (tail.length) yield tail;
}

export class LogReader {
  readonly issues: IssueLog;
  private readonly opts: ReadOptions;
  private readonly files: string[];
  private readonly streams: Stream[] = [];
  private readonly clock: ZoneClock;

  constructor(files: string[], opts: ReadOptions = {}) {
    this.files = files;
    this.opts = opts;
    this.issues = new IssueLog(opts.onIssue);
    this.clock = new ZoneClock(opts.timeZone ?? hostTimeZone());
  }

  get timeZone(): string {
    return this.clock.zone;
  }

  /** Opens every input (reporting those that cannot be read) before any record is read. */
  async open(): Promise<void> {
    for (const name of this.files) {
      // A plain file is read straight into the WebAssembly skip loop's memory (fast-skip.ts).
      const lend = this.opts.wasmSkip !== false ? () => fastSkip()?.readBuffers() : undefined;
      const src = await openInput(name, this.issues, () => this.opts.stdin ?? process.stdin, lend);
      if (!src) continue;
      const refMs = src.mtimeMs ?? this.opts.nowMs ?? Date.now();
      const base = basename(src.name).replace(/\.gz$/, '');
      const parser = new LineParser({
        file: src.name,
        zone: this.clock,
        refMs,
        // pppd's `logfile` is usually /var/log/ppp.log, ppp-connect-errors, pptpd.log or similar.
        pppdLogfile: /ppp|pptp/i.test(base),
      });
      const scanner = new LineScanner({
        file: src.name,
        parser,
        mtimeMs: src.mtimeMs,
        issues: this.issues,
        maxLineBytes: this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
        plainBytes: this.opts.plainBytes !== false,
        wasmSkip: this.opts.wasmSkip !== false,
      });
      const it = scan(src, scanner, this.issues)[Symbol.asyncIterator]();
      this.streams.push({ scanner, src, it, batch: [], idx: 0, lastT: -Infinity, startT: NaN, done: false });
    }
  }

  private async fill(s: Stream): Promise<void> {
    while (s.idx >= s.batch.length) {
      const r = await s.it.next();
      if (r.done) {
        s.done = true;
        return;
      }
      s.batch = r.value;
      s.idx = 0;
      if (Number.isNaN(s.startT)) s.startT = r.value.find((x) => !Number.isNaN(x.t))?.t ?? NaN;
    }
  }

  /** Records of relevant programs from all inputs, oldest first, in batches. */
  async *batches(): AsyncGenerator<LogRecord[]> {
    if (this.streams.length === 1) {
      const s = this.streams[0] as Stream;
      for (;;) {
        const r = await s.it.next();
        if (r.done) return;
        yield r.value.map((x) => x.rec);
      }
    }
    for (const s of this.streams) await this.fill(s);
    for (;;) {
      const out: LogRecord[] = [];
      while (out.length < 4096) {
        // k-way merge; k is the number of files, so a linear pick is cheaper than a heap.
        let best: Stream | undefined;
        let bestT = Infinity;
        for (const s of this.streams) {
          if (s.done) continue;
          const t = (s.batch[s.idx] as TimedRecord).t;
          const key = Number.isNaN(t) ? s.lastT : t;
          // Equal times (one-second stamps) go to the input that started earlier, so the seconds a
          // rotated set shares at its seams keep their order; then to the earlier argument.
          if (best === undefined || key < bestT || (key === bestT && s.startT < best.startT)) {
            best = s;
            bestT = key;
          }
        }
        if (!best) break;
        out.push((best.batch[best.idx] as TimedRecord).rec);
        best.lastT = bestT;
        best.idx++;
        if (best.idx >= best.batch.length) await this.fill(best);
      }
      if (!out.length) return;
      yield out;
    }
  }

  summaries(): FileSummary[] {
    return this.streams.map((s) => {
      const sc = s.scanner;
      const f: FileSummary = {
        file: s.src.name,
        gzip: s.src.gzip.value,
        lines: sc.lines,
        bytes: sc.bytes,
        kept: sc.kept,
        formats: Object.fromEntries(sc.formats),
      };
      const u = sc.timedBy;
      if (u.neighbour + u.mtime + u.none > 0) f.untimed = { ...u };
      if (s.src.mtimeMs !== undefined) f.mtime = new Date(s.src.mtimeMs).toISOString();
      if (sc.firstMs !== undefined) f.first = new Date(sc.firstMs).toISOString();
      if (sc.lastMs !== undefined) f.last = new Date(sc.lastMs).toISOString();
      return f;
    });
  }
}
