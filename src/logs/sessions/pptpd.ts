/**
 * What poptop's lines do to sessions: pptpctrl's client address, its launcher child and the pppd it
 * reaps link a pppd session to its control connection (sessions.ts keys); pptpctrl's exit after a
 * pty read failure proves a pppd crash; `MGR: Manager process started` (pptpd restarted) ends every
 * PPTP call on the host. Messages: poptop 1.4.0 pptpctrl.c, pptpmanager.c (classify/pptpd.ts).
 */
import type { EndCause, Event } from '../../events/index.js';
import type { Hint, Match } from '../classify/types.js';
import type { LogRecord } from '../record.js';
import type { CtrlLinks, CtrlState } from './ctrl.js';
import { MAX_EVIDENCE, recordMatch, tsMs, type Open } from './open.js';

/** The tracker's state and operations this side uses (SessionTracker provides them). */
export interface CtrlSide {
  readonly ctrl: CtrlLinks;
  readonly open: Map<string, Open>;
  /** Hosts on which pptpd itself was seen. */
  readonly pptpdHosts: Set<string>;
  seq(): number;
  linkCtrl(o: Open, c: CtrlState, guessed: boolean): void;
  close(o: Open, rec?: LogRecord, events?: Event[], fallback?: EndCause, force?: boolean): void;
}

export function applyCtrl(t: CtrlSide, rec: LogRecord, host: string, match: Match, events: Event[]): void {
  t.pptpdHosts.add(host);
  const hints = match.hints ?? [];
  if (hints.some((x) => x.h === 'mgr.start')) {
    serverRestart(t, host, rec, events);
    return;
  }
  if (rec.pid === undefined) return;
  for (const x of hints)
    if (x.h === 'ctrl.launcher') {
      // This pid is the launcher child, not a pptpctrl: it will exec pppd under the same pid.
      t.ctrl.launcherSeen(host, rec.pid, x.remote);
      return;
    }
  // Only a line that starts or drives a call creates pptpctrl state; the rest (chatter, the exit
  // lines after the state was dropped) must not leave entries behind.
  const creates = hints.some(
    (x) => x.h === 'peer' || x.h === 'ctrl.addr' || x.h === 'ctrl.launching' || x.h === 'ctrl.reap',
  );
  if (hints.some((x) => x.h === 'peer' || x.h === 'ctrl.addr')) dropStale(t, host, rec.pid, rec, events);
  const c = creates ? t.ctrl.touch(host, rec.pid, tsMs(rec.ts)) : t.ctrl.get(host, rec.pid);
  if (!c) return;
  applyHints(t, c, host, rec, hints);
  const o = c.sessionKey !== undefined ? t.open.get(c.sessionKey) : undefined;
  if (o) {
    recordMatch(o, rec, match, events, t.seq());
    if (rec.message.startsWith('GRE: read(') && rec.message.includes('from PTY failed')) c.ptyFailed = true;
  }
  if (hints.some((x) => x.h === 'ctrl.exit')) {
    // pppd died without a clean end (no "Connection terminated."): the pty read failure is the proof.
    if (o && !o.terminated && c.ptyFailed) t.close(o, rec, events, 'pppd_crash');
    else if (o && o.awaitCtrlUntilMs !== undefined) t.close(o, rec, events);
    t.ctrl.drop(c);
  }
}

/**
 * "remote address = " and then "Client <ip> control connection started" begin a new pptpctrl: a state
 * left on this pid by one whose exit was never logged (pid reuse after a log gap) must not lend it
 * its old call. (A state with only the address is this pptpctrl's own first line.)
 * Out of applyCtrl, as applyHints is: it runs on every pptpd line, and V8 leaves a function over
 * analyze's bytecode-size cap (analyze.ts) in baseline code; small ones it optimizes.
 */
function dropStale(t: CtrlSide, host: string, pid: number, rec: LogRecord, events: Event[]): void {
  const stale = t.ctrl.get(host, pid);
  if (
    stale &&
    (stale.peer !== undefined ||
      stale.launchingMs !== undefined ||
      stale.pppdPid !== undefined ||
      stale.sessionKey !== undefined)
  ) {
    if (stale.sessionKey !== undefined) {
      const so = t.open.get(stale.sessionKey);
      // The old pptpctrl is gone, and its pppd with it (the pty closes under pppd): a call surely its
      // own (launcher/reap, or pppd's calling number is its client) ends here, its end line lost.
      if (so && so.ctrl === stale && (!so.ctrlGuessed || (so.peerFromCalling && so.s.peer === stale.peer)))
        t.close(so, rec, events, 'unknown');
      else if (so && so.ctrl === stale) so.ctrl = undefined;
    }
    t.ctrl.drop(stale);
  }
}

/** What a pptpctrl line tells about its control connection: client, address, launch, reaped pppd. */
function applyHints(t: CtrlSide, c: CtrlState, host: string, rec: LogRecord, hints: readonly Hint[]): void {
  for (const x of hints) {
    switch (x.h) {
      case 'peer':
        c.peer = x.peer;
        break;
      case 'ctrl.addr':
        c.remoteAddr = x.remote;
        break;
      case 'ctrl.launching':
        t.ctrl.launching(c, tsMs(rec.ts));
        break;
      case 'ctrl.reap': {
        const o = t.open.get(`${host}|${x.pppdPid}`);
        t.ctrl.reaped(c, x.pppdPid);
        if (o && o.ctrl !== c) t.linkCtrl(o, c, false);
        else if (o) o.ctrlGuessed = false;
        break;
      }
      default:
        break;
    }
  }
}

function serverRestart(t: CtrlSide, host: string, rec: LogRecord, events: Event[]): void {
  for (const o of [...t.open.values()]) {
    if (o.s.host !== host || o.s.role !== 'server') continue;
    // Exited on a hangup whose pptpctrl never said goodbye: pptpd (and its children) were killed.
    if (o.s.transport !== 'pptp' && !(o.s.transport === 'unknown' && o.tty?.startsWith('/dev/pts'))) continue;
    if (o.s.evidence.length < MAX_EVIDENCE) o.s.evidence.push(rec.raw);
    t.close(o, rec, events, 'server_restart', true);
  }
  t.ctrl.dropHost(host);
}
