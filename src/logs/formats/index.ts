/**
 * Line formats: detect each line's format (a file may mix them) and turn the line into a LogRecord.
 * `LineParser` holds what one file's lines share (time zone, year guess, the previous record for
 * `last message repeated`); `shapeOf` is the byte-level pre-check the reader uses to skip lines of
 * programs we do not analyse without decoding them.
 */
import type { LineFormat, LogRecord } from '../record.js';
import { parseJournalJson } from './journal.js';
import { nameAt, type Prefix } from './prefix.js';
import { looksRfc5424, parseRfc5424 } from './rfc5424.js';
import { parseBsd, parseIsoPrefixed, parseOpenwrt, StampCache, type TimeCtx } from './syslog.js';
import { isoOf, monthOfBytes, YearGuess, ZoneClock } from './time.js';
import type { PlainTail } from './plain.js';
import { looksLikePppdMessage } from './pppd-logfile.js';

export { ZoneClock, hostTimeZone, checkTimeZone, isoMs, isoOf } from './time.js';
export {
  isRelevantProgram,
  NEEDLES,
  tagVerdictAt,
  tagVerdictFast,
  TAG_OTHER,
  TAG_RELEVANT,
  TAG_REPEAT,
} from './programs.js';

export interface LineParserOptions {
  file: string;
  /** IANA zone for lines without one, or a shared clock. */
  zone: string | ZoneClock;
  /** Reference instant for yearless lines: the file's mtime, or now for a stream. */
  refMs: number;
  /**
   * The file is a pppd `logfile` (its name says ppp/pptp): every plain text line is a pppd message.
   * Without it, a bare line counts as pppd only when it reads like one of pppd's messages.
   */
  pppdLogfile?: boolean;
}

export interface ParsedLine {
  rec: LogRecord;
  /** Epoch ms of `rec.ts`, when the line carries a time. */
  tMs?: number;
  /** The line is damaged (said in the report with file and line). */
  problem?: string;
}

export class LineParser {
  private readonly file: string;
  private readonly ctx: TimeCtx;
  private readonly pppdLogfile: boolean;
  private readonly bsdCache = new StampCache();
  private readonly isoCache = new StampCache();
  private readonly owrtCache = new StampCache();
  private lastIsoMs = NaN;
  private lastIso = '';
  private prev: LogRecord | undefined;
  /** Epoch ms of the record plainBsd() returned last. */
  plainMs = NaN;
  /** The last stamp plainTime read (its 15 bytes) and its time. */
  private readonly stamp = Buffer.alloc(15);
  private stampOk = false;
  private stampMs = NaN;

  constructor(opts: LineParserOptions) {
    const clock = typeof opts.zone === 'string' ? new ZoneClock(opts.zone) : opts.zone;
    this.file = opts.file;
    this.ctx = { clock, year: new YearGuess(opts.refMs, clock) };
    this.pppdLogfile = opts.pppdLogfile ?? false;
  }

  /** The prefix of one line (time, host, tag, message), or undefined for a line with no known prefix. */
  private prefix(s: string): Prefix | undefined {
    const c = s.charCodeAt(0);
    if (c === 123) return parseJournalJson(s); // '{'
    if (c === 60) {
      // '<PRI>': RFC 5424 when a version follows, else BSD or ISO as relayed over the network
      if (looksRfc5424(s)) return parseRfc5424(s, this.ctx);
      return parseBsd(s, this.ctx, this.bsdCache) ?? parseIsoPrefixed(s, this.ctx, this.isoCache);
    }
    if (c >= 48 && c <= 57) return parseIsoPrefixed(s, this.ctx, this.isoCache);
    if (c >= 65 && c <= 90) {
      return parseBsd(s, this.ctx, this.bsdCache) ?? parseOpenwrt(s, this.ctx, this.owrtCache);
    }
    return undefined;
  }

  /** Time of a line (epoch ms), for lines the reader skips but whose time it needs. */
  timeOf(s: string): number | undefined {
    return this.prefix(s)?.tMs;
  }

  iso(tMs: number): string {
    if (tMs !== this.lastIsoMs) {
      this.lastIsoMs = tMs;
      this.lastIso = isoOf(tMs);
    }
    return this.lastIso;
  }

