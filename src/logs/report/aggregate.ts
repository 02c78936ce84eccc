/**
 * The figures of an `analyze` report, gathered from the pipeline's events and sessions as they stream
 * by. Nothing here holds a session after it is counted except a few numbers (start/end for peak
 * concurrency, the duration), so a log of any size is summarised in bounded memory.
 */
import type { EndCause, Event } from '../../events/index.js';
import type { Session } from '../session.js';
import { isoMs } from '../formats/time.js';

/** Ends that are not failures: the user, an administrator or a configured limit ended the call. */
const NORMAL_ENDS: ReadonlySet<EndCause> = new Set([
  'user_disconnect',
  'admin',
  'idle_timeout',
  'session_timeout',
]);

/** Transports that are pppd sessions but not PPTP: reported apart, never counted as PPTP sessions. */
const NOT_PPTP: ReadonlySet<string> = new Set(['l2tp', 'pppoe', 'serial']);

export function isFailure(cause: EndCause | undefined): boolean {
  return cause !== undefined && !NORMAL_ENDS.has(cause);
}

export function isPptp(s: Session): boolean {
  return !NOT_PPTP.has(s.transport);
}

/** Which event kind proves which end cause: the example line shown for a failure. */
function causeOf(ev: Event): EndCause | undefined {
  switch (ev.kind) {
    case 'auth.fail':
      return 'auth_failed';
    case 'auth.backend.timeout':
    case 'auth.backend.error':
      return 'auth_backend';
    case 'ppp.mppe.failed':
      return 'mppe_failed';
    case 'ppp.lcp.timeout':
      return 'lcp_timeout';
    case 'ppp.echo.timeout':
      return 'link_dead';
    case 'ppp.ipcp.timeout':
      return 'ipcp_timeout';
    case 'ppp.ccp.timeout':
      return 'ccp_timeout';
    case 'pptp.gre.error':
      return 'gre_error';
    case 'pptp.ctrl.close':
      return 'ctrl_closed';
    case 'ppp.lcp.terminated':
      return 'user_disconnect';
    case 'pptp.server.start':
      return 'server_restart';
    case 'ppp.error':
      return ev.attrs.cause;
    default:
      return undefined;
  }
}

export interface AnalyzeFilter {
  sinceMs?: number;
  untilMs?: number;
  user?: string;
  peer?: string;
  host?: string;
}

export interface CauseExample {
  count: number;
  /** The log line that proves the cause, from the first session that ended so. */
  example?: string;
  session?: string;
}

export interface Tally {
  key: string;
  count: number;
}

export interface SessionFigures {
  sessions: number;
  byRole: Record<string, number>;
  byTransport: Record<string, number>;
  open: number;
  ends: Partial<Record<EndCause, number>>;
  failures: Partial<Record<EndCause, number>>;
  failureExamples: Partial<Record<EndCause, CauseExample>>;
  authFailures: { byUser: Record<string, number>; byPeer: Record<string, number> };
  topFailingUsers: Tally[];
  topFailingPeers: Tally[];
  peakConcurrent: number;
  peakAt?: string;
  durationSeconds?: { p50: number; p90: number; p99: number; max: number };
  bytes: { sent: number; received: number };
}

function ms(ts: string | undefined): number | undefined {
  if (ts === undefined) return undefined;
  const n = isoMs(ts);
  return Number.isNaN(n) ? undefined : n;
}

function bump(m: Map<string, number>, k: string | undefined): void {
  if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
}

function top(m: Map<string, number>, n: number): Tally[] {
  return [...m]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
    .slice(0, n);
}

