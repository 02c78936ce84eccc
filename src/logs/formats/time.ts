/**
 * Wall-clock times in log lines to UTC. Syslog lines without a zone (RFC 3164, OpenWrt logd, pppd's
 * own timestamps) are read in a configured IANA zone, default the host's. Intl gives the zone offset;
 * offsets are cached per UTC hour so the hot path does no Intl work once a file's hours are seen.
 */

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

const HOUR_MS = 3_600_000;

/** Names of UTC itself: no Intl needed (ICU's first use costs tens of milliseconds at start-up). */
function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT' || zone === 'Etc/GMT';
}

/** Converts wall-clock fields in one IANA zone to UTC epoch milliseconds. */
export class ZoneClock {
  readonly zone: string;
  private readonly utc: boolean;
  private readonly dtf: Intl.DateTimeFormat | undefined;
  private readonly offsets = new Map<number, number>();

  constructor(zone: string) {
    this.zone = zone;
    this.utc = isUtc(zone);
    if (!this.utc) checkTimeZone(zone);
    this.dtf = this.utc
      ? undefined
      : new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        });
  }

  /** Offset of the zone from UTC (ms, east positive) at the instant `utcMs`. */
  offsetAt(utcMs: number): number {
    if (!this.dtf) return 0;
    const bucket = Math.floor(utcMs / HOUR_MS);
    const hit = this.offsets.get(bucket);
    if (hit !== undefined) return hit;
    const f: Record<string, number> = {};
    for (const p of this.dtf.formatToParts(bucket * HOUR_MS)) {
      if (p.type !== 'literal') f[p.type] = Number(p.value);
    }
    const wall = Date.UTC(
      f.year ?? 1970,
      (f.month ?? 1) - 1,
      f.day ?? 1,
      f.hour ?? 0,
      f.minute ?? 0,
      f.second ?? 0,
    );
    const off = wall - bucket * HOUR_MS;
    // Zones change offset on hour boundaries (a few historic ones aside), so one entry per UTC hour
    // is exact; the bound keeps a years-long log from growing the map without end.
    if (this.offsets.size > 50_000) this.offsets.clear();
    this.offsets.set(bucket, off);
    return off;
  }

  /** UTC ms for a wall time in this zone. In a DST gap the time is read with the offset before it. */
  toUtc(year: number, month0: number, day: number, h: number, m: number, s: number, ms = 0): number {
    const wall = Date.UTC(year, month0, day, h, m, s, ms);
    if (!this.dtf) return wall;
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
