/**
 * Wall-clock times in log lines to UTC. Syslog lines without a zone (RFC 3164, OpenWrt logd, pppd's
 * own timestamps) are read in a configured IANA zone, default the host's. Intl gives the zone offset,
 * through the cached lookup the rules use too (rules/zone.ts ZoneOffsets), so the hot path does no
 * Intl work once a file's hours are seen.
 */
import { readlinkSync } from 'node:fs';
import { ZoneOffsets } from '../../rules/zone.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_CODES = new Map(
  MONTHS.map((m, i) => [(m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), i]),
);
const DAYS = new Set(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);

/**
 * 0-based month of a 3-letter English month name at `s[i..i+3)`, or -1. Compared by character codes
 * (no substring): this runs once per kept syslog line.
 */
export function monthAt(s: string, i: number): number {
  const key = (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8) | s.charCodeAt(i + 2);
  return MONTH_CODES.get(key) ?? -1;
}

/** monthAt on raw bytes: 0-based month of the name at b[i..i+3), or -1. */
export function monthOfBytes(b: Uint8Array, i: number): number {
  const key = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number);
  return MONTH_CODES.get(key) ?? -1;
}

export function isDayNameAt(s: string, i: number): boolean {
  return DAYS.has(s.slice(i, i + 3));
}

/** Value of the `n` ASCII digits at `s[i..]`, or -1 if any is not a digit. */
export function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** The host's IANA zone (what `date` uses), e.g. `Europe/Berlin`; `UTC` when unknown. */
export function hostTimeZone(): string {
  // TZ=UTC (containers, most servers): answered without starting ICU.
  const tz = process.env.TZ?.replace(/^:/, '');
  if (tz !== undefined && isUtc(tz)) return 'UTC';
  if (tz === undefined) {
    // No TZ: ICU takes the zone /etc/localtime links to (…/zoneinfo/Etc/UTC on most servers and
    // containers), so a UTC link is answered the same way without ICU's start-up.
    try {
      const zone = /zoneinfo\/(.+)$/.exec(readlinkSync('/etc/localtime'))?.[1];
      if (zone !== undefined && isUtc(zone)) return 'UTC';
    } catch {
      // Not a link (a copied zone file) or absent: ask ICU.
    }
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Throws a clear error for a zone name Intl does not know. */
export function checkTimeZone(zone: string): void {
  if (isUtc(zone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new Error(`unknown time zone ${JSON.stringify(zone)} (expected an IANA name like "Europe/Berlin")`);
  }
}

/** Names of UTC itself: no Intl needed (ICU's first use costs tens of milliseconds at start-up). */
function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT' || zone === 'Etc/GMT';
}

/** Converts wall-clock fields in one IANA zone to UTC epoch milliseconds. */
export class ZoneClock {
  readonly zone: string;
  /** The rules' cached offset lookup (per quarter hour: zones like +5:45 or +9:30 change on those). */
  private readonly offsets: ZoneOffsets | undefined;

  constructor(zone: string) {
    this.zone = zone;
    if (isUtc(zone)) this.offsets = undefined;
    else {
      checkTimeZone(zone);
      this.offsets = new ZoneOffsets(zone);
    }
  }

  /** Offset of the zone from UTC (ms, east positive) at the instant `utcMs`. */
  offsetAt(utcMs: number): number {
    return this.offsets === undefined ? 0 : this.offsets.offsetAt(utcMs);
  }

  /** UTC ms for a wall time in this zone. In a DST gap the time is read with the offset before it. */
  toUtc(year: number, month0: number, day: number, h: number, m: number, s: number, ms = 0): number {
    const wall = Date.UTC(year, month0, day, h, m, s, ms);
    if (this.offsets === undefined) return wall;
    const off1 = this.offsetAt(wall);
    const t = wall - off1;
    const off2 = this.offsetAt(t);
    return off2 === off1 ? t : wall - off2;
  }
}

/**
 * Year for syslog lines that carry none (RFC 3164 has no year). A log file is written before its
 * mtime, so a line's month later than the mtime's month belongs to the year before: this is the
 * December -> January rollover of a file rotated in January.
 */
export class YearGuess {
  private readonly refYear: number;
  private readonly refMonth0: number;

  constructor(refMs: number, clock: ZoneClock) {
    const local = new Date(refMs + clock.offsetAt(refMs));
    this.refYear = local.getUTCFullYear();
    this.refMonth0 = local.getUTCMonth();
  }

  yearFor(month0: number): number {
    return month0 > this.refMonth0 ? this.refYear - 1 : this.refYear;
  }
}

/*
 * ISO 8601 text of record times, both ways, without Date's general machinery: `toISOString` costs
 * ~0.7 us and `Date.parse` ~0.25 us a call (measured on node 20), once per record of a large log
 * whose times change from line to line. Both keep the minute they saw last: log lines come in time
 * order, so a minute is mostly met many times in a row.
 */
const SECS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** `.mmmZ` texts, made on first use: syslog times mostly have none (`.000Z`), and the agent keeps this. */
const MILLIS: string[] = [];
/** 0000-01-01 .. 9999-12-31: where toISOString writes a 4-digit year (the only form handled here). */
const ISO_MIN_MS = -62167219200000;
const ISO_END_MS = 253402300800000;
let isoMinute = NaN;
/** `YYYY-MM-DDTHH:MM:` of isoMinute. */
let isoPrefix = '';

/** `new Date(t).toISOString()`, the same text (RangeError for an invalid time, as Date's). */
export function isoOf(t: number): string {
  if (!Number.isInteger(t)) return new Date(t).toISOString();
  const minute = Math.floor(t / 60_000) * 60_000;
  if (minute !== isoMinute) {
    if (t < ISO_MIN_MS || t >= ISO_END_MS) return new Date(t).toISOString();
    isoMinute = minute;
    isoPrefix = new Date(minute).toISOString().slice(0, 17);
  }
  const r = t - minute;
  const s = Math.floor(r / 1000);
  const ms = r - s * 1000;
  const tail = (MILLIS[ms] ??= `.${String(ms).padStart(3, '0')}Z`);
  return isoPrefix + (SECS[s] as string) + tail;
}

let parsedPrefix = '';
let parsedMinute = NaN;

/** Two ASCII digits at s[i..i+2) as a number, or NaN. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * `Date.parse(ts)` for the `YYYY-MM-DDTHH:MM:SS.mmmZ` text isoOf and toISOString write (NaN when it
 * does not parse, as Date.parse); any other form goes to Date.parse itself.
 */
export function isoMs(ts: string): number {
  if (ts.length === 24 && ts.charCodeAt(23) === 90 /* Z */ && ts.charCodeAt(19) === 46 /* . */) {
    if (!ts.startsWith(parsedPrefix) || parsedPrefix === '') {
      const m = Date.parse(`${ts.slice(0, 17)}00.000Z`);
      if (Number.isNaN(m)) return Date.parse(ts);
      parsedPrefix = ts.slice(0, 17);
      parsedMinute = m;
    }
    const sec = two(ts, 17);
    const a = ts.charCodeAt(20) - 48;
    const b = ts.charCodeAt(21) - 48;
    const c = ts.charCodeAt(22) - 48;
    if (sec < 60 && a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9)
      return parsedMinute + sec * 1000 + a * 100 + b * 10 + c;
  }
  return Date.parse(ts);
}
