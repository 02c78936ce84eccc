/**
 * RFC 5424 section 6: `<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP
 * STRUCTURED-DATA [SP MSG]`, `-` for a nil field, MSG optionally starting with a UTF-8 BOM (6.4).
 */
import type { Prefix } from './prefix.js';
import { afterPri, isoAt, type TimeCtx } from './syslog.js';

/** True when `s` starts like an RFC 5424 message (`<PRI>1 `), as opposed to BSD with a PRI. */
export function looksRfc5424(s: string): boolean {
  const i = afterPri(s);
  return i > 0 && s.charCodeAt(i) === 49 && s.charCodeAt(i + 1) === 32;
}

function field(s: string, i: number): [string | undefined, number] {
  let j = s.indexOf(' ', i);
  if (j < 0) j = s.length;
  const v = s.slice(i, j);
  return [v === '-' || v === '' ? undefined : v, j + 1];
}

/** Index after STRUCTURED-DATA starting at s[i] (`-` or `[id k="v"]...`, `\]` escaped), or -1. */
function afterStructuredData(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) return i + 1;
  let k = i;
  while (s.charCodeAt(k) === 91) {
    let inQuote = false;
    k++;
    for (; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c === 92)
        k++; // backslash escapes `"`, `\` and `]` inside PARAM-VALUE (6.3.3)
      else if (c === 34) inQuote = !inQuote;
      else if (c === 93 && !inQuote) break;
    }
    if (k >= s.length) return -1;
    k++;
  }
  return k === i ? -1 : k;
}

export function parseRfc5424(s: string, ctx: TimeCtx): Prefix {
  const i = afterPri(s) + 2;
  let tMs: number | undefined;
  let j: number;
  if (s.charCodeAt(i) === 45) j = i + 2;
  else {
    const r = isoAt(s, i, ctx.clock);
    if (!r || (s.charCodeAt(r[1]) !== 32 && r[1] !== s.length)) {
      return { format: 'rfc5424', message: s, problem: 'RFC 5424 line with an unreadable TIMESTAMP' };
    }
    tMs = r[0];
    j = r[1] + 1;
  }
  const [host, a] = field(s, j);
  const [app, b] = field(s, a);
  const [procid, c] = field(s, b);
  const [, d] = field(s, c); // MSGID: no use to us
  const e = afterStructuredData(s, d);
  if (e < 0) return { format: 'rfc5424', message: s, problem: 'RFC 5424 line with broken STRUCTURED-DATA' };
  let message = e < s.length ? s.slice(e + 1) : '';
  if (message.charCodeAt(0) === 0xfeff) message = message.slice(1);
  const out: Prefix = { format: 'rfc5424', message };
  if (tMs !== undefined) out.tMs = tMs;
  if (host !== undefined) out.host = host;
  if (app !== undefined) out.program = app;
  if (procid !== undefined && /^\d+$/.test(procid)) out.pid = Number(procid);
  return out;
}
