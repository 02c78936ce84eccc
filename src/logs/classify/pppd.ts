/**
 * pppd 2.4.7–2.5.x messages, server and client side: link, LCP/CCP/MPPE/IPCP, ends, plugins that
 * tell the transport (PPPoE/L2TP/pptp). Authentication lines live in pppd-auth.ts. Texts are from
 * ppp-project/ppp (checked against v2.4.9 and v2.5.x): main.c, auth.c, fsm.c, lcp.c, ccp.c, ipcp.c,
 * tty.c, sys-linux.c, plugins/pppoe/plugin.c. Debug packet dumps (the hot path) are answered first,
 * then by first character and startsWith before any regex; what no first-character case takes (the
 * end of a session: signals, timeouts, errors, scripts and teardown) is pppd-end.ts.
 */
import type { EndCause } from '../../events/index.js';
import type { Transport } from '../session.js';
import { classifyPppdAuth } from './pppd-auth.js';
import { childOrIp, classifyRest, mppeFailed, pppError } from './pppd-end.js';
import { draft, KNOWN, type Classifier, type Match } from './types.js';

// main.c: syslog(LOG_NOTICE, "pppd %s started by %s, uid %d", VERSION, p, uid)
const STARTED = /^pppd (\S+) started by (\S+), uid (\d+)/;
// auth.c: notice("Connect: %s <--> %s", ifname, ppp_devname)
// (the device is empty with the pppol2tp plugin: "Connect: ppp0 <-->")
const CONNECT = /^Connect: (\S+) <-->(?: (\S+))?/;
// fsm.c: info("%s terminated by peer (%0.*v)", PROTO_NAME(f), len, p) / info("%s terminated by peer")
const TERMINATED_BY_PEER = /^(\S+) terminated by peer(?: \((.*)\))?$/;
// main.c: info("Connect time %d.%d minutes.", t/10, t%10)
const CONNECT_TIME = /^Connect time (\d+(?:\.\d+)?) minutes/;
// ipcp.c: notice("remote IP address %I") (the local one: pppd-end.ts)
const REMOTE_IP = /^remote IP address (\S+)/;
// ccp.c: notice("%s compression enabled", method_name(go, ho)) e.g. "MPPE 128-bit stateless compression enabled"
const MPPE_UP = /^MPPE (\d+)-bit (stateless|stateful)?\s*compression enabled/;
// debug dumps: "rcvd [CHAP Response id=0x6 <...>, name = "test"]", "rcvd [PAP AuthReq id=0x1 user="x" password=<hidden>]"
const CHAP_NAME = /\[CHAP Response id=\S+ <[0-9a-f]*>, name = "([^"]*)"\]/;
const PAP_USER = /\[PAP AuthReq id=\S+ user="([^"]*)"/;
// plugins: "Plugin rp-pppoe.so loaded." (options.c: info("Plugin %s loaded.", arg))
const PLUGIN = /^Plugin (\S+?)(?:\.so)? loaded/;

/** Why an LCP TermReq reason from the peer ended the session (fsm.c puts the peer's text in parens). */
function lcpTermCause(reason: string | undefined): EndCause {
  if (reason === undefined) return 'user_disconnect';
  // Both sides send "MPPE disabled" on an ordinary hang-up with require-mppe-128 (LAB.md).
  if (/^MPPE required|MPPE required but/.test(reason)) return 'mppe_failed';
  if (/authenticat/i.test(reason)) return 'auth_failed';
  if (/No network protocols running/.test(reason)) return 'ip_config';
  if (/Peer not responding/.test(reason)) return 'link_dead';
  return 'user_disconnect';
}

function pluginTransport(name: string): Transport | undefined {
  // NetworkManager-pptp's pppd plugin: a PPTP client session.
  if (/nm-pptp/.test(name)) return 'pptp';
  if (/pppoe/.test(name)) return 'pppoe';
  if (/l2tp/.test(name)) return 'l2tp';
  if (/pptp/.test(name)) return 'pptp';
  return undefined;
}

const SENT_CONFREQ: Match = { hints: [{ h: 'lcp.confreq' }] };
const RCVD: Match = { hints: [{ h: 'rcvd' }] };

