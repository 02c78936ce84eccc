/**
 * pppd messages about how a session ends or fails, and the teardown around it (signals, echo and
 * IPCP timeouts, byte counts, option errors, child scripts such as a pptp-linux client's pty
 * command): what classifyPppd (pppd.ts) hands on when no first-character case took the line. Texts
 * from ppp-project/ppp v2.4.9 / v2.5.x: main.c, lcp.c, ipcp.c, ccp.c, tty.c, sys-linux.c,
 * plugins/pppoe/plugin.c.
 */
import type { EndCause } from '../../events/index.js';
import { draft, KNOWN, type Match } from './types.js';

// lcp.c: info("No response to %d echo-requests", lcp_echos_pending)
const NO_ECHO = /^No response to (\d+) echo-requests/;
// main.c: info("Terminating on signal %d", got_sigterm); error("Fatal signal %d", sig)
const SIGNAL = /^Terminating on signal (\d+)/;
const FATAL_SIGNAL = /^Fatal signal (\d+)/;
// main.c: info("Sent %llu bytes, received %llu bytes.", ...)
const BYTES = /^Sent (\d+) bytes, received (\d+) bytes/;
// ipcp.c: notice("local  IP address %I")
const LOCAL_IP = /^local {1,2}IP address (\S+)/;
// main.c: "Script %s finished (pid %d), status = 0x%x" / "Child process %s (pid %d) terminated with signal %d"
// where %s is the `pty` command of a pptp-linux client: "pptp SERVER --nolaunchpppd".
const PPTP_CHILD = /^(?:Script|Child process) pptp (\S+)/;

export function mppeFailed(reason: string): Match {
  return { events: [draft('ppp.mppe.failed', { reason }, 'warning')], cause: 'mppe_failed' };
}
export function pppError(
  message: string,
  cause: EndCause,
  severity: 'warning' | 'critical' = 'warning',
): Match {
  return { events: [draft('ppp.error', { message, cause }, severity)], cause };
}

function pptpClientHints(server: string): Match {
  return {
    hints: [
      { h: 'role', role: 'client' },
      { h: 'transport', transport: 'pptp' },
      { h: 'peer', peer: server },
    ],
  };
}

export function childOrIp(m: string): Match {
  if (m.startsWith('Could not determine')) return pppError(m, 'ip_config');
  const r = PPTP_CHILD.exec(m);
  if (r)
    return {
      hints: [
        { h: 'role', role: 'client' },
        { h: 'transport', transport: 'pptp' },
        { h: 'peer', peer: r[1] ?? '' },
      ],
    };
  return KNOWN;
}