  /**
   * The record of a plain BSD line `Mmm dd hh:mm:ss HOST TAG[PID]: MSG` (no PRI, no year, no
   * fraction), from the offsets the reader found on its bytes (plain.ts): the record parse()
   * gives the line; its time in plainMs. The caller has checked that b[pos..end) is printable ASCII
   * (plain.ts printableAscii): other bytes need parse() and the reader's binary and UTF-8 checks.
   * Undefined when the stamp does not read as parseBsd reads it (the reader then takes parse()).
   */
  plainBsd(b: Buffer, pos: number, end: number, line: number, tail: PlainTail): LogRecord | undefined {
    const tMs = this.plainTime(b, pos);
    if (tMs !== tMs) return undefined;
    const s = b.toString('latin1', pos, end);
    const host = nameAt(s, 16, tail.hostEnd - pos);
    const program = nameAt(s, tail.progStart - pos, tail.progEnd - pos);
    const message = s.slice(tail.msgStart - pos);
    const ts = this.iso(tMs);
    // Keys in parse()'s order: one object shape for both paths.
    const rec: LogRecord = {
      tsSource: 'line',
      message,
      raw: s,
      file: this.file,
      line,
      format: 'rfc3164',
      ts,
      host,
      program,
      pid: tail.pid,
    };
    this.prev = rec;
    this.plainMs = tMs;
    return rec;
  }

  /**
   * parseBsd's time of `Mmm dd hh:mm:ss` at b[pos..pos+15), or NaN: the same month, space-padded or
   * two-digit day (at least 1), digits of the time (not range-checked, as parseBsd) and year guess.
   */
  private plainTime(b: Buffer, pos: number): number {
    const st = this.stamp;
    let same = this.stampOk;
    for (let k = 0; same && k < 15; k++) same = b[pos + k] === st[k];
    if (same) return this.stampMs;
    const month0 = monthOfBytes(b, pos);
    if (month0 < 0 || b[pos + 3] !== 32 || b[pos + 6] !== 32 || b[pos + 9] !== 58 || b[pos + 12] !== 58)
      return NaN;
    const day = b[pos + 4] === 32 ? digit(b, pos + 5) : two(b, pos + 4);
    const h = two(b, pos + 7);
    const m = two(b, pos + 10);
    const sec = two(b, pos + 13);
    if (!(day >= 1) || h !== h || m !== m || sec !== sec) return NaN;
    const tMs = this.ctx.clock.toUtc(this.ctx.year.yearFor(month0), month0, day, h, m, sec, 0);
    b.copy(st, 0, pos, pos + 15);
    this.stampOk = true;
    this.stampMs = tMs;
    return tMs;
  }

  parse(s: string, line: number): ParsedLine {
    const p = this.prefix(s);
    let rec: LogRecord;
    if (!p) {
      const pppd = this.pppdLogfile ? startsWithLetter(s) : looksLikePppdMessage(s);
      rec = pppd
        ? {
            tsSource: 'none',
            program: 'pppd',
            message: s,
            raw: s,
            file: this.file,
            line,
            format: 'pppd-logfile',
          }
        : { tsSource: 'none', message: s, raw: s, file: this.file, line, format: 'bare' };
      this.prev = rec;
      return { rec };
    }
    const tMs = p.tMs;
    if (
      tMs !== undefined &&
      Number.isFinite(tMs) &&
      p.host !== undefined &&
      p.program !== undefined &&
      p.pid !== undefined &&
      p.repeated === undefined &&
      p.repeatsPrevious !== true &&
      p.problem === undefined
    ) {
      // The usual relevant line (`... HOST pppd[PID]: ...`) as one literal, keys in the order the
      // general path below gives them: no property added later (a map transition and an
      // out-of-object property store each on ~100k records of a large log).
      rec = {
        tsSource: 'line',
        message: p.message,
        raw: s,
        file: this.file,
        line,
        format: p.format,
        ts: this.iso(tMs),
        host: p.host,
        program: p.program,
        pid: p.pid,
      };
      this.prev = rec;
      return { rec, tMs };
    }
    rec = { tsSource: 'none', message: p.message, raw: s, file: this.file, line, format: p.format };
    if (p.tMs !== undefined && Number.isFinite(p.tMs)) {
      rec.ts = this.iso(p.tMs);
      rec.tsSource = 'line';
    }
    if (p.host !== undefined) rec.host = p.host;
    if (p.program !== undefined) rec.program = p.program;
    if (p.pid !== undefined) rec.pid = p.pid;
    if (p.repeated !== undefined) rec.repeated = p.repeated;
    if (p.repeatsPrevious && this.prev && this.prev.line === line - 1) {
      // sysklogd names no program here: the repeat belongs to the line just before.
      if (this.prev.program !== undefined) rec.program = this.prev.program;
      if (this.prev.pid !== undefined) rec.pid = this.prev.pid;
      if (rec.host === undefined && this.prev.host !== undefined) rec.host = this.prev.host;
    } else {
      this.prev = rec;
    }
    const out: ParsedLine = { rec };
    if (rec.tsSource === 'line') out.tMs = p.tMs;
    if (p.problem !== undefined) out.problem = p.problem;
    return out;
  }
}

