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
const CHATTER = [
  'CTRL: I wrote ',
  'CTRL: Sent packet',
  'CTRL: Made a ',
  'CTRL: Received PPTP Control',
  'CTRL: Sending ECHO',
  'CTRL: Got a SET LINK',
];

/**
 * Its own small function: ctrl() is too big for V8 to optimize in a one-pass `analyze` (see
 * analyze.ts, --max-optimized-bytecode-size), and this test runs on every pptpctrl line.
 */
function isChatter(m: string): boolean {
  for (let i = 0; i < CHATTER.length; i++) if (m.startsWith(CHATTER[i] as string)) return true;
  return false;
}

function ctrl(m: string): Match | undefined {
  if (isChatter(m)) return KNOWN;
  if (m.startsWith('CTRL: Client ')) {
    let r = CTRL_STARTED.exec(m);
    if (r)
      return {
        events: [draft('pptp.ctrl.open', {}, 'info', { peer: r[1] })],
        hints: [{ h: 'peer', peer: r[1] ?? '' }],
      };
    r = CTRL_FINISHED.exec(m);
    // LOG_INFO, so present without pptpd debug (unlike "Exiting now"): the pptpctrl is done.
    if (r)
      return {
        events: [draft('pptp.ctrl.close', {}, 'info', { peer: r[1] })],
        hints: [{ h: 'ctrl.exit' }],
        evidence: true,
      };
  }
  if (m.startsWith('CTRL: Reaping child')) {
    const r = REAPING.exec(m);
    if (r) return { hints: [{ h: 'ctrl.reap', pppdPid: Number(r[1]) }] };
  }
  if (m.startsWith('CTRL: Starting call'))
    return { events: [draft('pptp.call.open', {})], hints: [{ h: 'ctrl.launching' }] };
  if (m.startsWith('CTRL (PPPD Launcher): Failed to launch'))
    return {
      events: [draft('ppp.error', { message: m, cause: 'config_error' }, 'critical')],
      hints: [{ h: 'ctrl.launcher' }],
      cause: 'config_error',
    };
  if (m.startsWith('CTRL (PPPD Launcher)')) {
    // pptpctrl.c launch_pppd(): "CTRL (PPPD Launcher): remote address = %s" (debug, when set): the
    // same address its parent logged as "CTRL: remote address = %s", which pairs them when several
    // calls start at once (the launcher of one pptpctrl may log before another's).
    const r = LAUNCHER_REMOTE.exec(m);
    return { hints: [r ? { h: 'ctrl.launcher', remote: r[1] ?? '' } : { h: 'ctrl.launcher' }] };
  }
  if (m.startsWith('CTRL: remote address = ')) {
    // pptpctrl.c main(): syslog(LOG_DEBUG, "CTRL: remote address = %s", pppaddrs[1]) (debug, when set).
    const r = CTRL_REMOTE.exec(m);
    if (r) return { hints: [{ h: 'ctrl.addr', remote: r[1] ?? '' }] };
  }
  if (m.startsWith('CTRL: Received CALL CLR request'))
    // The client's Call-Clear-Request (RFC 2637 2.11): the user hung up.
    return { events: [draft('pptp.call.close', { reason: 'call-clear-request' })], cause: 'user_disconnect' };
  if (m.startsWith('CTRL: Received STOP CTRL CONN request'))
    return {
      events: [draft('pptp.ctrl.close', { reason: 'stop-control-connection-request' })],
      cause: 'user_disconnect',
    };
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
    m.startsWith('CTRL: CTRL read failed') ||
    m.startsWith('CTRL: Error reading ctrl packet') ||
    m.startsWith("CTRL: couldn't read packet header")
  )
    // The TCP control connection went away under an open call (client crash, NAT timeout).
    return { events: [draft('pptp.ctrl.close', { reason: m.slice(6) }, 'warning')], cause: 'ctrl_closed' };
  if (
    m.startsWith('CTRL: Bad magic cookie') ||
    m.startsWith('CTRL: Too many retries') ||
    m.startsWith('CTRL: Fatal error') ||
    m.startsWith('CTRL: PPTP Control Message type') ||
    m.startsWith('CTRL: No free Call IDs') ||
    m.startsWith('CTRL: Error with select') ||
    m.startsWith('CTRL: 11 < Control packet')
  )
    return { events: [draft('pptp.ctrl.error', { message: m }, 'warning')] };
  if (m.startsWith('CTRL: PTY read or GRE write failed'))
    // Follows every pppd exit (LAB.md): the pty closed under pptpctrl. Not a crash by itself.
    return { evidence: true };
  if (
    m.startsWith('CTRL: GRE-tunnel has collapsed') ||
    m.startsWith('CTRL: GRE read or PTY write failed') ||
    m.startsWith('CTRL: Error sending GRE') ||
    m.startsWith('CTRL: GRE re-xmit failed')
  )
    return { events: [draft('pptp.gre.error', { message: m }, 'warning')], cause: 'gre_error' };
  if (m.startsWith('CTRL: Session timed out'))
    // pptpctrl.c: no Echo-Reply to its PPTP Echo-Request (RFC 2637 2.16) within MAX_ECHO_WAIT (60 s,
    // pptpdefs.h): a dead peer, EVENTS.md link_dead. Not a configured limit: pppd's maxconnect logs
    // "Connect time expired" (auth.c connect_time_expired), which is session_timeout.
    return { cause: 'link_dead', evidence: true };
  if (
    m.startsWith('CTRL: Error forking') ||
    m.startsWith('CTRL: PPPD launch failed') ||
    m.startsWith('CTRL: openpty() error') ||
    m.startsWith('CTRL: socketpair() error')
  )
    return { events: [draft('pptp.ctrl.error', { message: m }, 'critical')], cause: 'config_error' };
  // Debug chatter: packet types, fds, parameters, addresses (ctrlpacket.c, pptpctrl.c).
  if (m.startsWith('CTRL: ')) return KNOWN;
  return undefined;
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
