/**
 * Timestamped text formats:
 * - BSD syslog, RFC 3164 section 4.1.2: `[<PRI>]Mmm dd hh:mm:ss [HOST] TAG[PID]: MSG`, with the
 *   variants seen in the wild: a year after the day (`Nov 24 2026 21:58:24`, Cisco-like) or after the
 *   time (`Nov 24 21:58:24 2026`), fractional seconds, and no HOST (busybox `syslogd -S`).
 * - ISO-prefixed lines: `journalctl -o short-iso` (`2026-11-24T21:58:24+0000 host pppd[1]: ...`),
 *   `short-iso-precise` and rsyslog's RSYSLOG_FileFormat (`...T21:58:24.123456+00:00 ...`).
 * - OpenWrt logd / `logread`: ctime plus `facility.level`: `Mon Nov 20 10:00:00 2026 daemon.info pppd[123]: ...`.
 * - FreeRADIUS radius.log, the same ctime then ` : `: `Tue Nov 24 22:43:50 2026 : Auth: (3) Login OK: [bob] ...`
 *   (format `freeradius`: the same ctime as OpenWrt's, told apart by the ` : ` after it).
 */
import { tailAt, type Prefix } from './prefix.js';
import { digitsAt, isDayNameAt, monthAt, type YearGuess, type ZoneClock } from './time.js';

export interface TimeCtx {
  clock: ZoneClock;
  year: YearGuess;
}

/** Lines of one file share most seconds with their neighbours: remember the last stamp parsed. */
export class StampCache {
  key = '';
  ms = 0;

  /** Is s[i..j) the cached stamp? Compared in place: no substring per line. */
  has(s: string, i: number, j: number): boolean {
    const k = this.key;
    if (k.length !== j - i) return false;
    for (let n = k.length - 1; n >= 0; n--) if (s.charCodeAt(i + n) !== k.charCodeAt(n)) return false;
    return true;
  }
}

const SP = 32;

/** Index after `<PRI>` at the start of `s`, 0 when there is none, -1 when malformed. */
export function afterPri(s: string): number {
  if (s.charCodeAt(0) !== 60) return 0;
  const close = s.indexOf('>');
  if (close < 2 || close > 4) return -1;
  return digitsAt(s, 1, close - 1) < 0 ? -1 : close + 1;
}

/** hh:mm:ss at s[i..]; [-1,...] when absent. */
function hmsAt(s: string, i: number): [number, number, number] {
  const h = digitsAt(s, i, 2);
  if (h < 0 || s.charCodeAt(i + 2) !== 58) return [-1, 0, 0];
  const m = digitsAt(s, i + 3, 2);
  if (m < 0 || s.charCodeAt(i + 5) !== 58) return [-1, 0, 0];
  const sec = digitsAt(s, i + 6, 2);
  return sec < 0 ? [-1, 0, 0] : [h, m, sec];
}

/** Milliseconds of a `.fff...` fraction at s[i..] and the index after it. */
function fractionAt(s: string, i: number): [number, number] {
  if (s.charCodeAt(i) !== 46) return [0, i];
  let k = i + 1;
  let ms = 0;
  let scale = 100;
  for (; k < s.length; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) break;
    ms += d * scale;
    scale /= 10;
  }
  return [Math.floor(ms), k];
}

/** Day of month as `dd` or ` d` (RFC 3164 pads with a space) at s[i..i+2), or -1. */
function dayAt(s: string, i: number): number {
  if (s.charCodeAt(i) === SP) return digitsAt(s, i + 1, 1);
  return digitsAt(s, i, 2);
}

export function parseBsd(s: string, ctx: TimeCtx, cache: StampCache): Prefix | undefined {
  const i = afterPri(s);
  if (i < 0) return undefined;
  const month0 = monthAt(s, i);
  if (month0 < 0 || s.charCodeAt(i + 3) !== SP || s.charCodeAt(i + 6) !== SP) return undefined;
  const day = dayAt(s, i + 4);
  if (day < 1) return undefined;
  let j = i + 7;
  let year = -1;
  if (s.charCodeAt(j + 4) === SP && s.charCodeAt(j + 2) !== 58) {
    year = digitsAt(s, j, 4);
    if (year < 0) return undefined;
    j += 5;
  }
  const [h, m, sec] = hmsAt(s, j);
  if (h < 0) return undefined;
  const [ms, afterFrac] = fractionAt(s, j + 8);
  j = afterFrac;
  if (year < 0 && s.charCodeAt(j) === SP && s.charCodeAt(j + 5) === SP) {
    const y = digitsAt(s, j + 1, 4);
    if (y >= 1970 && y < 2200) {
      year = y;
      j += 5;
    }
  }
  let tMs: number;
  if (cache.has(s, i, j)) tMs = cache.ms;
  else {
    tMs = ctx.clock.toUtc(year < 0 ? ctx.year.yearFor(month0) : year, month0, day, h, m, sec, ms);
    cache.key = s.slice(i, j);
    cache.ms = tMs;
  }
  return tailAt(s, j, 'rfc3164', tMs);
}

