/**
 * Session correlation: turns classified records into Session records (session.ts contract).
 *
 * Keys, in order of trust: host + pppd pid (a pppd process is one session; pid-less pppd `logfile`
 * streams are keyed by file instead); then the pptpctrl pid: `CTRL: Client <ip> control connection
 * started` gives the client IP, the `CTRL (PPPD Launcher)` child (debug) or, without debug, the next
 * pppd to start after `Starting call` gives the pppd pid, and `Reaping child PPP[<pid>]` confirms it.
 * That pid pair is how a failed login gets its client IP: pppd's own failure line has none.
 *
 * Memory stays bounded for long-running followers: evidence and event ids are capped per session,
 * pptpctrl state is dropped when pptpctrl exits, and the open maps are capped (oldest evicted).
 */
import type { EndCause, Event } from '../events/index.js';
import type { Match } from './classify/types.js';
import type { LogRecord } from './record.js';
import type { Session, SessionRole, Transport } from './session.js';
import { CtrlLinks, type CtrlState } from './sessions/ctrl.js';
import { applyHint, type HintEnv } from './sessions/hints.js';
import { applyCtrl, type CtrlSide } from './sessions/pptpd.js';
import {
  linkEvent,
  MAX_EVIDENCE,
  newOpen,
  pastAuth,
  pastStart,
  recordMatch,
  tsMs,
  type Open,
} from './sessions/open.js';

export { MAX_EVENT_IDS, MAX_EVIDENCE } from './sessions/open.js';

const MAX_OPEN = 20_000;
/** A pppd stream that said "Connection terminated." but never "Exit." (logfile output has none). */
const TERMINATED_GRACE_MS = 30_000;
/** How long a pppd that exited on "Modem hangup" waits for its silent pptpctrl (see applyPppd). */
const CTRL_WAIT_MS = 15_000;

export type PppFamily = 'pppd' | 'pptpd' | 'keyed';

export class SessionTracker {
  private readonly open = new Map<string, Open>();
  private readonly closed: Open[] = [];
  /** Open sessions that ended or exited and wait for a trailer / their pptpctrl (checked per record). */
  private readonly waiting = new Set<Open>();
  private readonly ctrl = new CtrlLinks();
  /** Hosts on which pptpd itself was seen: a pty-driven pppd there is taken as PPTP. */
  private readonly pptpdHosts = new Set<string>();
  /** Files (pppd logfiles) in which a pppd was shown to serve PPTP: their pty sessions are PPTP too. */
  private readonly pptpFiles = new Set<string>();
  /** Hints that named a pppd pid before that pppd logged anything (xl2tpd), by host|pid. */
  private readonly forPid = new Map<string, { rec: LogRecord; match: Match }>();
  private seq = 0;
  private readonly hintEnv: HintEnv = {
    releaseCtrl: (c) => this.ctrl.release(c),
    pptpFile: (file) => this.pptpFiles.add(file),
    waiting: (o) => this.waiting.add(o),
  };
  private readonly side: CtrlSide = {
    ctrl: this.ctrl,
    open: this.open,
    pptpdHosts: this.pptpdHosts,
    seq: () => this.seq,
    linkCtrl: (o, c, guessed) => this.linkCtrl(o, c, guessed),
    close: (o, rec, events, fallback, force) => this.close(o, rec, events, fallback, force),
  };

  constructor(private readonly defaultHost: string) {}

  hostOf(rec: LogRecord): string {
    return rec.host ?? this.defaultHost;
  }

  /** A record that matters to no session: only lets waiting sessions expire. */
  tick(rec: LogRecord, events: Event[]): void {
    this.seq++;
    if (this.waiting.size > 0) this.expireTerminated(rec.ts, events);
  }

  /** The clock moved without a line (a quiet followed log): lets waiting sessions expire. */
  advance(nowIso: string, events: Event[]): void {
    if (this.waiting.size > 0) this.expireTerminated(nowIso, events);
  }

