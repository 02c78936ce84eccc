/**
 * poptop pptpd 1.4 (manager `MGR:`, pptpctrl `CTRL:`, GRE `GRE:`). Texts from poptop's pptpmanager.c,
 * pptpd.c, pptpctrl.c, ctrlpacket.c and pptpgre.c (1.4.0). pptpctrl logs under the `pptpd` tag with
 * its own pid; the forked launcher child logs `CTRL (PPPD Launcher):` under the pid that then execs
 * pppd, which is what ties a pptpctrl to its pppd when debug is on.
 */
import { draft, KNOWN, type Classifier, type Match } from './types.js';

// pptpctrl.c: syslog(LOG_INFO, "CTRL: Client %s control connection started", inet_ntoa(addr.sin_addr))
const CTRL_STARTED = /^CTRL: Client (\S+) control connection started/;
const CTRL_FINISHED = /^CTRL: Client (\S+) control connection finished/;
// pptpctrl.c: syslog(LOG_DEBUG, "CTRL: Reaping child PPP[%i]", pppfork)
const REAPING = /^CTRL: Reaping child PPP\[(\d+)\]/;
// pptpgre.c: "GRE: read(fd=%d,buffer=%lx,len=%d) from PTY failed: status = %d error = %s%s"
const GRE_PTY = /^GRE: read\(.*\) from PTY failed: status = -?\d+ error = ([^,]+)/;
const GRE_NET = /^GRE: read\(.*\) from network failed: status = -?\d+ error = (.+)/;
// pptpgre.c: "GRE: xmit failed from decaps_hdlc: %s" / "GRE: re-xmit failed from decaps_hdlc: %s"
const GRE_XMIT = /^GRE: (?:re-)?xmit failed from decaps_hdlc: (.+)/;
const LAUNCHER_REMOTE = /^CTRL \(PPPD Launcher\): remote address = (\S+)/;
const CTRL_REMOTE = /^CTRL: remote address = (\S+)/;
// pptpctrl.c: "CTRL: Exiting on signal %d"
const CTRL_SIGNAL = /^CTRL: Exiting on signal (\d+)/;

// ctrlpacket.c debug chatter, by far the most frequent pptpctrl lines: answered before any pattern.
/**
 * pptpctrl's `CTRL: ...` lines, dispatched on the first character after `CTRL: ` so that a line runs
 * only the few checks that can match it: pptpctrl logs a dozen lines per call and most of them are
 * chatter or setup. A chain of ~35 startsWith per line, in the baseline code V8 keeps for a one-pass
 * `analyze` (analyze.ts, --max-optimized-bytecode-size), was 8% of its main thread on the 1M-line
 * benchmark. Each group is its own small function, so V8 can optimize the hot ones.
 */
function ctrl(m: string): Match | undefined {
  if (!m.startsWith('CTRL: ')) {
    if (m.startsWith('CTRL (PPPD Launcher)')) return launcher(m);
    return undefined;
  }
  switch (m.charCodeAt(6)) {
    case 67 /* C */:
      return ctrlC(m);
    case 82 /* R */:
      return ctrlR(m);
    case 83 /* S */:
      return ctrlS(m);
    case 69 /* E */:
      return ctrlE(m);
    case 71 /* G */:
      return ctrlG(m);
    case 73 /* I */: // "I wrote %d bytes to the client" (debug): chatter
      return KNOWN;
    case 114 /* r */:
      if (m.startsWith('CTRL: remote address = ')) {
        const r = CTRL_REMOTE.exec(m);
        if (r) return { hints: [{ h: 'ctrl.addr', remote: r[1] ?? '' }] };
      }
      return KNOWN;
    default:
      return ctrlOther(m);
  }
}

function launcher(m: string): Match {
  if (m.startsWith('CTRL (PPPD Launcher): Failed to launch'))
    return {
      events: [draft('ppp.error', { message: m, cause: 'config_error' }, 'critical')],
      hints: [{ h: 'ctrl.launcher' }],
      cause: 'config_error',
    };
  const r = LAUNCHER_REMOTE.exec(m);
  return { hints: [r ? { h: 'ctrl.launcher', remote: r[1] ?? '' } : { h: 'ctrl.launcher' }] };
}

