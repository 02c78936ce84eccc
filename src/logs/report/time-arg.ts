/**
 * `--since` / `--until` values: an ISO 8601 time (`2026-11-24T21:58:00Z`), a local date/time read in
 * the analysis time zone (`2026-11-24 21:58`, `2026-11-24`), or an age like `2h` / `7d` (that long
 * before now).
 */
import { parseDuration } from '../../config/duration.js';
import { ZoneClock } from '../formats/index.js';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch ms, or an Error saying what was expected. */
export function parseTimeArg(text: string, clock: ZoneClock, nowMs: number): number | Error {
  const t = text.trim();
  const age = parseDuration(t);
  if (age !== undefined) return nowMs - age;
  const m = ISO.exec(t);
  if (!m)
    return new Error(
      `expected a time like "2026-11-24T21:58:00Z", "2026-11-24 21:58" or an age like "2h", got ${JSON.stringify(text)}`,
    );
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const ms = Math.floor(Number(`0.${frac}`) * 1000);
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms] as const;
  if (
    fields[1] > 11 ||
    fields[2] < 1 ||
    fields[2] > 31 ||
    fields[3] > 23 ||
    fields[4] > 59 ||
    fields[5] > 60
  ) {
    return new Error(`not a valid date/time: ${JSON.stringify(text)}`);
  }
  if (zone === undefined) return clock.toUtc(...fields);
  const utc = Date.UTC(...fields);
  if (zone === 'Z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const off = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000 * sign;
  return utc - off;
}
