/**
 * What each correlation hint (classify/types.ts) does to an open session. Pure over the session; the
 * tracker passes what needs its wider state (pptpctrl links, PPTP files, the waiting set) as `env`.
 */
import type { Hint } from '../classify/types.js';
import type { LogRecord } from '../record.js';
import type { CtrlState } from './ctrl.js';
import { tsMs, type Open } from './open.js';

export interface HintEnv {
  /** Undo a guessed pptpctrl link (the pppd turned out to be a client). */
  releaseCtrl(c: CtrlState): void;
  /** This file (a pppd logfile) carries PPTP server sessions. */
  pptpFile(file: string): void;
  /** The session ended its link and now waits for its trailer lines. */
  waiting(o: Open): void;
}

export function applyHint(o: Open, x: Hint, rec: LogRecord, env: HintEnv): void {
  const s = o.s;
  switch (x.h) {
    case 'iface':
      s.iface = x.iface;
      break;
    case 'tty':
      o.tty = x.tty;
      break;
    case 'localIp':
      s.localIp = x.ip;
      break;
    case 'remoteIp':
      s.remoteIp = x.ip;
      // IPCP is up: causes noted during setup (e.g. a RADIUS server that failed over) did not end it.
      o.causes = [];
      break;
    case 'mppe':
      s.mppe = x.mppe;
      break;
    case 'seconds':
      s.seconds = x.seconds;
      break;
    case 'bytes':
      s.bytesSent = x.sent;
      s.bytesReceived = x.received;
      break;
    case 'user':
      if (s.user === undefined && x.user !== '') s.user = x.user;
      break;
    case 'peer':
      if (x.peer === '') break;
      // pppd's calling number (pptpd passes `remotenumber`) beats anything inferred from pptpctrl.
      if (peerIsCalling(rec)) {
        s.peer = x.peer;
        o.peerFromCalling = true;
        // Only pptpd passes pppd `remotenumber <client ip>` with a pty: this stream is PPTP.
        if (o.tty?.startsWith('/dev/pts') && /^\d+\.\d+\.\d+\.\d+$/.test(x.peer)) env.pptpFile(rec.file);
      } else if (s.peer === undefined) s.peer = x.peer;
      break;
    case 'role':
      if (x.role === 'client' && o.ctrl && o.ctrlGuessed) {
        // A client pppd started right after a server's `Starting call`: give the pptpctrl back.
        env.releaseCtrl(o.ctrl);
        o.ctrl = undefined;
        delete s.ctrlPid;
        if (!o.peerFromCalling) delete s.peer;
        o.transportKnown = false;
        s.transport = 'unknown';
      }
      if (!o.ctrl || x.role === 'server') {
        s.role = x.role;
        o.roleKnown = true;
      }
      break;
    case 'transport':
      // The first explicit sign wins (a plugin line comes before the Connect line it explains).
      if (!o.transportKnown) {
        s.transport = x.transport;
        o.transportKnown = true;
      }
      break;
    case 'lcp.confreq':
      o.confReqs++;
      // Remembered (with where it falls in the evidence) in case it turns out never answered.
      o.lastConfReq = { raw: rec.raw, at: s.evidence.length };
      break;
    case 'rcvd':
      o.rcvd = true;
      break;
    case 'ppp.terminated':
      o.terminated = true;
      o.exitRec = rec;
      if (rec.ts !== undefined) s.end = rec.ts;
      o.endTsMs = tsMs(rec.ts);
      env.waiting(o);
      break;
    default:
      break;
  }
}

function peerIsCalling(rec: LogRecord): boolean {
  // Both are pppd's own record of pptpd's `remotenumber`: authoritative for the client IP.
  return (
    rec.message.startsWith('peer from calling number') || rec.message.startsWith('pptpd-logwtmp.so ip-up')
  );
}
