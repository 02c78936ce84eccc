/**
 * An open session under correlation: the Session being filled plus what the tracker needs to decide
 * its end (candidate causes, pptpctrl link, debug-dump LCP counters), and the per-line bookkeeping
 * that is pure over it (evidence, event linking, one auth event per attempt).
 */
import type { EndCause, Event } from '../../events/index.js';
import type { Match } from '../classify/types.js';
import type { LogRecord } from '../record.js';
import type { Session } from '../session.js';
import type { CtrlState } from './ctrl.js';
import { isoMs } from '../formats/time.js';

export const MAX_EVIDENCE = 60;
export const MAX_EVENT_IDS = 200;

export interface Open {
  key: string;
  s: Session;
  terminated: boolean;
  /** Candidate end causes in order; the first one explains the end. */
  causes: EndCause[];
  roleKnown: boolean;
  transportKnown: boolean;
  peerFromCalling: boolean;
  ctrl?: CtrlState;
  /** Linked by pppd start order only (no launcher/reap line yet): undone if the pppd turns out a client. */
  ctrlGuessed: boolean;
  /** The device pppd runs on (not part of the Session contract; decides transport). */
  tty?: string;
  file: string;
  authFailed: boolean;
  authOk: boolean;
  /** Saw "pppd ... started" (a second one on the same pid is a new process). */
  started: boolean;
  backendTimeout: boolean;
  lastSeq: number;
  /** Set while an exited pppd waits for its pptpctrl's exit or a pptpd restart. */
  awaitCtrlUntilMs?: number;
  exitRec?: LogRecord;
  /** Debug dumps only: LCP ConfReqs sent, and whether any packet came back. */
  confReqs: number;
  lastConfReq?: { raw: string; at: number };
  rcvd: boolean;
  endTsMs?: number;
  /** Events behind the session (capped), turned into Session.eventIds when it is handed out. */
  eventRefs: Event[];
}

// Consecutive records mostly share their timestamp string: a one-entry cache saves a Date.parse each.
let lastTsText = '';
let lastTsMs: number | undefined;
export function tsMs(ts: string | undefined): number | undefined {
  if (ts === undefined) return undefined;
  if (ts === lastTsText) return lastTsMs;
  const n = isoMs(ts);
  lastTsText = ts;
  lastTsMs = Number.isNaN(n) ? undefined : n;
  return lastTsMs;
}

/** Evidence, causes and event linking shared by pppd and pptpctrl lines. */
export function recordMatch(o: Open, rec: LogRecord, match: Match, events: Event[], seq: number): void {
  const s = o.s;
  o.lastSeq = seq;
  if (match.cause !== undefined) o.causes.push(match.cause);
  const keep = match.evidence === true || match.cause !== undefined || events.length > 0;
  if (keep && s.evidence.length < MAX_EVIDENCE)
    s.evidence.push(match.redact ? match.redact(rec.raw) : rec.raw);
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev === undefined) continue;
    if (ev.kind === 'auth.backend.timeout') o.backendTimeout = true;
    if (ev.kind === 'auth.ok') {
      // pppd 2.5 says "Peer X authenticated with CHAP" and then "peer from calling number ...
      // authorized" for the same login: one login, one event.
      if (o.authOk) {
        events.splice(i, 1);
        i--;
        continue;
      }
      o.authOk = true;
    }
    if (ev.kind === 'auth.fail') {
      // pppd logs one attempt twice (e.g. "No CHAP secret found ..." then "Peer X failed CHAP
      // authentication"): the first line has the precise reason, the second would double-count.
      if (o.authFailed) {
        events.splice(i, 1);
        i--;
        continue;
      }
      o.authFailed = true;
      if (o.backendTimeout) ev.attrs.reason = 'backend_timeout';
    }
    linkEvent(o, ev);
  }
}

export function linkEvent(o: Open, ev: Event): void {
  const s = o.s;
  ev.session = s.id;
  if (ev.user === undefined && s.user !== undefined) ev.user = s.user;
  if (ev.peer === undefined && s.peer !== undefined) ev.peer = s.peer;
  if (ev.kind === 'ppp.ipcp.up' && ev.attrs.local === undefined && s.localIp !== undefined)
    ev.attrs.local = s.localIp;
  // The event itself, not its id: a consumer may still set ids after push() (the agent stamps its
  // follower's line ids); Session.eventIds is read from these when the session is drained.
  if (o.eventRefs.length < MAX_EVENT_IDS) o.eventRefs.push(ev);
}

/** A session just opened: nothing known yet but its first line. */
export function newOpen(key: string, s: Session, file: string, seq: number): Open {
  return {
    key,
    s,
    file,
    terminated: false,
    causes: [],
    roleKnown: false,
    transportKnown: false,
    peerFromCalling: false,
    ctrlGuessed: false,
    authFailed: false,
    authOk: false,
    started: false,
    backendTimeout: false,
    lastSeq: seq,
    confReqs: 0,
    rcvd: false,
    eventRefs: [],
  };
}

/** Holds a line pppd only logs once its link is up (auth, IPCP, end figures). */
export function pastAuth(o: Open): boolean {
  const s = o.s;
  return (
    o.authFailed ||
    o.authOk ||
    s.user !== undefined ||
    s.localIp !== undefined ||
    s.remoteIp !== undefined ||
    s.seconds !== undefined ||
    s.bytesSent !== undefined
  );
}

/** Holds a line pppd only logs after "pppd X started" (interface, link, auth, IPCP, end figures). */
export function pastStart(o: Open): boolean {
  return o.s.iface !== undefined || o.tty !== undefined || pastAuth(o);
}