/** Nearest-rank percentile of an ascending array. */
function pct(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export class Aggregator {
  private readonly f: AnalyzeFilter;
  /** Per open session: the first line proving each cause seen so far (dropped when it closes). */
  private readonly proof = new Map<string, Map<EndCause, string>>();
  private n = 0;
  private open = 0;
  private readonly byRole = new Map<string, number>();
  private readonly byTransport = new Map<string, number>();
  private readonly ends = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly examples = new Map<EndCause, CauseExample>();
  private readonly authUser = new Map<string, number>();
  private readonly authPeer = new Map<string, number>();
  private readonly failUser = new Map<string, number>();
  private readonly failPeer = new Map<string, number>();
  private readonly spans: [number, number][] = [];
  private readonly durations: number[] = [];
  private bytesSent = 0;
  private bytesReceived = 0;

  constructor(filter: AnalyzeFilter = {}) {
    this.f = filter;
  }

  /** Notes an event's proof line (for every event: filters apply to what is shown, not what is seen). */
  noteEvent(ev: Event): void {
    if (ev.session === undefined || ev.raw === undefined) return;
    const cause = causeOf(ev);
    if (cause === undefined) return;
    let m = this.proof.get(ev.session);
    if (!m) {
      // A session that never closes (log cut short) must not pin its entry forever.
      if (this.proof.size > 50_000) this.proof.clear();
      m = new Map();
      this.proof.set(ev.session, m);
    }
    if (!m.has(cause)) m.set(cause, ev.raw);
  }

  eventMatches(ev: Event): boolean {
    const f = this.f;
    if (f.host !== undefined && ev.host !== f.host) return false;
    if (f.user !== undefined && ev.user !== f.user) return false;
    if (f.peer !== undefined && ev.peer !== f.peer) return false;
    const t = ms(ev.ts);
    if (t !== undefined && f.sinceMs !== undefined && t < f.sinceMs) return false;
    if (t !== undefined && f.untilMs !== undefined && t > f.untilMs) return false;
    return true;
  }

  /** A session overlapping the time window, of the user/peer/host asked for. */
  sessionMatches(s: Session): boolean {
    const f = this.f;
    if (f.host !== undefined && s.host !== f.host) return false;
    if (f.user !== undefined && s.user !== f.user) return false;
    if (f.peer !== undefined && s.peer !== f.peer) return false;
    const a = ms(s.start);
    const b = ms(s.end);
    if (f.sinceMs !== undefined && (b ?? a) !== undefined && (b ?? a)! < f.sinceMs) return false;
    if (f.untilMs !== undefined && a !== undefined && a > f.untilMs) return false;
    return true;
  }

  /** Counts a session (call once per session, when it closes or at the end of input). */
  addSession(s: Session): void {
    const proof = this.proof.get(s.id);
    this.proof.delete(s.id);
    bump(this.byTransport, s.transport);
    if (!isPptp(s)) return;
    this.n++;
    bump(this.byRole, s.role);
    const a = ms(s.start);
    const b = ms(s.end);
    if (a !== undefined || b !== undefined)
      this.spans.push([a ?? b!, s.cause === undefined ? Infinity : (b ?? a!)]);
    if (s.cause === undefined) {
      this.open++;
    } else {
      bump(this.ends, s.cause);
      const secs = s.seconds ?? (a !== undefined && b !== undefined ? Math.round((b - a) / 1000) : undefined);
      if (secs !== undefined) this.durations.push(secs);
    }
    this.bytesSent += s.bytesSent ?? 0;
    this.bytesReceived += s.bytesReceived ?? 0;
    if (!isFailure(s.cause)) return;
    const cause = s.cause as EndCause;
    bump(this.failures, cause);
    bump(this.failUser, s.user);
    bump(this.failPeer, s.peer);
    if (cause === 'auth_failed') {
      bump(this.authUser, s.user ?? '(unknown)');
      bump(this.authPeer, s.peer ?? '(unknown)');
    }
    const ex = this.examples.get(cause);
    if (ex) ex.count++;
    else {
      const line = proof?.get(cause) ?? s.evidence[s.evidence.length - 1];
      this.examples.set(
        cause,
        line === undefined ? { count: 1, session: s.id } : { count: 1, example: line, session: s.id },
      );
    }
  }

  private peak(): { n: number; at?: number } {
    // Sweep over starts and ends. Log times have one-second resolution, so at equal times starts go
    // first: a call that ends in the second another starts is counted as overlapping it, and a call
    // whose start and end share a second (or a pppd logfile's mtime) still counts as one.
    const pts: [number, number][] = [];
    for (const [a, b] of this.spans) {
      pts.push([a, 1]);
      if (b !== Infinity) pts.push([b, -1]);
    }
    pts.sort((x, y) => x[0] - y[0] || y[1] - x[1]);
    let cur = 0;
    let best = 0;
    let at: number | undefined;
    for (const [t, d] of pts) {
      cur += d;
      if (cur > best) {
        best = cur;
        at = t;
      }
    }
    return at === undefined ? { n: best } : { n: best, at };
  }

  figures(): SessionFigures {
    const d = [...this.durations].sort((x, y) => x - y);
    const p = this.peak();
    const out: SessionFigures = {
      sessions: this.n,
      byRole: Object.fromEntries(this.byRole),
      byTransport: Object.fromEntries(this.byTransport),
      open: this.open,
      ends: Object.fromEntries(this.ends),
      failures: Object.fromEntries(this.failures),
      failureExamples: Object.fromEntries(this.examples),
      authFailures: { byUser: Object.fromEntries(this.authUser), byPeer: Object.fromEntries(this.authPeer) },
      topFailingUsers: top(this.failUser, 10),
      topFailingPeers: top(this.failPeer, 10),
      peakConcurrent: p.n,
      bytes: { sent: this.bytesSent, received: this.bytesReceived },
    };
    if (p.at !== undefined) out.peakAt = new Date(p.at).toISOString();
    if (d.length)
      out.durationSeconds = {
        p50: pct(d, 50),
        p90: pct(d, 90),
        p99: pct(d, 99),
        max: d[d.length - 1] as number,
      };
    return out;
  }
}
