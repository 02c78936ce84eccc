/**
 * pppd's authentication messages, server and client side, with the radius plugin, PAM (`login`) and
 * poptop's pptpd-logwtmp plugin. Texts from ppp-project/ppp auth.c, chap.c, chap_ms.c, upap.c,
 * plugins/radius/{radius,sendserver,config,dict}.c, poptop plugins/pptpd-logwtmp.c and Linux-PAM
 * pam_unix. `%q` prints a name bare unless it needs quoting, hence unq(). Called from pppd.ts's
 * first-character dispatch, so each check here is a startsWith before any regex.
 */
import { draft, KNOWN, type Match } from './types.js';

export const unq = (s: string): string =>
  s.length > 1 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;

// auth.c: notice("peer from calling number %q authorized", remote_number)
const CALLING_OK = /^peer from calling number "?([^"\s]+)"? authorized/;
// auth.c (2.5): notice("Peer %q authenticated with %s", peer_authname, prot)
const PEER_AUTHED = /^Peer (.+) authenticated with (\S+)/;
// chap.c: warn("Peer %q failed CHAP authentication", name) (and Session verification, EAP, PAP forms)
const PEER_FAILED = /^Peer (.+) failed (CHAP|PAP|EAP) (?:authentication|Session verification)/;
// chap.c: error("No CHAP secret found for authenticating %q", name) / "... authenticating us to %q"
const NO_SECRET_US = /^No CHAP secret found for authenticating us to (.+)/;
const NO_SECRET = /^No CHAP secret found for authenticating (.+)/;
// auth.c: notice("%s authentication succeeded", prot) — we authenticated to the peer (client side)
const WE_AUTHED = /^(\S+) authentication succeeded/;
// sendserver.c: error("rc_send_server: no reply from RADIUS server %s:%u", server_name, port)
const RADIUS_NO_REPLY = /^rc_send_server: no reply from RADIUS server (\S+)/;
// pptpd-logwtmp.c: notice("pptpd-logwtmp.so ip-up %s %s %s", ifname, user, remote number) — the one
// line that names user AND client IP of a successful PPTP login without debug.
const LOGWTMP_UP = /^pptpd-logwtmp\.so ip-up (\S+) (\S+) (\S+)/;
// pam_unix support.c: "authentication failure; logname= uid=0 euid=0 tty=ppp ruser= rhost=  user=bob"
// when pppd runs with `login` (auth.log lines under pppd's tag).
const PAM_FAIL = /^pam_unix\(ppp:auth\): authentication failure;.*\buser=(\S+)/;
// auth.c plogin(): notice("user %s logged in on tty %s intf %s", user, devnam, ifname)
const LOGGED_IN = /^user (\S+) logged in/;

function serverFail(user: string, method: string, reason: 'bad_password' | 'unknown_user'): Match {
  return {
    events: [draft('auth.fail', { user, reason, method }, 'warning', { user })],
    hints: [
      { h: 'user', user },
      { h: 'role', role: 'server' },
    ],
    cause: 'auth_failed',
  };
}

function clientFail(reason: 'bad_password' | 'peer_refused' | 'no_secret', method: string): Match {
  return {
    events: [draft('auth.fail', { reason, method }, 'warning')],
    hints: [{ h: 'role', role: 'client' }],
    cause: 'auth_failed',
  };
}

function backend(kind: 'timeout' | 'error', m: string): Match {
  if (kind === 'timeout') {
    const r = RADIUS_NO_REPLY.exec(m);
    return {
      events: [draft('auth.backend.timeout', { backend: 'radius', server: r?.[1] }, 'critical')],
      cause: 'auth_backend',
    };
  }
  return {
    events: [draft('auth.backend.error', { backend: 'radius', message: m }, 'critical')],
    cause: 'auth_backend',
  };
}

function weAuthed(m: string): Match {
  const r = WE_AUTHED.exec(m);
  return { events: [draft('auth.ok', { method: r?.[1] })], hints: [{ h: 'role', role: 'client' }] };
}

function logwtmp(m: string): Match {
  const r = LOGWTMP_UP.exec(m);
  if (!r) return KNOWN; // "pptpd-logwtmp: $Version$", "pptpd-logwtmp.so ip-down ppp0"
  return {
    hints: [
      { h: 'user', user: r[2] ?? '' },
      { h: 'peer', peer: r[3] ?? '' },
      { h: 'role', role: 'server' },
      { h: 'transport', transport: 'pptp' },
    ],
  };
}

function peerLine(m: string): Match | undefined {
  let r = PEER_FAILED.exec(m);
  if (r) return serverFail(unq(r[1] ?? ''), r[2] ?? 'CHAP', 'bad_password');
  r = PEER_AUTHED.exec(m);
  if (!r) return undefined;
  const user = unq(r[1] ?? '');
  return {
    events: [draft('auth.ok', { user, method: r[2] }, 'info', { user })],
    hints: [
      { h: 'user', user },
      { h: 'role', role: 'server' },
    ],
  };
}

