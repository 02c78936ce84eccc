/**
 * The human `analyze` report: what an on-call engineer reads first (span, sessions, failures with the
 * line that proves each), then detail (top failing users/IPs, the per-session table, what we could not
 * classify, what could not be read).
 */
import { formatIssue } from '../read/index.js';
import type { Session } from '../session.js';
import type { AnalyzeDocument } from './document.js';

export interface SessionRow {
  start: string;
  end: string;
  seconds: string;
  user: string;
  peer: string;
  iface: string;
  ips: string;
  mppe: string;
  bytes: string;
  role: string;
  cause: string;
}

const DASH = '-';

function hhmmss(ts: string | undefined): string {
  return ts === undefined ? DASH : ts.replace('T', ' ').replace(/\.000Z$|Z$/, 'Z');
}

export function sessionRow(s: Session): SessionRow {
  return {
    start: hhmmss(s.start),
    end: hhmmss(s.end),
    seconds: s.seconds === undefined ? DASH : String(s.seconds),
    user: s.user ?? DASH,
    peer: s.peer ?? DASH,
    iface: s.iface ?? DASH,
    ips: s.localIp || s.remoteIp ? `${s.localIp ?? '?'} -> ${s.remoteIp ?? '?'}` : DASH,
    mppe: s.mppe ?? DASH,
    bytes:
      s.bytesSent === undefined && s.bytesReceived === undefined
        ? DASH
        : `${s.bytesSent ?? 0}/${s.bytesReceived ?? 0}`,
    role: s.transport === 'pptp' || s.transport === 'unknown' ? s.role : `${s.role}/${s.transport}`,
    cause: s.cause ?? '(open)',
  };
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    '  ' +
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

function seconds(n: number): string {
  if (n < 120) return `${n} s`;
  if (n < 7200) return `${(n / 60).toFixed(1)} min`;
  return `${(n / 3600).toFixed(1)} h`;
}

function spanText(first: string | undefined, last: string | undefined): string {
  if (first === undefined || last === undefined) return 'unknown (no timestamped lines)';
  const secs = Math.round((Date.parse(last) - Date.parse(first)) / 1000);
  return `${hhmmss(first)} .. ${hhmmss(last)} (${seconds(secs)})`;
}

function counts(m: Record<string, number | undefined>): string {
  const e = Object.entries(m).filter((x): x is [string, number] => x[1] !== undefined);
  return e.length
    ? e
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')
    : 'none';
}

export function renderText(d: AnalyzeDocument, rows?: SessionRow[]): string {
  const s = d.summary;
  const o: string[] = [];
  const nFiles = d.files.length;
  o.push(
    `pptpmon analyze: ${nFiles} input${nFiles === 1 ? '' : 's'}, ${d.lines} lines, ${d.records} lines of pppd/pptpd/RADIUS analysed, ${d.events} events\n`,
  );
  o.push(
    `Time span:    ${spanText(d.span.first, d.span.last)}  (lines without a zone read as ${d.timeZone})\n`,
  );
  o.push(`Formats:      ${counts(d.formats)}\n`);
  if (nFiles > 1)
    for (const f of d.files) o.push(`  ${f.file}${f.gzip ? ' (gzip)' : ''}: ${counts(f.formats)}\n`);
  for (const f of d.files) {
    const u = f.untimed;
    if (!u) continue;
    // pppd logfile lines carry no time: say where theirs came from, so durations are read with care.
    const parts = [
      u.neighbour ? `${u.neighbour} from the timestamped line before or after` : '',
      u.mtime ? `${u.mtime} from the file's mtime (${hhmmss(f.mtime)})` : '',
      u.none ? `${u.none} unknown (a stream has no mtime)` : '',
    ].filter((x) => x !== '');
    o.push(`  ${f.file}: lines without a time: ${parts.join(', ')}\n`);
  }
  const roles = counts(s.byRole);
  o.push(`Sessions:     ${s.sessions} PPTP (${roles})${s.open ? `, ${s.open} still open at the end` : ''}\n`);
  const other = Object.entries(s.byTransport).filter(
    ([t]) => t === 'l2tp' || t === 'pppoe' || t === 'serial',
  );
  if (other.length)
    o.push(`              not PPTP, not counted: ${other.map(([t, n]) => `${t} ${n}`).join(', ')}\n`);
  o.push(`Peak:         ${s.peakConcurrent} concurrent${s.peakAt ? ` at ${hhmmss(s.peakAt)}` : ''}\n`);
  if (s.durationSeconds) {
    const p = s.durationSeconds;
    o.push(
      `Duration:     p50 ${seconds(p.p50)}, p90 ${seconds(p.p90)}, p99 ${seconds(p.p99)}, max ${seconds(p.max)}\n`,
    );
  }
  o.push(`Bytes:        sent ${s.bytes.sent}, received ${s.bytes.received} (as pppd reports them)\n`);
  o.push(`Ends:         ${counts(s.ends)}\n`);

  const fails = Object.entries(s.failures).filter((x): x is [string, number] => x[1] !== undefined);
  o.push(`\nFailures by cause${fails.length ? '' : ': none'}\n`);
  for (const [cause, n] of fails.sort((a, b) => b[1] - a[1])) {
    const ex = s.failureExamples[cause as keyof typeof s.failureExamples];
    o.push(`  ${cause.padEnd(16)} ${String(n).padStart(6)}   e.g. ${ex?.example ?? '(no line)'}\n`);
  }
  if (s.topFailingUsers.length) {
    o.push(
      `\nTop failing users\n${table(
        ['count', 'user', 'auth failures'],
        s.topFailingUsers.map((t) => [String(t.count), t.key, String(s.authFailures.byUser[t.key] ?? 0)]),
      )}`,
    );
  }
  if (s.topFailingPeers.length) {
    o.push(
      `\nTop failing peers (client IPs; the server, in client-side logs)\n${table(
        ['count', 'peer', 'auth failures'],
        s.topFailingPeers.map((t) => [String(t.count), t.key, String(s.authFailures.byPeer[t.key] ?? 0)]),
      )}`,
    );
  }
  if (rows) {
    o.push(`\nSessions (${rows.length})\n`);
    o.push(
      table(
        ['start', 'end', 'secs', 'user', 'peer', 'iface', 'tunnel IPs', 'mppe', 'sent/recv', 'role', 'cause'],
        rows.map((r) => [
          r.start,
          r.end,
          r.seconds,
          r.user,
          r.peer,
          r.iface,
          r.ips,
          r.mppe,
          r.bytes,
          r.role,
          r.cause,
        ]),
      ),
    );
  }
  const u = d.unclassified;
  if (u.total) {
    o.push(`\nUnclassified lines of known programs: ${u.total} (${u.distinct} kinds), top ${u.top.length}\n`);
    o.push(
      table(
        ['count', 'program', 'template'],
        u.top.map((x) => [String(x.count), x.program, x.template]),
      ),
    );
  }
  if (d.inputErrors.length) {
    o.push(`\nInput problems (the rest was analysed)\n`);
    for (const i of d.inputErrors) o.push(`  ${formatIssue(i)}\n`);
    for (const m of d.inputErrorsMore) o.push(`  ${m.file}: ${m.more} more ${m.kind} problems\n`);
  }
  if (d.internalErrors) o.push(`\n${d.internalErrors} lines skipped by an internal error (please report)\n`);
  return o.join('');
}
