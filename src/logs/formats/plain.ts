/**
 * The plain BSD syslog tail, `HOST TAG[PID]: MSG`, read from raw bytes: what almost every relevant
 * line of a Debian/RHEL syslog looks like. The reader builds such a line's record straight from the
 * offsets found here (LineParser.plainBsd) instead of decoding it and reading its prefix again as a
 * string; that general path (formats/) stays for every other shape. Only the unambiguous shape is
 * taken, so the record is the one the general path gives (test/logs/read/plain.test.ts):
 * one host token without ':' or '[' and not four digits (parseBsd reads `hh:mm:ss YYYY` as a year),
 * one space, a tag with a pid of at most nine digits, and a message that is not rsyslog's
 * `message repeated N times: [...]`.
 */
const SP = 32;
const COLON = 58;
const LBRACK = 91;
const RBRACK = 93;
const REPEATED = Buffer.from('message repeated ', 'latin1');

/** Offsets (absolute, in the buffer read) of the last tail plainTail accepted. */
export interface PlainTail {
  hostEnd: number;
  progStart: number;
  progEnd: number;
  pid: number;
  msgStart: number;
}

export function newPlainTail(): PlainTail {
  return { hostEnd: 0, progStart: 0, progEnd: 0, pid: 0, msgStart: 0 };
}

/** Is b[t..end) (after a BSD timestamp and its space) the plain tail? Fills `out` when it is. */
export function plainTail(b: Uint8Array, t: number, end: number, out: PlainTail): boolean {
  let k = t;
  while (k < end) {
    const c = b[k] as number;
    if (c === SP) break;
    if (c === COLON || c === LBRACK) return false;
    k++;
  }
  if (k === t || k + 1 >= end || b[k + 1] === SP) return false;
  if (k - t === 4 && isDigits(b, t, k)) return false;
  const progStart = k + 1;
  let j = progStart;
  while (j < end) {
    const c = b[j] as number;
    if (c === SP || c === COLON || c === LBRACK) break;
    j++;
  }
  if (j === progStart || b[j] !== LBRACK) return false;
  const progEnd = j;
  let pid = 0;
  j++;
  const digits = j;
  while (j < end) {
    const d = (b[j] as number) - 48;
    if (d < 0 || d > 9) break;
    pid = pid * 10 + d;
    j++;
  }
  if (j === digits || j - digits > 9 || b[j] !== RBRACK || b[j + 1] !== COLON) return false;
  j += 2;
  if (j < end && b[j] === SP) j++;
  if (b[j] === 109 /* m */ && startsWith(b, j, end, REPEATED)) return false;
  out.hostEnd = k;
  out.progStart = progStart;
  out.progEnd = progEnd;
  out.pid = pid;
  out.msgStart = j;
  return true;
}

function startsWith(b: Uint8Array, i: number, end: number, p: Uint8Array): boolean {
  const n = p.length;
  if (end - i < n) return false;
  for (let k = 0; k < n; k++) if (b[i + k] !== p[k]) return false;
  return true;
}

function isDigits(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i] as number;
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Int32 words over a chunk's memory for printableAscii, or undefined when the chunk does not start
 * on a 4-byte boundary of its ArrayBuffer (a pooled or gunzip buffer): then it checks byte by byte.
 */
export function wordsOf(b: Buffer): Int32Array | undefined {
  if ((b.byteOffset & 3) !== 0) return undefined;
  return new Int32Array(b.buffer, b.byteOffset, b.length >>> 2);
}

/**
 * Is every byte of b[s..e) printable ASCII (0x20-0x7f)? Then the line needs no binary or UTF-8
 * check and its latin1 decoding is its text. Four bytes at a time where `words` (wordsOf(b)) is
 * given: a byte below 0x20 borrows into its top bit when 0x20 is taken from it, a byte from 0x80 has
 * it set already. About 2 instructions a byte against 10 for a regex on the decoded line.
 * Tabs and ESC count as not printable here: such rare lines take the reader's general path.
 */
export function printableAscii(b: Uint8Array, words: Int32Array | undefined, s: number, e: number): boolean {
  let i = s;
  if (words !== undefined) {
    for (; i < e && (i & 3) !== 0; i++) {
      const c = b[i] as number;
      if (c < 32 || c > 127) return false;
    }
    const last = (e >> 2) - 1;
    for (let k = i >> 2; k <= last; k++) {
      const x = words[k] as number;
      if ((((x - 0x20202020) | x) & 0x80808080) !== 0) return false;
    }
    if (last >= i >> 2) i = (last + 1) << 2;
  }
  for (; i < e; i++) {
    const c = b[i] as number;
    if (c < 32 || c > 127) return false;
  }
  return true;
}