function debugDump(m: string): Match {
  const sent = m.charCodeAt(0) === 115; // 's'
  // Only CHAP/PAP lines carry anything we keep; of the rest we note LCP ConfReqs sent and that
  // anything came back (an unanswered LCP means GRE does not get through: see sessions.ts).
  const c = m.charCodeAt(6); // "sent [C" / "rcvd [P"
  if (c !== 67 /* C */ && c !== 80 /* P */) {
    if (!sent) return RCVD;
    return m.startsWith('sent [LCP ConfReq') ? SENT_CONFREQ : KNOWN;
  }
  const chap = CHAP_NAME.exec(m);
  if (chap)
    return {
      hints: [
        { h: 'user', user: chap[1] ?? '' },
        { h: 'role', role: sent ? 'client' : 'server' },
      ],
    };
  const pap = PAP_USER.exec(m);
  if (pap)
    return {
      hints: [
        { h: 'user', user: pap[1] ?? '' },
        { h: 'role', role: sent ? 'client' : 'server' },
      ],
    };
  if (sent && m.startsWith('sent [CHAP Challenge')) return { hints: [{ h: 'role', role: 'server' }] };
  if (/\[CHAP Failure .*E=691/.test(m)) return { evidence: true };
  return sent ? KNOWN : RCVD;
}

function classifyPppd(m: string): Match | undefined {
  const c0 = m.charCodeAt(0);
  if ((c0 === 115 || c0 === 114) && (m.startsWith('sent [') || m.startsWith('rcvd ['))) return debugDump(m);
  const auth = classifyPppdAuth(m);
  if (auth) return auth;
  // One small function per first character: V8 keeps a function over analyze's bytecode-size cap in
  // baseline code (analyze.ts), where every startsWith is an IC call; small ones it optimizes.
  switch (c0) {
    case 115 /* s */:
    case 114 /* r */:
      return pppdSr(m);
    case 112 /* p */:
      return pppdP(m);
    case 80 /* P */:
      return pppdUpperP(m);
    case 67 /* C */:
      return pppdC(m);
    case 77 /* M */:
      return pppdM(m);
    case 76 /* L */:
      return pppdL(m);
    default:
      return classifyRest(m);
  }
}

/** `s`/`r`: IPCP's remote address, reap_kids()' script lines (no dumps: debugDump took those). */
function pppdSr(m: string): Match | undefined {
  if (m.startsWith('remote IP address')) {
    const r = REMOTE_IP.exec(m);
    if (r)
      return {
        events: [draft('ppp.ipcp.up', { remote: r[1] })],
        hints: [{ h: 'remoteIp', ip: r[1] ?? '' }],
      };
  }
  if (m.startsWith('remote LL address')) return KNOWN;
  if (m.startsWith('script ')) return classifyRest(`  ${m}`); // reap_kids() line, indent trimmed
  if (m.startsWith('secondary DNS')) return KNOWN;
  return classifyRest(m);
}

/** `p`: pppd's start line, DNS. */
function pppdP(m: string): Match | undefined {
  if (m.startsWith('pppd ')) {
    const r = STARTED.exec(m);
    if (r)
      return {
        events: [draft('ppp.start', { version: r[1] })],
        hints: [{ h: 'ppp.begin' }],
        evidence: true,
      };
  }
  if (m.startsWith('primary   DNS')) return KNOWN;
  return classifyRest(m);
}

/** `P`: IPCP refusals, plugins, PPPoE, LCP Protocol-Reject. */
function pppdUpperP(m: string): Match | undefined {
  if (
    m.startsWith('Peer refused to agree to') ||
    m.startsWith('Peer is not authorized to use remote address')
  )
    return pppError(m, 'ip_config');
  if (m.startsWith('Plugin ')) {
    const r = PLUGIN.exec(m);
    const name = r?.[1] ?? '';
    const t = pluginTransport(name);
    if (t && /nm-pptp/.test(name))
      return {
        hints: [
          { h: 'transport', transport: t },
          { h: 'role', role: 'client' },
        ],
      };
    return t ? { hints: [{ h: 'transport', transport: t }] } : KNOWN;
  }
  if (m.startsWith('PPP session is ') || m.startsWith('PPPoE plugin'))
    return { hints: [{ h: 'transport', transport: 'pppoe' }] };
  // lcp.c: warn("Protocol-Reject for '%s' (0x%x) received", ...) — the peer rejected one of ours
  // (2.4.9 form, seen in the lab for IPv6CP), and "Protocol-Reject for unsupported protocol ..."
  if (m.startsWith('Protocol-Reject for ')) {
    const r = /^Protocol-Reject for (?:unsupported protocol )?'?([^']*?)'? \((0x[0-9a-f]+)\)/.exec(m);
    return {
      events: [draft('ppp.protocol.reject', { protocol: r ? `${r[1]} (${r[2]})` : m.slice(20) })],
    };
  }
  return classifyRest(m);
}