  /**
   * Applies one classified record. `events` are the record's events (ids already set); they are
   * linked to the session (session/user/peer filled in) and may be appended to (ppp.end) or pruned
   * (a repeated auth.fail for the same attempt).
   */
  apply(rec: LogRecord, family: PppFamily, match: Match, events: Event[], unknown = false): void {
    this.seq++;
    const host = this.hostOf(rec);
    if (family === 'pptpd') applyCtrl(this.side, rec, host, match, events);
    else if (family === 'pppd' || match.sessionKey !== undefined)
      this.applyPppd(rec, host, match, events, unknown);
    else if (match.forPid !== undefined) this.applyForPid(rec, host, match, events);
    this.expireTerminated(rec.ts, events);
  }

  private applyPppd(rec: LogRecord, host: string, match: Match, events: Event[], unknown: boolean): void {
    const key =
      match.sessionKey !== undefined
        ? `${host}|${match.sessionKey}`
        : rec.pid !== undefined
          ? `${host}|${rec.pid}`
          : `${host}|file:${rec.file}`;
    const hints = match.hints ?? [];
    let o = this.open.get(key);
    const begins = hints.some((x) => x.h === 'ppp.begin');
    // "Connect: pppN <--> /dev/pts/M" (main.c start_link) comes once per link, before auth and IPCP:
    // on a session that already had a link, it is a new pppd on a reused pid whose start line and
    // earlier end were lost.
    if (
      o &&
      !begins &&
      !o.terminated &&
      hints.some((x) => x.h === 'tty') &&
      (o.tty !== undefined || pastAuth(o))
    ) {
      this.close(o, rec, events, 'unknown');
      o = undefined;
    }
    if (begins && o) {
      const isStartLine = events.some((e) => e.kind === 'ppp.start');
      // "pppd X started" on a live pid = pid reuse; "using channel" only starts anew after a link.
      // Plugin lines ("Plugin radius.so loaded.") come before "pppd ... started": same process. So
      // does nothing else: pppd main.c logs "started" right after option parsing, before any link,
      // interface, auth or IPCP line; a session that has one of those (its own start line lost to
      // a log gap) belongs to an earlier process on this pid whose end was lost.
      if (
        (isStartLine && (o.started || pastStart(o))) ||
        o.terminated ||
        o.tty !== undefined ||
        match.sessionKey !== undefined
      ) {
        this.close(o, rec, events, o.terminated ? undefined : 'unknown');
        o = undefined;
      }
    }
    if (!o) {
      // A line no classifier knows may be anything (garbage, a foreign program under pppd's tag): it
      // joins a session that exists but never opens one.
      if (unknown) return;
      o = this.create(key, rec, host, match.sessionKey === undefined);
    } else if (
      begins &&
      !o.ctrl &&
      !o.transportKnown &&
      rec.pid !== undefined &&
      match.sessionKey === undefined
    ) {
      // Lines before "pppd ... started" opened the session before its pptpctrl was known.
      const link = this.ctrl.claimForPppd(host, rec.pid, tsMs(rec.ts));
      if (link) this.linkCtrl(o, link.ctrl, link.guessed);
    }
    if (begins && events.some((e) => e.kind === 'ppp.start')) o.started = true;
    for (const x of hints) applyHint(o, x, rec, this.hintEnv);
    if (
      o.peerFromCalling &&
      o.s.peer !== undefined &&
      rec.pid !== undefined &&
      hints.some((x) => x.h === 'peer')
    )
      this.ctrlByPeer(o, host, o.s.peer, rec);
    recordMatch(o, rec, match, events, this.seq);
    if (hints.some((x) => x.h === 'ppp.exit')) {
      if (o.causes[0] === 'ctrl_closed' && o.ctrl && this.ctrl.alive(o.ctrl)) {
        // The pty closed under pppd but its pptpctrl said nothing: either it is about to log its exit
        // (then ctrl_closed stands), or it was killed with pptpd — which the next `MGR: Manager process
        // started` proves (server_restart). Hold the session until one of them, or CTRL_WAIT_MS.
        o.awaitCtrlUntilMs = (tsMs(rec.ts) ?? 0) + CTRL_WAIT_MS;
        this.waiting.add(o);
        o.exitRec = rec;
      } else this.close(o, rec, events);
    }
  }