// poptop pptpctrl.c: "Client %s control connection started" / "... finished"
function ctrlC(m: string): Match {
  if (m.startsWith('CTRL: Client ')) {
    let r = CTRL_STARTED.exec(m);
    if (r)
      return {
        events: [draft('pptp.ctrl.open', {}, 'info', { peer: r[1] })],
        hints: [{ h: 'peer', peer: r[1] ?? '' }],
      };
    r = CTRL_FINISHED.exec(m);
    if (r)
      return {
        events: [draft('pptp.ctrl.close', {}, 'info', { peer: r[1] })],
        hints: [{ h: 'ctrl.exit' }],
        evidence: true,
      };
    return KNOWN;
  }
  if (m.startsWith('CTRL: CTRL read failed')) return ctrlClosed(m);
  return KNOWN;
}

function ctrlR(m: string): Match {
  // ctrlpacket.c: "Received PPTP Control Message (type: %d)" (debug): chatter.
  if (m.startsWith('CTRL: Received PPTP Control')) return KNOWN;
  if (m.startsWith('CTRL: Reaping child')) {
    const r = REAPING.exec(m);
    if (r) return { hints: [{ h: 'ctrl.reap', pppdPid: Number(r[1]) }] };
    return KNOWN;
  }
  if (m.startsWith('CTRL: Received CALL CLR request'))
    return { events: [draft('pptp.call.close', { reason: 'call-clear-request' })], cause: 'user_disconnect' };
  if (m.startsWith('CTRL: Received STOP CTRL CONN request'))
    return {
      events: [draft('pptp.ctrl.close', { reason: 'stop-control-connection-request' })],
      cause: 'user_disconnect',
    };
  return KNOWN;
}

function ctrlS(m: string): Match {
  // "Sent packet to client", "Sending ECHO REQ id %d": chatter.
  if (m.startsWith('CTRL: Sent packet') || m.startsWith('CTRL: Sending ECHO')) return KNOWN;
  if (m.startsWith('CTRL: Starting call'))
    return { events: [draft('pptp.call.open', {})], hints: [{ h: 'ctrl.launching' }] };
  if (m.startsWith('CTRL: Session timed out')) return { cause: 'link_dead', evidence: true };
  return KNOWN;
}

function ctrlE(m: string): Match {
  if (m.startsWith('CTRL: Exiting now')) return { hints: [{ h: 'ctrl.exit' }] };
  if (m.startsWith('CTRL: Exiting on signal')) {
    const r = CTRL_SIGNAL.exec(m);
    return {
      events: [draft('pptp.ctrl.close', { reason: `signal ${r?.[1] ?? '?'}` }, 'warning')],
      cause: 'admin',
    };
  }
  if (
    m.startsWith('CTRL: EOF or bad error reading ctrl packet') ||
    m.startsWith('CTRL: Error reading ctrl packet')
  )
    return ctrlClosed(m);
  if (m.startsWith('CTRL: Error with select')) return ctrlError(m);
  if (m.startsWith('CTRL: Error sending GRE')) return greError(m);
  if (m.startsWith('CTRL: Error forking')) return launchError(m);
  return KNOWN;
}

function ctrlG(m: string): Match {
  // "Got a SET LINK INFO packet with standard ACCMs": chatter.
  if (m.startsWith('CTRL: Got a SET LINK')) return KNOWN;
  if (
    m.startsWith('CTRL: GRE-tunnel has collapsed') ||
    m.startsWith('CTRL: GRE read or PTY write failed') ||
    m.startsWith('CTRL: GRE re-xmit failed')
  )
    return greError(m);
  return KNOWN;
}

/** The groups with few lines: made-call chatter, errors, launch failures. */
function ctrlOther(m: string): Match {
  if (m.startsWith('CTRL: Made a ')) return KNOWN;
  if (m.startsWith("CTRL: couldn't read packet header")) return ctrlClosed(m);
  if (
    m.startsWith('CTRL: Bad magic cookie') ||
    m.startsWith('CTRL: Too many retries') ||
    m.startsWith('CTRL: Fatal error') ||
    m.startsWith('CTRL: PPTP Control Message type') ||
    m.startsWith('CTRL: No free Call IDs') ||
    m.startsWith('CTRL: 11 < Control packet')
  )
    return ctrlError(m);
  if (m.startsWith('CTRL: PTY read or GRE write failed')) return { evidence: true };
  if (
    m.startsWith('CTRL: PPPD launch failed') ||
    m.startsWith('CTRL: openpty() error') ||
    m.startsWith('CTRL: socketpair() error')
  )
    return launchError(m);
  return KNOWN;
}