function noSecret(m: string): Match | undefined {
  if (NO_SECRET_US.test(m)) return clientFail('no_secret', 'CHAP');
  const r = NO_SECRET.exec(m);
  return r ? serverFail(unq(r[1] ?? ''), 'CHAP', 'unknown_user') : undefined;
}

/** An authentication message of pppd or its plugins, or undefined. */
export function classifyPppdAuth(m: string): Match | undefined {
  switch (m.charCodeAt(0)) {
    case 80 /* P */:
      return authUpperP(m);
    case 112 /* p */:
      return authLowerP(m);
    case 67 /* C */:
      return authC(m);
    case 77 /* M */:
      // chap_ms.c: error("MS-CHAP authentication failed: %v", p) — detail of the client-side failure;
      // the event comes from chap.c's "CHAP authentication failed" that always follows.
      if (
        m.startsWith('MS-CHAP authentication failed') ||
        m.startsWith('MS-CHAPv2 mutual authentication failed')
      )
        return { cause: 'auth_failed', evidence: true, hints: [{ h: 'role', role: 'client' }] };
      return m.startsWith('MS-CHAP') && m.endsWith(' authentication succeeded') ? weAuthed(m) : undefined;
    case 78 /* N */:
      return m.startsWith('No CHAP secret found') ? noSecret(m) : undefined;
    case 114 /* r */:
      if (m.startsWith('rc_send_server: no reply')) return backend('timeout', m);
      // radius plugin library errors: unreadable config/dictionary, sockets (sendserver.c, config.c, dict.c)
      if (m.startsWith('rc_') || m.startsWith('radius:')) return backend('error', m);
      return m.startsWith('response found in cache') ? KNOWN : undefined;
    case 82 /* R */:
      if (m.startsWith('RADIUS plugin initialized')) return KNOWN;
      return m.startsWith('RADIUS: ') || m.startsWith('RADIUS server') ? backend('error', m) : undefined;
    case 85 /* U */:
      if (
        m.startsWith('Unable to obtain CHAP password') ||
        m.startsWith('Unknown MS-CHAP authentication failure')
      )
        return {
          events: [draft('ppp.error', { message: m, cause: 'auth_backend' }, 'warning')],
          cause: 'auth_backend',
        };
      return undefined;
    case 117 /* u */: {
      const r = m.startsWith('user ') ? LOGGED_IN.exec(m) : null;
      if (!r) return undefined;
      const user = r[1] ?? '';
      return {
        events: [draft('auth.ok', { user, method: 'login' }, 'info', { user })],
        hints: [{ h: 'user', user }],
      };
    }
    default:
      return m.endsWith(' authentication succeeded') ? weAuthed(m) : undefined;
  }
}

/** `P`: the server's verdict on the peer (CHAP, PAP). */
function authUpperP(m: string): Match | undefined {
  if (m.startsWith('Peer ')) return peerLine(m);
  if (m.startsWith('PAP peer authentication failed for'))
    return serverFail(unq(m.slice(35).trim()), 'PAP', 'bad_password');
  if (m.startsWith('PAP peer authentication succeeded for')) {
    const user = unq(m.slice(38).trim());
    return {
      events: [draft('auth.ok', { user, method: 'PAP' }, 'info', { user })],
      hints: [{ h: 'user', user }],
    };
  }
  if (m.startsWith('PAP authentication failed')) return clientFail('bad_password', 'PAP');
  return m.startsWith('PAP authentication succeeded') ? weAuthed(m) : undefined;
}

/** `p`: pptpd-logwtmp, the calling number, PAM. */
function authLowerP(m: string): Match | undefined {
  if (m.startsWith('pptpd-logwtmp')) return logwtmp(m);
  if (m.startsWith('peer from calling number')) {
    const r = CALLING_OK.exec(m);
    if (!r) return undefined;
    return {
      events: [draft('auth.ok', {}, 'info', { peer: r[1] })],
      hints: [
        { h: 'peer', peer: r[1] ?? '' },
        { h: 'role', role: 'server' },
      ],
    };
  }
  if (m.startsWith('peer refused to authenticate')) return clientFail('peer_refused', 'CHAP');
  if (m.startsWith('pam_unix(ppp:')) {
    const r = PAM_FAIL.exec(m);
    return r ? serverFail(r[1] ?? '', 'PAP/login', 'bad_password') : KNOWN;
  }
  return undefined;
}

/** `C`: the client's own CHAP result. */
function authC(m: string): Match | undefined {
  if (m.startsWith('CHAP authentication succeeded')) return weAuthed(m);
  // chap.c: error("CHAP authentication failed") — the peer rejected our credentials (client side).
  if (m.startsWith('CHAP authentication failed'))
    return clientFail(m.includes('protocol-reject') ? 'peer_refused' : 'bad_password', 'CHAP');
  if (m.startsWith('CHAP authentication timed out'))
    return {
      events: [draft('ppp.error', { message: m, cause: 'auth_failed' }, 'warning')],
      cause: 'auth_failed',
    };
  return undefined;
}
