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
  return childScript(m);
}

/**
 * What no first-character case of classifyPppd took. Checked in the order pppd's sources suggest
 * (most specific first), but dispatched on the first character: a line runs only the checks that can
 * match it, then the one check that can match any line (`Message too long`), then the rest of its
 * character's checks. A chain of ~40 startsWith per line, in baseline code (analyze.ts), was 5% of
 * analyze's main thread on the 1M-line benchmark.
 */
export function classifyRest(m: string): Match | undefined {
  const c = m.charCodeAt(0);
  const early = restEarly(c, m);
  if (early !== undefined) return early;
  if (m.includes('Message too long')) return pppError(m, 'mtu');
  return restLate(c, m);
}

/** The checks that come before `Message too long`, by first character. */
function restEarly(c: number, m: string): Match | undefined {
  switch (c) {
    case 32 /* ' ' */:
      if (m.startsWith('  script ')) {
        const r = /^ {2}script pptp (\S+)/.exec(m);
        return r ? pptpClientHints(r[1] ?? '') : KNOWN;
      }
      return undefined;
    case 117 /* u */:
      if (m.startsWith('updetach is set')) return KNOWN;
      if (m.startsWith('using channel')) return { hints: [{ h: 'ppp.begin' }] };
      if (m.startsWith('unrecognized option')) return pppError(m, 'config_error', 'critical');
      return undefined;
    case 115 /* s */:
      return m.startsWith('sending SIGTERM to process') ? KNOWN : undefined;
    case 68 /* D */:
      return m.startsWith('Detaching') ? KNOWN : undefined;
    case 69 /* E */:
      return m === 'Exit.' ? { hints: [{ h: 'ppp.exit' }], evidence: true } : undefined;
    case 85 /* U */:
      return m.startsWith('Using interface')
        ? { hints: [{ h: 'iface', iface: m.slice(16).trim() }] }
        : undefined;
    case 83 /* S */:
      if (m.startsWith('Sent ')) {
        const r = BYTES.exec(m);
        if (r) return { hints: [{ h: 'bytes', sent: Number(r[1]), received: Number(r[2]) }], evidence: true };
      }
      return undefined;
    case 108 /* l */:
      if (m.startsWith('local ')) {
        const r = LOCAL_IP.exec(m);
        if (r) return { hints: [{ h: 'localIp', ip: r[1] ?? '' }] };
        if (m.startsWith('local  LL address')) return KNOWN;
      }
      return undefined;
    case 78 /* N */:
      if (m.startsWith('No response to')) {
        const r = NO_ECHO.exec(m);
        if (r)
          return {
            events: [draft('ppp.echo.timeout', { missed: Number(r[1]) }, 'warning')],
            cause: 'link_dead',
          };
      }
      return undefined;
    case 84 /* T */:
      return restT(m);
    case 72 /* H */:
      return m.startsWith('Hangup (SIGHUP)')
        ? { events: [draft('ppp.signal', { signal: 1 })], cause: 'admin' }
        : undefined;
    case 70 /* F */:
      if (m.startsWith('Fatal signal')) {
        const r = FATAL_SIGNAL.exec(m);
        return pppError(`Fatal signal ${r?.[1] ?? '?'}`, 'pppd_crash', 'critical');
      }
      return undefined;
    case 73 /* I */:
      if (m.startsWith('IPCP: timeout sending'))
        return { events: [draft('ppp.ipcp.timeout', {}, 'warning')], cause: 'ipcp_timeout' };
      if (m.startsWith('IPCP terminated by peer')) return { evidence: true, cause: 'ip_config' };
      return m.startsWith('In file ') ? pppError(m, 'config_error', 'critical') : undefined;
    case 82 /* R */:
      return m.startsWith('Refusing MPPE stateful') ? mppeFailed(m) : undefined;
    case 112 /* p */:
      return m.startsWith('pppd: In file') ? pppError(m, 'config_error', 'critical') : undefined;
    default:
      return undefined;
  }
}

function restT(m: string): Match | undefined {
  if (m.startsWith('Terminating on signal')) {
    const r = SIGNAL.exec(m);
    const signal = Number(r?.[1] ?? 0);
    return { events: [draft('ppp.signal', { signal })], cause: 'admin' };
  }
  if (m.startsWith('Terminating connection due to lack of activity'))
    return { cause: 'idle_timeout', evidence: true };
  if (m.startsWith('Traffic limit reached')) return { cause: 'session_timeout', evidence: true };
  return m.startsWith('Too many MPPE errors') ? mppeFailed(m) : undefined;
}

/** The checks after `Message too long`, by first character; KNOWN for what pppd logs in passing. */
function restLate(c: number, m: string): Match | undefined {
  switch (c) {
    case 85 /* U */:
      if (m.startsWith('Unsupported protocol'))
        return { events: [draft('ppp.protocol.reject', { protocol: m.slice(21) })] };
      if (m.startsWith('Unable to complete PPPoE Discovery'))
        return { ...pppError(m, 'lcp_timeout'), hints: [{ h: 'transport', transport: 'pppoe' }] };
      return undefined;
    case 83 /* S */:
      if (m.startsWith('Script ')) return childScript(m);
      if (m.startsWith('Serial connection established') || m.startsWith('Serial port initialized'))
        return { hints: [{ h: 'transport', transport: 'serial' }] };
      if (
        m.startsWith('Starting link') ||
        m.startsWith('Starting negotiation') ||
        m.startsWith('Serial link')
      )
        return KNOWN;
      return undefined;
    case 87 /* W */:
      if (m.startsWith('Waiting for ')) return childScript(m);
      return m.startsWith('Warning') ? KNOWN : undefined;
    case 97 /* a */:
      return m.startsWith('added response cache') ? childScript(m) : undefined;
    case 116 /* t */:
      return m.startsWith('tcflush failed') ? KNOWN : undefined;
    case 110 /* n */:
      if (m.startsWith('no device specified')) return pppError(m, 'config_error', 'critical');
      return m.startsWith('not replacing') ? KNOWN : undefined;
    case 112 /* p */:
      return m.startsWith('pty option is incompatible') ? pppError(m, 'config_error', 'critical') : undefined;
    case 67 /* C */:
      if (m.startsWith("Couldn't allocate pseudo-tty")) return pppError(m, 'config_error', 'critical');
      if (m.startsWith('Connected to ') && m.includes(' via interface '))
        return { hints: [{ h: 'transport', transport: 'pppoe' }] };
      return m.startsWith('Cannot determine ethernet') || m.startsWith('Connect time') ? KNOWN : undefined;
    case 82 /* R */:
      return m.startsWith('Remote message:') ? KNOWN : undefined;
    case 102 /* f */:
      return m.startsWith('found interface') ? KNOWN : undefined;
    case 68 /* D */:
      return m.startsWith('Deflate') ? KNOWN : undefined;
    case 66 /* B */:
      return m.startsWith('BSD-Compress') ? KNOWN : undefined;
    case 79 /* O */:
      return m.startsWith('Overriding') ? KNOWN : undefined;
    default:
      return undefined;
  }
}

/** `Script ...`, `Waiting for ...`: a pptp-linux client's pty command names the server. */
function childScript(m: string): Match {
  const r = PPTP_CHILD.exec(m);
  return r ? pptpClientHints(r[1] ?? '') : KNOWN;
}
