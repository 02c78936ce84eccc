/**
 * What every line format yields before the record is assembled, and the part most formats share:
 * `[HOST] TAG[PID]: MESSAGE` after the timestamp (RFC 3164 section 4.1.3, OpenWrt logd, journalctl
 * short-iso). Hand-written scanning, no regular expressions: this runs once per relevant line.
 */
import type { LineFormat } from '../record.js';

export interface Prefix {
  format: LineFormat;
  /** Epoch ms when the line carries a time. */
  tMs?: number;
  host?: string;
  program?: string;
  pid?: number;
  message: string;
  /** `last message repeated N times` (sysklogd) / `message repeated N times: [...]` (rsyslog). */
  repeated?: number;
  /** sysklogd's form names no program: it repeats whatever the previous line was. */
  repeatsPrevious?: boolean;
  /** Set when the line is damaged (bad JSON, bad RFC 5424 header): said in the report. */
  problem?: string;
}

const SP = 32;
const COLON = 58;
const LBRACK = 91;
const RBRACK = 93;

interface Tag {
  program: string;
  pid?: number;
  /** Index of the message's first character. */
  msgStart: number;
}

/**
 * s[i..j) as a string, the same string object as last time for the few names a log repeats (program
 * tags, the host): no new string per line, and the classifier registry's Map lookup reuses its hash.
 */
const NAMES: string[] = [];
let nameNext = 0;
export function nameAt(s: string, i: number, j: number): string {
  const n = j - i;
  for (let k = 0; k < NAMES.length; k++) {
    const c = NAMES[k] as string;
    if (c.length === n && s.startsWith(c, i)) return c;
  }
  const name = s.slice(i, j);
  if (n <= 32) {
    NAMES[nameNext] = name;
    nameNext = (nameNext + 1) % 16;
  }
  return name;
}

/** `name[pid]: ` or `name: ` at `s[i..]`; undefined when the token there is not a tag. */
export function tagAt(s: string, i: number): Tag | undefined {
  const n = s.length;
  let j = i;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === SP || c === COLON || c === LBRACK) break;
    j++;
  }
  if (j === i || j >= n) return undefined;
  const program = nameAt(s, i, j);
  let c = s.charCodeAt(j);
  let pid: number | undefined;
  if (c === LBRACK) {
    let k = j + 1;
    let v = 0;
    while (k < n) {
      const d = s.charCodeAt(k) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      k++;
    }
    if (k === j + 1 || s.charCodeAt(k) !== RBRACK) return undefined;
    pid = v;
    j = k + 1;
    c = s.charCodeAt(j);
  }
  if (c !== COLON) return undefined;
  j++;
  if (s.charCodeAt(j) === SP) j++;
  return pid === undefined ? { program, msgStart: j } : { program, pid, msgStart: j };
}

const LAST_REPEATED = 'last message repeated ';
const MSG_REPEATED = 'message repeated ';

/** N in `N times...` at s[i..], or 0. */
function timesAt(s: string, i: number): number {
  let v = 0;
  let k = i;
  for (; k < s.length; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  return k > i && s.startsWith(' time', k) ? v : 0;
}

/**
 * Host, tag and message after a timestamp ending at `i` (at a space or at the first field).
 * `hostless` formats (busybox `syslogd -S`, OpenWrt logd) may still carry a host: the rule is that a
 * first token which is itself a tag (`pppd[139]:`) means no host.
 */
export function tailAt(s: string, i: number, format: LineFormat, tMs: number | undefined): Prefix {
  while (s.charCodeAt(i) === SP) i++;
  // sysklogd/busybox: "Nov 24 21:58:24 [host ]last message repeated 3 times" has no tag at all.
  if (s.startsWith(LAST_REPEATED, i)) return repeatedPrev(s, i, format, tMs, undefined);
  let tag = tagAt(s, i);
  let host: string | undefined;
  if (!tag) {
    let j = s.indexOf(' ', i);
    if (j < 0) j = s.length;
    if (j > i) host = nameAt(s, i, j);
    let k = j;
    while (s.charCodeAt(k) === SP) k++;
    if (s.startsWith(LAST_REPEATED, k)) return repeatedPrev(s, k, format, tMs, host);
    tag = tagAt(s, k);
    if (!tag) return withTime({ format, host, message: s.slice(k) }, tMs);
  }
  const out: Prefix = { format, program: tag.program, message: s.slice(tag.msgStart) };
  if (host !== undefined) out.host = host;
  if (tag.pid !== undefined) out.pid = tag.pid;
  if (tMs !== undefined) out.tMs = tMs;
  // rsyslog's reduction: "pppd[1]: message repeated 3 times: [ LCP: timeout sending Config-Requests]".
  if (s.startsWith(MSG_REPEATED, tag.msgStart)) {
    const n = timesAt(s, tag.msgStart + MSG_REPEATED.length);
    const open = s.indexOf('[', tag.msgStart);
    if (n > 0 && open >= 0) {
      out.repeated = n;
      let inner = s.slice(open + 1);
      if (inner.endsWith(']')) inner = inner.slice(0, -1);
      out.message = inner.trim();
    }
  }
  return out;
}

function repeatedPrev(
  s: string,
  i: number,
  format: LineFormat,
  tMs: number | undefined,
  host: string | undefined,
): Prefix {
  const out: Prefix = { format, message: s.slice(i), repeatsPrevious: true };
  const n = timesAt(s, i + LAST_REPEATED.length);
  if (n > 0) out.repeated = n;
  if (host !== undefined) out.host = host;
  if (tMs !== undefined) out.tMs = tMs;
  return out;
}

function withTime(p: Prefix, tMs: number | undefined): Prefix {
  if (p.host === undefined) delete p.host;
  if (tMs !== undefined) p.tMs = tMs;
  return p;
}
