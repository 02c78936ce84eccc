/**
 * Local hour numbers in an IANA zone, for the baseline rule's "same hour of day": with a zone, the
 * 09:00 of a DST day is compared with the 09:00 of the days before, not with 08:00 or 10:00 UTC-wise.
 * Offsets are looked up once per quarter hour (every zone's transitions fall on quarter hours).
 */
const SLOT_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;

/**
 * UTC offset of an IANA zone at an instant, cached per quarter hour. Shared by the baseline rule's
 * local hours and the alerts' maintenance windows, so both read wall-clock time the same way.
 */
export class ZoneOffsets {
  private readonly fmt: Intl.DateTimeFormat | undefined;
  private readonly offsets = new Map<number, number>();

  /** `undefined` or `UTC` means offset 0 without any lookup. */
  constructor(readonly timezone: string | undefined) {
    this.fmt =
      timezone === undefined || timezone === 'UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', {
            timeZone: timezone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
          });
  }

  /** Milliseconds to add to `tMs` (UTC) to get the zone's wall-clock time as a UTC-based number. */
  offsetAt(tMs: number): number {
    if (this.fmt === undefined) return 0;
    const slot = Math.floor(tMs / SLOT_MS);
    let off = this.offsets.get(slot);
    if (off === undefined) {
      const at = slot * SLOT_MS;
      const p: Record<string, number> = {};
      for (const part of this.fmt.formatToParts(at))
        if (part.type !== 'literal') p[part.type] = Number(part.value);
      off = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0) - at;
      if (this.offsets.size > 4096) this.offsets.clear();
      this.offsets.set(slot, off);
    }
    return off;
  }
}

/** Local hour numbers: the hour number of `tMs` on the zone's wall clock (consecutive local days differ by 24). */
export class ZoneHours {
  private readonly zone: ZoneOffsets;

  constructor(readonly timezone: string | undefined) {
    this.zone = new ZoneOffsets(timezone);
  }

  hourOf(tMs: number): number {
    return Math.floor((tMs + this.zone.offsetAt(tMs)) / HOUR_MS);
  }
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
