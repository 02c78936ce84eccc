/**
 * Recurring maintenance windows: a 5-field cron expression read on the wall clock of an IANA time
 * zone, plus a duration. cron-parser parses and validates the expression; matching is done here on
 * local wall-clock fields because cron-parser skips an occurrence that falls in a DST gap, and a
 * weekly 02:30 window in Europe/Berlin must not silently vanish on the last Sunday of March.
 * DST semantics (as Vixie cron and systemd): a start time inside the spring-forward gap starts at the
 * first instant after the gap; a start time that occurs twice in the autumn fall-back hour starts at
 * the first occurrence and the repeated one extends the window (maintenance is not cut short).
 * The duration is real elapsed time.
 */
import { createRequire } from 'node:module';
// The leaf module, not rules/index.js: config/schema -> alerts/policy -> here must not pull in the rule engine.
import { ZoneOffsets } from '../rules/zone.js';

const MINUTE_MS = 60_000;

// cron-parser (with luxon) is loaded on first use, not at import: config/schema imports this module,
// so every `pptpmon agent` paid ~9 MB of RSS for it though only maintenance windows use it (the agent
// is held to 80 MB, issue 5). It is CommonJS, so a synchronous require serves the sync parse below.
const requireCjs = createRequire(import.meta.url);
type CronParser = (typeof import('cron-parser'))['CronExpressionParser'];
let cronParser: CronParser | undefined;
const parser = (): CronParser =>
  (cronParser ??= (requireCjs('cron-parser') as typeof import('cron-parser')).CronExpressionParser);
/** Offsets are looked up per quarter hour: every zone's transitions fall on quarter hours. */

interface CronFields {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domAny: boolean;
  dowAny: boolean;
}

function numbers(vals: readonly (number | string)[], what: string, expr: string): Set<number> {
  const out = new Set<number>();
  for (const v of vals) {
    if (typeof v !== 'number')
      throw new Error(`cron ${JSON.stringify(expr)}: ${what} value ${String(v)} is not supported`);
    out.add(v);
  }
  return out;
}

function parseCron(expr: string): CronFields {
  if (expr.trim().split(/\s+/).length !== 5) {
    throw new Error(
      `cron ${JSON.stringify(expr)}: expected 5 fields (minute hour day-of-month month day-of-week)`,
    );
  }
  const f = parser().parse(expr).fields;
  const dow = numbers(f.dayOfWeek.values, 'day-of-week', expr);
  if (dow.has(7)) dow.add(0);
  return {
    minute: numbers(f.minute.values, 'minute', expr),
    hour: numbers(f.hour.values, 'hour', expr),
    dom: numbers(f.dayOfMonth.values, 'day-of-month', expr),
    month: numbers(f.month.values, 'month', expr),
    dow,
    domAny: f.dayOfMonth.isWildcard,
    dowAny: f.dayOfWeek.isWildcard,
  };
}

export function assertTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`unknown time zone ${JSON.stringify(tz)} (use an IANA name like "Europe/Berlin")`);
  }
}

export class CronWindow {
  private readonly fields: CronFields;
  private readonly zone: ZoneOffsets;

  constructor(
    readonly cron: string,
    readonly timezone: string,
    readonly durationMs: number,
  ) {
    if (!(durationMs > 0)) throw new Error('a maintenance window needs a duration greater than 0');
    assertTimeZone(timezone);
    this.fields = parseCron(cron);
    this.zone = new ZoneOffsets(timezone);
  }

  /** True when `tMs` lies in a window that started at most `durationMs` before. */
  activeAt(tMs: number): boolean {
    const last = Math.floor(tMs / MINUTE_MS) * MINUTE_MS;
    for (let u = last; u > tMs - this.durationMs; u -= MINUTE_MS) {
      const local = u + this.offsetAt(u);
      if (this.matchesLocal(local)) return true;
      // Spring forward: local minutes between the previous instant's and this one's never occur; a
      // start scheduled in them starts now.
      const prevLocal = u - MINUTE_MS + this.offsetAt(u - MINUTE_MS);
      for (let skipped = prevLocal + MINUTE_MS; skipped < local; skipped += MINUTE_MS) {
        if (this.matchesLocal(skipped)) return true;
      }
    }
    return false;
  }

  /** Local wall-clock time as if it were UTC, minus the instant: the zone's offset at `tMs`. */
  offsetAt(tMs: number): number {
    return this.zone.offsetAt(tMs);
  }

  private matchesLocal(localMs: number): boolean {
    const d = new Date(localMs);
    const f = this.fields;
    if (
      !f.minute.has(d.getUTCMinutes()) ||
      !f.hour.has(d.getUTCHours()) ||
      !f.month.has(d.getUTCMonth() + 1)
    ) {
      return false;
    }
    const domOk = f.dom.has(d.getUTCDate());
    const dowOk = f.dow.has(d.getUTCDay());
    // cron(5): when both day fields are restricted, either may match; otherwise both must.
    if (!f.domAny && !f.dowAny) return domOk || dowOk;
    return domOk && dowOk;
  }
}