function digit(b: Uint8Array, i: number): number {
  const d = (b[i] as number) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

function two(b: Uint8Array, i: number): number {
  return digit(b, i) * 10 + digit(b, i + 1);
}

function startsWithLetter(s: string): boolean {
  const c = s.charCodeAt(0) | 32;
  return c >= 97 && c <= 122;
}

/**
 * Format of the line at b[i..end) judged from a few fixed byte positions, without decoding it; undefined
 * when the line has no timestamped prefix (then the reader parses it fully: pppd logfile or bare).
 */
export function shapeOf(b: Uint8Array, i: number, end: number): LineFormat | undefined {
  const c = b[i];
  if (c === undefined) return undefined;
  if (c === 123) return b[end - 1] === 125 ? 'journal-json' : undefined;
  if (c === 60) {
    let k = i + 1;
    while (k < i + 5 && b[k] !== 62) k++;
    if (b[k] !== 62) return undefined;
    const n = b[k + 1];
    if (n === 49 && b[k + 2] === 32) return 'rfc5424';
    if (n !== undefined && n >= 48 && n <= 57) return 'short-iso';
    return n !== undefined && n >= 65 && n <= 90 ? 'rfc3164' : undefined;
  }
  if (c >= 48 && c <= 57) {
    const t = b[i + 10];
    return b[i + 4] === 45 && b[i + 7] === 45 && (t === 84 || t === 32) && b[i + 13] === 58
      ? 'short-iso'
      : undefined;
  }
  if (c >= 65 && c <= 90 && b[i + 3] === 32) {
    if (b[i + 6] === 32 && (b[i + 9] === 58 || (b[i + 11] === 32 && b[i + 14] === 58))) return 'rfc3164';
    if (b[i + 7] === 32 && b[i + 10] === 32 && b[i + 13] === 58)
      // FreeRADIUS radius.log: the same ctime, then " : " (parseOpenwrt tells them apart the same way).
      return b[i + 24] === 32 && b[i + 25] === 58 && b[i + 26] === 32 ? 'freeradius' : 'openwrt';
  }
  return undefined;
}

/** tagStartOf: the line's format alone makes it relevant (FreeRADIUS radius.log: every line is radiusd's). */
export const TAG_START_ALWAYS = -2;

/**
 * Where `[HOST ]TAG` starts in a line of one of the common shapes (BSD without PRI, short-iso,
 * OpenWrt), so the reader can judge the program from bytes; -1 for other shapes (RFC 5424, journal
 * JSON, PRI-prefixed), which the reader filters by needle search instead.
 */
export function tagStartOf(b: Uint8Array, i: number, end: number, f: LineFormat): number {
  const c = b[i] as number;
  if (f === 'rfc3164') {
    if (c === 60) return -1;
    // "Nov 24 21:58:24 " (a year after the time is skipped by tagVerdictAt); "Nov 24 2026 21:58:24 ".
    if (b[i + 15] === 32) return i + 16;
    if (b[i + 20] === 32 && b[i + 14] === 58) return i + 21;
    return -1;
  }
  if (f === 'short-iso') {
    if (c === 60) return -1;
    const lim = Math.min(end, i + 40);
    for (let k = i + 19; k < lim; k++) if (b[k] === 32) return k + 1;
    return -1;
  }
  if (f === 'freeradius') return TAG_START_ALWAYS;
  if (f === 'openwrt') {
    if (b[i + 24] !== 32) return -1;
    // Skip `facility.level` as parseOpenwrt does: a token with a dot that does not end in a colon.
    let k = i + 25;
    let dot = false;
    while (k < end && b[k] !== 32) {
      if (b[k] === 46) dot = true;
      k++;
    }
    return dot && k < end && b[k - 1] !== 58 ? k + 1 : i + 25;
  }
  return -1;
}
