/**
 * `journalctl -o json` (and `-f -o json`): one JSON object per line with journald's field names
 * (systemd.journal-fields(7)). Values are strings, except that a field which is not valid UTF-8 is an
 * array of byte values, and a field present several times is an array of those.
 *
 * The shape is checked by hand rather than with a zod schema: this runs once per journal line on the
 * hot path of `analyze` (benchmarked), and only six fields matter.
 */
import type { Prefix } from './prefix.js';

const utf8 = new TextDecoder('utf-8');

/** A journald field value as text; undefined when it is neither a string nor a byte array. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number' && x >= 0 && x <= 255 && Number.isInteger(x))) {
      return utf8.decode(Uint8Array.from(v as number[]));
    }
    // A repeated field: journald keeps every value; the first is the one logged first.
    return v.length ? text(v[0]) : undefined;
  }
  return undefined;
}

function field(o: Record<string, unknown>, k: string): string | undefined {
  return o[k] === undefined || o[k] === null ? undefined : text(o[k]);
}

export function parseJournalJson(s: string): Prefix {
  let obj: unknown;
  try {
    obj = JSON.parse(s);
  } catch (err) {
    return {
      format: 'journal-json',
      message: s,
      problem: `invalid journal JSON (${(err as Error).message})`,
    };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return { format: 'journal-json', message: s, problem: 'journal JSON line is not an object' };
  }
  const o = obj as Record<string, unknown>;
  const rt = o.__REALTIME_TIMESTAMP;
  if (typeof rt !== 'string' || !/^\d{1,20}$/.test(rt)) {
    return {
      format: 'journal-json',
      message: s,
      problem:
        'journal JSON entry rejected (__REALTIME_TIMESTAMP: expected microseconds as a decimal string)',
    };
  }
  const out: Prefix = {
    format: 'journal-json',
    // Microseconds since the epoch, as a decimal string (too big for exact JSON numbers).
    tMs: Math.floor(Number(rt) / 1000),
    message: field(o, 'MESSAGE') ?? '',
  };
  const host = field(o, '_HOSTNAME');
  if (host) out.host = host;
  const program = field(o, 'SYSLOG_IDENTIFIER') ?? field(o, '_COMM');
  if (program) out.program = program;
  const pid = field(o, 'SYSLOG_PID') ?? field(o, '_PID');
  if (pid && /^\d+$/.test(pid)) out.pid = Number(pid);
  return out;
}