/**
 * `YYYY-MM-DD[T ]hh:mm:ss[.f][Z|+hh:mm|+hhmm]` at s[i..]: [epoch ms, index after], or undefined.
 * Without a zone the time is local to the configured zone.
 */
export function isoAt(s: string, i: number, clock: ZoneClock): [number, number] | undefined {
  const y = digitsAt(s, i, 4);
  if (y < 0 || s.charCodeAt(i + 4) !== 45) return undefined;
  const mo = digitsAt(s, i + 5, 2);
  if (mo < 1 || s.charCodeAt(i + 7) !== 45) return undefined;
  const d = digitsAt(s, i + 8, 2);
  const sep = s.charCodeAt(i + 10);
  if (d < 1 || (sep !== 84 && sep !== SP)) return undefined;
  const [h, m, sec] = hmsAt(s, i + 11);
  if (h < 0) return undefined;
  const [ms, j] = fractionAt(s, i + 19);
  const z = s.charCodeAt(j);
  if (z === 90) return [Date.UTC(y, mo - 1, d, h, m, sec, ms), j + 1];
  if (z === 43 || z === 45) {
    const oh = digitsAt(s, j + 1, 2);
    const colon = s.charCodeAt(j + 3) === 58 ? 1 : 0;
    const om = digitsAt(s, j + 3 + colon, 2);
    if (oh >= 0 && om >= 0) {
      const off = (oh * 60 + om) * 60_000 * (z === 43 ? 1 : -1);
      return [Date.UTC(y, mo - 1, d, h, m, sec, ms) - off, j + 5 + colon];
    }
  }
  return [clock.toUtc(y, mo - 1, d, h, m, sec, ms), j];
}

export function parseIsoPrefixed(s: string, ctx: TimeCtx, cache: StampCache): Prefix | undefined {
  const i = afterPri(s);
  if (i < 0) return undefined;
  // The stamp ends at the first space after the date part (index 10 may itself be a space).
  const end = s.indexOf(' ', i + 11);
  let tMs: number;
  let j: number;
  if (end > 0 && cache.has(s, i, end)) {
    tMs = cache.ms;
    j = end;
  } else {
    const r = isoAt(s, i, ctx.clock);
    if (!r) return undefined;
    [tMs, j] = r;
    if (j !== end && j !== s.length) return undefined;
    cache.key = end < 0 ? s.slice(i) : s.slice(i, end);
    cache.ms = tMs;
  }
  return tailAt(s, j, 'short-iso', tMs);
}

/** OpenWrt logd: ctime (`Mon Nov 20 10:00:00 2026`, day padded with a space) then `facility.level`. */
export function parseOpenwrt(s: string, ctx: TimeCtx, cache: StampCache): Prefix | undefined {
  if (!isDayNameAt(s, 0) || s.charCodeAt(3) !== SP) return undefined;
  const month0 = monthAt(s, 4);
  if (month0 < 0 || s.charCodeAt(7) !== SP || s.charCodeAt(10) !== SP) return undefined;
  const day = dayAt(s, 8);
  const [h, m, sec] = hmsAt(s, 11);
  if (day < 1 || h < 0 || s.charCodeAt(19) !== SP) return undefined;
  const year = digitsAt(s, 20, 4);
  if (year < 0 || s.charCodeAt(24) !== SP) return undefined;
  let tMs: number;
  if (cache.has(s, 0, 24)) tMs = cache.ms;
  else {
    tMs = ctx.clock.toUtc(year, month0, day, h, m, sec);
    cache.key = s.slice(0, 24);
    cache.ms = tMs;
  }
  // FreeRADIUS's own radius.log (src/main/log.c, radlog to a file): the same ctime, then " : " and
  // the level ("Auth: (3) Login incorrect ..."). It names no program: every line is radiusd's.
  if (s.charCodeAt(25) === 58 && s.charCodeAt(26) === SP) {
    return { format: 'freeradius', tMs, program: 'radiusd', message: s.slice(27) };
  }
  let j = 25;
  // `daemon.info` / `authpriv.notice`: a facility.level token, not a host.
  const sp = s.indexOf(' ', j);
  if (sp > j) {
    const dot = s.indexOf('.', j);
    if (dot > j && dot < sp && s.charCodeAt(sp - 1) !== 58) j = sp + 1;
  }
  const p = tailAt(s, j, 'openwrt', tMs);
  return p;
}