function ctrlClosed(m: string): Match {
  return { events: [draft('pptp.ctrl.close', { reason: m.slice(6) }, 'warning')], cause: 'ctrl_closed' };
}
function ctrlError(m: string): Match {
  return { events: [draft('pptp.ctrl.error', { message: m }, 'warning')] };
}
function greError(m: string): Match {
  return { events: [draft('pptp.gre.error', { message: m }, 'warning')], cause: 'gre_error' };
}
function launchError(m: string): Match {
  return { events: [draft('pptp.ctrl.error', { message: m }, 'critical')], cause: 'config_error' };
}

function gre(m: string): Match | undefined {
  if (
    m.startsWith('GRE: accepting') ||
    m.startsWith('GRE: buffering') ||
    m.startsWith('GRE: discarding') ||
    m.startsWith('GRE: timeout waiting') ||
    m.startsWith('GRE: Discarding')
  )
    return KNOWN;
  let r = GRE_PTY.exec(m);
  if (r)
    // LAB.md: logged after every failed (and many clean) sessions: evidence, not a crash on its own.
    return { events: [draft('pptp.gre.error', { message: m, errno: r[1] })], evidence: true };
  r = GRE_XMIT.exec(m);
  if (r) {
    const mtu = /Message too long/.test(r[1] ?? '');
    return {
      events: [draft('pptp.gre.error', { message: m, errno: r[1] }, 'warning')],
      cause: mtu ? 'mtu' : 'gre_error',
    };
  }
  r = GRE_NET.exec(m);
  if (r)
    return { events: [draft('pptp.gre.error', { message: m, errno: r[1] }, 'warning')], cause: 'gre_error' };
  if (m.startsWith('GRE: '))
    return {
      events: [draft('pptp.gre.error', { message: m }, 'warning')],
      cause: m.includes('too long') || m.includes('too large') ? 'mtu' : 'gre_error',
    };
  return undefined;
}

function mgr(m: string): Match | undefined {
  if (m.startsWith('MGR: Manager process started'))
    return { events: [draft('pptp.server.start', {})], hints: [{ h: 'mgr.start' }] };
  if (
    m.startsWith('MGR: No free connection slots') ||
    m.startsWith('MGR: connections limit') ||
    m.startsWith('MGR: Maximum of')
  )
    return {
      events: [draft('pptp.limit', { message: m }, m.startsWith('MGR: No free') ? 'critical' : 'info')],
    };
  if (
    m.startsWith('MGR: Reaped child') ||
    m.startsWith('MGR: Launching') ||
    m.startsWith('MGR: Option parse OK') ||
    m.startsWith('MGR: Setting') ||
    m.startsWith('MGR: Checking') ||
    m.startsWith('MGR: Parsing') ||
    m.startsWith('MGR: Range') ||
    m.startsWith('MGR: Pre') ||
    m.startsWith('MGR: (lower') ||
    m.startsWith('MGR: Dashes') ||
    m.startsWith('MGR: Not an IP range') ||
    m.startsWith('MGR: BCrelay') ||
    m.startsWith('MGR: Reaped unknown')
  )
    return KNOWN;
  // pptpmanager.c: a client (or a scanner, or a probe) that sent a bad first packet: its problem.
  if (m.startsWith('MGR: dropped') || m.startsWith('MGR: initial packet'))
    return { events: [draft('pptp.ctrl.error', { message: m }, 'warning')] };
  // The rest (socket/fork/exec/config failures) means pptpd itself cannot serve.
  if (m.startsWith('MGR: ')) return { events: [draft('pptp.ctrl.error', { message: m }, 'critical')] };
  return undefined;
}

export function classifyPptpd(m: string): Match | undefined {
  switch (m.charCodeAt(0)) {
    case 67 /* C */:
      return ctrl(m);
    case 71 /* G */:
      return gre(m);
    case 77 /* M */:
      return mgr(m);
    case 80 /* P */:
      if (m.startsWith('PPTPD: ')) return { events: [draft('pptp.ctrl.error', { message: m }, 'critical')] };
      return undefined;
    default:
      return undefined;
  }
}

export const pptpd: Classifier = {
  name: 'pptpd',
  programs: ['pptpd', 'pptpctrl'],
  classify: (message) => classifyPptpd(message),
};