/** `C`: the link up, its end, CCP and option errors. */
function pppdC(m: string): Match | undefined {
  if (m.startsWith('Connect: ')) {
    const r = CONNECT.exec(m);
    if (r) {
      const tty = r[2] ?? '';
      const hints: Match['hints'] = [{ h: 'iface', iface: r[1] ?? '' }];
      // A pty is what pptpd (and xl2tpd) hand pppd; a real tty is a modem/serial line; a bare
      // interface name is the PPPoE plugin's device (plugins/pppoe/plugin.c sets ppp_devname).
      if (/^\/dev\/tty[A-Z]/.test(tty)) hints.push({ h: 'transport', transport: 'serial' });
      // The accel-pptp plugin (pptp.so, routers) names the server address as the device.
      else if (/^\d+\.\d+\.\d+\.\d+$/.test(tty)) hints.push({ h: 'transport', transport: 'pptp' });
      else if (!tty.startsWith('/dev/')) hints.push({ h: 'transport', transport: 'pppoe' });
      return {
        events: [draft('ppp.link.up', { iface: r[1], tty })],
        hints: [...hints, { h: 'tty', tty }],
      };
    }
  }
  if (m.startsWith('Connection terminated')) return { hints: [{ h: 'ppp.terminated' }], evidence: true };
  if (m.startsWith('Connect time')) {
    const r = CONNECT_TIME.exec(m);
    if (r && !m.startsWith('Connect time expired'))
      return { hints: [{ h: 'seconds', seconds: Math.round(Number(r[1]) * 60) }], evidence: true };
    if (m.startsWith('Connect time expired')) return { cause: 'session_timeout', evidence: true };
  }
  if (m.startsWith('Child process ') || m.startsWith('Could not determine')) return childOrIp(m);
  if (m.startsWith('Couldn') || m.startsWith("Can't")) return pppError(m, 'config_error', 'critical');
  if (m.startsWith('CCP terminated by peer') || m.startsWith('Compression disabled by peer'))
    return { evidence: true };
  if (m.startsWith('CCP: timeout'))
    return { events: [draft('ppp.ccp.timeout', {}, 'warning')], cause: 'ccp_timeout' };
  return classifyRest(m);
}

/** `M`: MPPE up or failed, modem hangup. */
function pppdM(m: string): Match | undefined {
  if (m.startsWith('MPPE ')) {
    const r = MPPE_UP.exec(m);
    if (r) {
      const bits = Number(r[1]);
      const stateless = r[2] !== 'stateful';
      return {
        events: [draft('ppp.mppe.up', { bits, stateless })],
        hints: [{ h: 'mppe', mppe: `${bits} ${stateless ? 'stateless' : 'stateful'}` }],
      };
    }
    // ccp.c: "MPPE disabled" is logged on every clean close with MPPE up; not a failure by itself.
    if (m === 'MPPE disabled') return KNOWN;
    // ccp.c: "MPPE required but peer refused", "... peer negotiation failed", "MPPE required, but
    // kernel has no support.", "... MS-CHAP[v2] auth not performed.", "... keys are not available",
    // "MPPE disabled, closing LCP"
    if (m.startsWith('MPPE required') || m.startsWith('MPPE disabled, closing')) return mppeFailed(m);
  }
  if (m.startsWith('Modem hangup'))
    // main.c: the pty closed under pppd: pptpctrl (server) or pptp (client) went away first.
    return { cause: 'ctrl_closed', evidence: true };
  return classifyRest(m);
}

/** `L`: LCP terminate and timeout, link terminated. */
function pppdL(m: string): Match | undefined {
  if (m.startsWith('LCP terminated by peer')) {
    const r = TERMINATED_BY_PEER.exec(m);
    const reason = r?.[2];
    return {
      events: [draft('ppp.lcp.terminated', { by: 'peer', reason })],
      cause: lcpTermCause(reason),
    };
  }
  if (m.startsWith('LCP: timeout sending'))
    return { events: [draft('ppp.lcp.timeout', {}, 'warning')], cause: 'lcp_timeout' };
  if (m.startsWith('Link terminated')) return { hints: [{ h: 'ppp.terminated' }], evidence: true };
  if (m.startsWith('Last channel has disconnected')) return { evidence: true };
  if (m.startsWith('LCP: ')) return KNOWN;
  return classifyRest(m);
}

export const pppd: Classifier = {
  name: 'pppd',
  // Router firmwares (DD-WRT, Tomato, some OpenWrt builds) log pppd under the tag of the service that
  // launched it; `pptp[`'s own `anon log[` lines go to the pptp-linux classifier before this one.
  programs: ['pppd'],
  classify: (message) => classifyPppd(message),
};

export { classifyPppd };