export function classifyRest(m: string): Match | undefined {
  // main.c reap_kids(): "Waiting for %d child processes..." then one "  script %s, pid %d" each; a
  // pptp-linux client's pty command shows up there too ("  script pptp 10.77.0.2 --nolaunchpppd , pid 923").
  if (m.startsWith('  script ')) {
    const r = /^ {2}script pptp (\S+)/.exec(m);
    return r ? pptpClientHints(r[1] ?? '') : KNOWN;
  }
  // main.c: "updetach is set. Now detaching." / "sending SIGTERM to process %d" (children at exit).
  if (
    m.startsWith('updetach is set') ||
    m.startsWith('sending SIGTERM to process') ||
    m.startsWith('Detaching')
  )
    return KNOWN;
  if (m === 'Exit.') return { hints: [{ h: 'ppp.exit' }], evidence: true };
  if (m.startsWith('using channel')) return { hints: [{ h: 'ppp.begin' }] };
  if (m.startsWith('Using interface')) return { hints: [{ h: 'iface', iface: m.slice(16).trim() }] };
  if (m.startsWith('Sent ')) {
    const r = BYTES.exec(m);
    if (r) return { hints: [{ h: 'bytes', sent: Number(r[1]), received: Number(r[2]) }], evidence: true };
  }
  if (m.startsWith('local ')) {
    const r = LOCAL_IP.exec(m);
    if (r) return { hints: [{ h: 'localIp', ip: r[1] ?? '' }] };
    if (m.startsWith('local  LL address')) return KNOWN;
  }
  if (m.startsWith('No response to')) {
    const r = NO_ECHO.exec(m);
    if (r)
      return { events: [draft('ppp.echo.timeout', { missed: Number(r[1]) }, 'warning')], cause: 'link_dead' };
  }
  if (m.startsWith('Terminating on signal')) {
    const r = SIGNAL.exec(m);
    const signal = Number(r?.[1] ?? 0);
    return { events: [draft('ppp.signal', { signal })], cause: 'admin' };
  }
  if (m.startsWith('Hangup (SIGHUP)'))
    return { events: [draft('ppp.signal', { signal: 1 })], cause: 'admin' };
  if (m.startsWith('Fatal signal')) {
    const r = FATAL_SIGNAL.exec(m);
    return pppError(`Fatal signal ${r?.[1] ?? '?'}`, 'pppd_crash', 'critical');
  }
  if (m.startsWith('Terminating connection due to lack of activity'))
    return { cause: 'idle_timeout', evidence: true };
  if (m.startsWith('Traffic limit reached')) return { cause: 'session_timeout', evidence: true };
  if (m.startsWith('IPCP: timeout sending'))
    return { events: [draft('ppp.ipcp.timeout', {}, 'warning')], cause: 'ipcp_timeout' };
  if (m.startsWith('IPCP terminated by peer')) return { evidence: true, cause: 'ip_config' };
  if (m.startsWith('Refusing MPPE stateful') || m.startsWith('Too many MPPE errors')) return mppeFailed(m);
  if (m.startsWith('In file ') || m.startsWith('unrecognized option') || m.startsWith('pppd: In file'))
    return pppError(m, 'config_error', 'critical');
  if (m.includes('Message too long')) return pppError(m, 'mtu');
  if (m.startsWith('Unsupported protocol'))
    return { events: [draft('ppp.protocol.reject', { protocol: m.slice(21) })] };
  if (m.startsWith('Unable to complete PPPoE Discovery'))
    return { ...pppError(m, 'lcp_timeout'), hints: [{ h: 'transport', transport: 'pppoe' }] };
  if (m.startsWith('Script ') || m.startsWith('Waiting for ') || m.startsWith('added response cache')) {
    const r = PPTP_CHILD.exec(m);
    if (r)
      return {
        hints: [
          { h: 'role', role: 'client' },
          { h: 'transport', transport: 'pptp' },
          { h: 'peer', peer: r[1] ?? '' },
        ],
      };
    return KNOWN;
  }
  // sys-linux.c: flushing a pty whose other end (pptpctrl) is already gone: harmless at close.
  if (m.startsWith('tcflush failed')) return KNOWN;
  // tty.c option errors: pppd exits before it starts (pppd run without a device, e.g. a bad launcher).
  if (
    m.startsWith('no device specified') ||
    m.startsWith('pty option is incompatible') ||
    m.startsWith("Couldn't allocate pseudo-tty")
  )
    return pppError(m, 'config_error', 'critical');
  if (m.startsWith('Serial connection established') || m.startsWith('Serial port initialized'))
    return { hints: [{ h: 'transport', transport: 'serial' }] };
  if (m.startsWith('Connected to ') && m.includes(' via interface '))
    // plugins/pppoe/plugin.c: warn("Connected to %s via interface %s", remote_number, conn->ifName)
    return { hints: [{ h: 'transport', transport: 'pppoe' }] };
  if (
    m.startsWith('Starting link') ||
    m.startsWith('Starting negotiation') ||
    m.startsWith('Remote message:')
  )
    return KNOWN;
  if (
    /^(?:found interface|not replacing|Cannot determine ethernet|Deflate|BSD-Compress|Warning|Overriding|Serial link|Connect time)/.test(
      m,
    )
  )
    return KNOWN;
  return undefined;
}