  /** Hints about another process's pppd (xl2tpd's "PID: N"): now if it is open, else when it starts. */
  private applyForPid(rec: LogRecord, host: string, match: Match, events: Event[]): void {
    const key = `${host}|${match.forPid}`;
    const o = this.open.get(key);
    if (o) {
      for (const x of match.hints ?? []) applyHint(o, x, rec, this.hintEnv);
      recordMatch(o, rec, match, events, this.seq);
      return;
    }
    if (this.forPid.size >= MAX_OPEN) this.forPid.clear();
    this.forPid.set(key, { rec, match });
  }

  private create(key: string, rec: LogRecord, host: string, pidIsPppd: boolean): Open {
    if (this.open.size >= MAX_OPEN) this.evictOldest();
    const s: Session = {
      id: `${host}:${rec.pid ?? 0}:${rec.file}:${rec.line}`,
      host,
      role: 'server',
      transport: 'unknown',
      evidence: [],
      eventIds: [],
    };
    if (rec.pid !== undefined && pidIsPppd) s.pppdPid = rec.pid;
    if (rec.ts !== undefined) s.start = rec.ts;
    const o = newOpen(key, s, rec.file, this.seq);
    this.open.set(key, o);
    const early = this.forPid.get(key);
    if (early) {
      this.forPid.delete(key);
      for (const x of early.match.hints ?? []) applyHint(o, x, early.rec, this.hintEnv);
      recordMatch(o, early.rec, early.match, [], this.seq);
    }
    // An L2TP pppd (xl2tpd said so) is not the pppd of a pptpctrl that is starting a call.
    if (rec.pid !== undefined && pidIsPppd && !o.transportKnown) {
      const link = this.ctrl.claimForPppd(host, rec.pid, tsMs(rec.ts));
      if (link) this.linkCtrl(o, link.ctrl, link.guessed);
    }
    return o;
  }

  /**
   * pppd named its client (calling number): a pppd with no pptpctrl yet (its start line lost), or one
   * guessed by start order whose pptpctrl serves another client, takes the waiting pptpctrl of that
   * client, so the FIFO cannot hand that pptpctrl to a later pppd; a wrong guess goes back to waiting.
   */
  private ctrlByPeer(o: Open, host: string, peer: string, rec: LogRecord): void {
    if (o.ctrl && (!o.ctrlGuessed || o.ctrl.peer === undefined || o.ctrl.peer === peer)) return;
    if (o.transportKnown && o.s.transport !== 'pptp') return;
    const c = this.ctrl.claimByPeer(host, peer, rec.pid ?? 0, tsMs(rec.ts));
    if (!c) return;
    if (o.ctrl) this.ctrl.release(o.ctrl);
    this.linkCtrl(o, c, false);
  }

  private linkCtrl(o: Open, c: CtrlState, guessed: boolean): void {
    o.ctrl = c;
    o.ctrlGuessed = guessed;
    c.sessionKey = o.key;
    o.s.ctrlPid = c.pid;
    if (!o.peerFromCalling && c.peer !== undefined) o.s.peer = c.peer;
    o.s.role = 'server';
    o.roleKnown = true;
    o.s.transport = 'pptp';
    o.transportKnown = true;
  }

  /** Closes sessions whose wait ran out; their ppp.end is stamped with the line that ended them. */
  private expireTerminated(ts: string | undefined, events: Event[]): void {
    if (this.waiting.size === 0) return;
    const now = tsMs(ts);
    if (now === undefined) return;
    for (const o of this.waiting) {
      if (this.open.get(o.key) !== o) {
        this.waiting.delete(o);
        continue;
      }
      if (o.awaitCtrlUntilMs !== undefined) {
        if (now > o.awaitCtrlUntilMs) this.close(o, o.exitRec, events);
      } else if (o.terminated && o.endTsMs !== undefined && now - o.endTsMs > TERMINATED_GRACE_MS)
        this.close(o, o.exitRec, events);
    }
  }

  private evictOldest(): void {
    let oldest: Open | undefined;
    for (const o of this.open.values()) if (!oldest || o.lastSeq < oldest.lastSeq) oldest = o;
    if (oldest) this.close(oldest, undefined, undefined, 'unknown');
  }

