/**
 * LogRecords across a thread boundary (the reading worker, parallel.ts) without the structured clone
 * of objects: cloning ~100k records per million lines cost more on the receiving thread than parsing
 * them there. A batch travels as one byte buffer (each record's raw line, UTF-8) and one Float64Array
 * of numbers; both are transferred, not copied. Strings that are parts of the raw line (message,
 * program, host: the common case) travel as offsets into it; the few that are not (journal JSON
 * fields, rsyslog repeats) travel beside the buffers as [record, field, value] triples.
 */
import type { LineFormat, LogRecord, TimeSource } from '../record.js';

const FORMATS: readonly LineFormat[] = [
  'rfc3164',
  'rfc5424',
  'journal-json',
  'short-iso',
  'openwrt',
  'freeradius',
  'pppd-logfile',
  'bare',
];
const SOURCES: readonly TimeSource[] = ['line', 'neighbour', 'mtime', 'none'];
const FORMAT_CODE = new Map(FORMATS.map((f, i) => [f, i]));
const SOURCE_CODE = new Map(SOURCES.map((s, i) => [s, i]));

/** Float64 slots per record. */
const W = 14;
const RAW_START = 0;
const RAW_END = 1;
const ASCII = 2;
const MSG = 3;
const PROG = 4;
const PROG_LEN = 5;
const HOST = 6;
const HOST_LEN = 7;
const PID = 8;
const LINE = 9;
const TS = 10;
const CODES = 11;
const REPEATED = 12;
const FILE = 13;

/** Offset slot values: the field is absent, or it travels as an explicit string. */
const ABSENT = -1;
const EXPLICIT = -2;
const F_MSG = 0;
const F_PROG = 1;
const F_HOST = 2;

/**
 * Buffer's own per-encoding methods, which toString()/write() call after normalising their
 * arguments: half the cost per line, and this runs once per kept line on each thread.
 */
interface RawBuffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  utf8Write(s: string, offset: number): number;
}

export interface EncodedBatch {
  bytes: Uint8Array;
  nums: Float64Array;
  /** [record index, field (0 message, 1 program, 2 host), value] for strings not inside `raw`. */
  extra: (number | string)[];
  /** File names, indexed by the FILE slot. */
  files: string[];
}

/** Offset of `part` inside `raw` (any occurrence gives the same text), or EXPLICIT. */
function offsetIn(raw: string, part: string): number {
  const k = raw.indexOf(part);
  return k < 0 ? EXPLICIT : k;
}

export function encodeBatch(recs: readonly LogRecord[]): EncodedBatch {
  let chars = 0;
  for (const r of recs) chars += r.raw.length;
  // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
  const bytes = Buffer.allocUnsafeSlow(Math.max(chars * 3, 1));
  const w = bytes as unknown as RawBuffer;
  const nums = new Float64Array(recs.length * W);
  const extra: (number | string)[] = [];
  const files: string[] = [];
  const fileIdx = new Map<string, number>();
  let pos = 0;
  let lastTs: string | undefined;
  let lastMs = NaN;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i] as LogRecord;
    const o = i * W;
    const n = w.utf8Write(r.raw, pos);
    nums[o + RAW_START] = pos;
    nums[o + RAW_END] = pos + n;
    // One byte per code unit only when every character is ASCII: then latin1 decoding is exact.
    nums[o + ASCII] = n === r.raw.length ? 1 : 0;
    pos += n;
    const m = r.raw.length - r.message.length;
    if (m >= 0 && r.raw.endsWith(r.message)) nums[o + MSG] = m;
    else {
      nums[o + MSG] = EXPLICIT;
      extra.push(i, F_MSG, r.message);
    }
    if (r.program === undefined) nums[o + PROG] = ABSENT;
    else {
      const k = offsetIn(r.raw, r.program);
      nums[o + PROG] = k;
      nums[o + PROG_LEN] = r.program.length;
      if (k === EXPLICIT) extra.push(i, F_PROG, r.program);
    }
    if (r.host === undefined) nums[o + HOST] = ABSENT;
    else {
      const k = offsetIn(r.raw, r.host);
      nums[o + HOST] = k;
      nums[o + HOST_LEN] = r.host.length;
      if (k === EXPLICIT) extra.push(i, F_HOST, r.host);
    }
    nums[o + PID] = r.pid ?? -1;
    nums[o + LINE] = r.line;
    if (r.ts === undefined) nums[o + TS] = NaN;
    else {
      // ts is always Date#toISOString output (formats/index.ts iso()), so it round-trips through ms.
      if (r.ts !== lastTs) {
        lastTs = r.ts;
        lastMs = Date.parse(r.ts);
      }
      nums[o + TS] = lastMs;
    }
    nums[o + CODES] = (SOURCE_CODE.get(r.tsSource) ?? 3) | ((FORMAT_CODE.get(r.format) ?? 7) << 2);
    nums[o + REPEATED] = r.repeated ?? -1;
    let f = fileIdx.get(r.file);
    if (f === undefined) {
      f = files.length;
      files.push(r.file);
      fileIdx.set(r.file, f);
    }
    nums[o + FILE] = f;
  }
  return { bytes: bytes.subarray(0, pos), nums, extra, files };
}

export function decodeBatch(b: EncodedBatch): LogRecord[] {
  const buf = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength) as unknown as RawBuffer;
  const nums = b.nums;
  const n = nums.length / W;
  const out = new Array<LogRecord>(n);
  const explicit = new Map<number, string>();
  for (let k = 0; k + 2 < b.extra.length; k += 3)
    explicit.set((b.extra[k] as number) * 3 + (b.extra[k + 1] as number), b.extra[k + 2] as string);
  let lastMs = NaN;
  let lastIso = '';
  for (let i = 0; i < n; i++) {
    const o = i * W;
    const s = nums[o + RAW_START] as number;
    const e = nums[o + RAW_END] as number;
    // A fresh string per line (not a slice of a batch-wide string): a kept line must not pin its batch.
    const raw = nums[o + ASCII] === 1 ? buf.latin1Slice(s, e) : buf.utf8Slice(s, e);
    const mo = nums[o + MSG] as number;
    const codes = nums[o + CODES] as number;
    const rec: LogRecord = {
      tsSource: SOURCES[codes & 3] as TimeSource,
      message: mo === EXPLICIT ? (explicit.get(i * 3 + F_MSG) ?? '') : mo === 0 ? raw : raw.slice(mo),
      raw,
      file: b.files[nums[o + FILE] as number] as string,
      line: nums[o + LINE] as number,
      format: FORMATS[codes >> 2] as LineFormat,
    };
    const ts = nums[o + TS] as number;
    if (ts === ts) {
      if (ts !== lastMs) {
        lastMs = ts;
        lastIso = new Date(ts).toISOString();
      }
      rec.ts = lastIso;
    }
    const ho = nums[o + HOST] as number;
    if (ho !== ABSENT)
      rec.host =
        ho === EXPLICIT
          ? (explicit.get(i * 3 + F_HOST) ?? '')
          : raw.slice(ho, ho + (nums[o + HOST_LEN] as number));
    const po = nums[o + PROG] as number;
    if (po !== ABSENT)
      rec.program =
        po === EXPLICIT
          ? (explicit.get(i * 3 + F_PROG) ?? '')
          : raw.slice(po, po + (nums[o + PROG_LEN] as number));
    const pid = nums[o + PID] as number;
    if (pid >= 0) rec.pid = pid;
    const rep = nums[o + REPEATED] as number;
    if (rep >= 0) rec.repeated = rep;
    out[i] = rec;
  }
  return out;
}
