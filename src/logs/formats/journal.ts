/**
 * `journalctl -o json` (and `-f -o json`): one JSON object per line with journald's field names
 * (systemd.journal-fields(7)). Values are strings, except that a field which is not valid UTF-8 is an
 * array of byte values, and a field present several times is an array of those.
 */
import { z } from 'zod';
import type { Prefix } from './prefix.js';

const value = z.union([z.string(), z.array(z.number().int().min(0).max(255)), z.null()]);
const entry = z
  .object({
    __REALTIME_TIMESTAMP: z.string().regex(/^\d{1,20}$/),
    MESSAGE: z.union([value, z.array(z.union([z.string(), z.array(z.number())]))]).optional(),
    _HOSTNAME: z.string().optional(),
    SYSLOG_IDENTIFIER: z.string().optional(),
    _COMM: z.string().optional(),
    SYSLOG_PID: z.string().optional(),
    _PID: z.string().optional(),
  })
  .loose();

const utf8 = new TextDecoder('utf-8');

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return utf8.decode(Uint8Array.from(v as number[]));
    // A repeated field: journald keeps every value; the first is the message as logged.
    return v.length ? text(v[0]) : '';
  }
  return '';
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
  const r = entry.safeParse(obj);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first ? `${first.path.join('.') || '(object)'}: ${first.message}` : 'not a journal entry';
    return { format: 'journal-json', message: s, problem: `journal JSON entry rejected (${where})` };
  }
  const e = r.data;
  const out: Prefix = {
    format: 'journal-json',
    // Microseconds since the epoch, as a decimal string (too big for exact JSON numbers).
    tMs: Math.floor(Number(e.__REALTIME_TIMESTAMP) / 1000),
    message: text(e.MESSAGE),
  };
  if (e._HOSTNAME) out.host = e._HOSTNAME;
  const program = e.SYSLOG_IDENTIFIER ?? e._COMM;
  if (program) out.program = program;
  const pid = e.SYSLOG_PID ?? e._PID;
  if (pid && /^\d+$/.test(pid)) out.pid = Number(pid);
  return out;
}