  /**
   * Ends a session. `fallback` is the cause when no line explained the end; `force` makes it win
   * over earlier candidates (a server restart ends every open call whatever was seen before).
   */
  private close(o: Open, rec?: LogRecord, events?: Event[], fallback?: EndCause, force = false): void {
    if (this.open.get(o.key) === o) this.open.delete(o.key);
    this.waiting.delete(o);
    const s = o.s;
    if (s.end === undefined && rec?.ts !== undefined) s.end = rec.ts;
    s.cause = force && fallback ? fallback : (o.causes[0] ?? fallback ?? 'unknown');
    // With debug on we can see that pppd's LCP Configure-Requests were never answered: whoever hung
    // up (usually the client giving up), the reason is that GRE does not get through.
    if (
      o.confReqs >= 2 &&
      !o.rcvd &&
      (s.cause === 'user_disconnect' || s.cause === 'ctrl_closed' || s.cause === 'unknown')
    ) {
      s.cause = 'lcp_timeout';
      if (o.lastConfReq && s.evidence.length < MAX_EVIDENCE)
        s.evidence.splice(o.lastConfReq.at, 0, o.lastConfReq.raw);
    }
    this.finalize(o);
    if (rec && events) {
      const ev = {
        // One line can end several sessions (a pptpd restart): the pid/interface keeps ids unique.
        id: `${rec.file}:${rec.line}#end-${s.pppdPid ?? s.iface ?? 0}`,
        ts: rec.ts ?? s.end ?? '1970-01-01T00:00:00.000Z',
        host: s.host,
        kind: 'ppp.end',
        severity: s.cause === 'user_disconnect' || s.cause === 'admin' ? 'info' : 'warning',
        attrs: { bytesIn: s.bytesReceived, bytesOut: s.bytesSent, seconds: s.seconds, cause: s.cause },
        source: { file: rec.file, line: rec.line },
        raw: rec.raw,
      } satisfies Event;
      linkEvent(o, ev);
      events.push(ev);
    }
    if (o.ctrl && o.ctrl.sessionKey === o.key) o.ctrl.sessionKey = undefined;
    this.closed.push(o);
  }

  /** Fills what can only be decided at the end: transport default, duration. */
  private finalize(o: Open): void {
    const s = o.s;
    this.defaultTransport(o);
    if (s.seconds === undefined && s.start !== undefined && s.end !== undefined) {
      const a = tsMs(s.start);
      const b = tsMs(s.end);
      if (a !== undefined && b !== undefined && b >= a) s.seconds = Math.round((b - a) / 1000);
    }
  }

  private defaultTransport(o: Open): void {
    if (o.transportKnown || !o.tty?.startsWith('/dev/pts')) return;
    // pptpd always drives pppd through a pty; on a host where pptpd logs, such a pppd is PPTP.
    if (this.pptpdHosts.has(o.s.host) || this.pptpFiles.has(o.file)) o.s.transport = 'pptp';
  }

  drainClosed(): Session[] {
    return this.closed.splice(0, this.closed.length).map(handOut);
  }

  /**
   * End of input. Streams that ended ("Connection terminated." with no "Exit.", as in pppd logfile
   * output) are closed with their cause; the rest are returned open (no cause, no end).
   */
  finish(): Session[] {
    const out = this.drainClosed();
    for (const o of [...this.open.values()]) {
      if (o.terminated) {
        this.close(o);
        continue;
      }
      this.open.delete(o.key);
      this.defaultTransport(o);
      this.closed.push(o);
    }
    out.push(...this.drainClosed());
    return out;
  }

  get openCount(): number {
    return this.open.size;
  }

  get ctrlCount(): number {
    return this.ctrl.size;
  }
}

export type { SessionRole, Transport };

/** The Session as consumers get it: event ids read now, after any id the consumer gave its events. */
function handOut(o: Open): Session {
  o.s.eventIds = o.eventRefs.flatMap((e) => (e.id === undefined ? [] : [e.id]));
  return o.s;
}
