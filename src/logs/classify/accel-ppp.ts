/**
 * accel-ppp (accel-pppd) with its PPTP module. log_syslog.c prefixes session lines with
 * "<ifname>:<username>: " (ctrl ifname before the ppp unit exists); texts from accel-pppd/ppp/ppp.c
 * ("connect: %s <--> %s(%s)"), ppp/ppp_auth.c ("%s: authentication succeeded|failed"),
 * ctrl/pptp/pptp.c ("pptp: new connection from %s", "disconnected", "pptp: disconnect by peer",
 * "recv [PPTP Call-Clear-Request ...]", "pptp: no echo reply"), ppp/ppp_lcp.c ("lcp: no echo reply").
 * One accel-pppd process serves every session, so sessions are keyed by interface, not pid.
 */
import type { Transport } from '../session.js';
import { draft, KNOWN, type Classifier, type Match } from './types.js';

const PREFIX = /^([A-Za-z0-9_.-]*):([^:\s]*): (.*)$/;
const CONNECT = /^connect: (\S+) <--> (\w+)\(([^)]*)\)/;
const AUTH = /^(?:(.+): )?authentication (succeeded|failed)/;
const NEW_CONN = /^pptp: new connection from (\S+)/;

function transportOf(ctrl: string): Transport {
  if (ctrl === 'pptp') return 'pptp';
  if (ctrl === 'l2tp') return 'l2tp';
  if (ctrl === 'pppoe') return 'pppoe';
  return 'unknown';
}

export function classifyAccel(m: string): Match | undefined {
  const p = PREFIX.exec(m);
  if (!p) {
    const r = NEW_CONN.exec(m);
    if (r) return { events: [draft('pptp.ctrl.open', {}, 'info', { peer: r[1] })] };
    if (m.startsWith('pptp: ')) return { events: [draft('pptp.ctrl.error', { message: m }, 'warning')] };
    return undefined;
  }
  const iface = p[1] ?? '';
  const user = p[2] ?? '';
  const t = p[3] ?? '';
  const key = `accel:${iface}`;
  const withUser = user !== '' ? [{ h: 'user' as const, user }] : [];
  const c = CONNECT.exec(t);
  if (c) {
    const transport = transportOf(c[2] ?? '');
    return {
      sessionKey: key,
      events: [draft('ppp.link.up', { iface: c[1] }, 'info', { peer: c[3] })],
      hints: [
        { h: 'ppp.begin' },
        { h: 'iface', iface: c[1] ?? iface },
        { h: 'peer', peer: c[3] ?? '' },
        { h: 'role', role: 'server' },
        { h: 'transport', transport },
        ...withUser,
      ],
    };
  }
  const a = AUTH.exec(t);
  if (a) {
    const u = a[1] ?? (user || undefined);
    const hints = u !== undefined ? [{ h: 'user' as const, user: u }] : [];
    if (a[2] === 'succeeded')
      return {
        sessionKey: key,
        events: [draft('auth.ok', { user: u }, 'info', u ? { user: u } : {})],
        hints,
      };
    return {
      sessionKey: key,
      events: [draft('auth.fail', { user: u, reason: 'bad_password' }, 'warning', u ? { user: u } : {})],
      hints,
      cause: 'auth_failed',
    };
  }
  if (t.startsWith('disconnected'))
    return {
      sessionKey: key,
      hints: [...withUser, { h: 'ppp.terminated' }, { h: 'ppp.exit' }],
      evidence: true,
    };
  if (t.startsWith('lcp: no echo reply') || t.startsWith('pptp: no echo reply'))
    return { sessionKey: key, events: [draft('ppp.echo.timeout', {}, 'warning')], cause: 'link_dead' };
  if (
    t.startsWith('pptp: disconnect by peer') ||
    t.startsWith('recv [PPTP Call-Clear-Request') ||
    t.startsWith('recv [LCP TermReq')
  )
    return { sessionKey: key, hints: withUser, cause: 'user_disconnect', evidence: true };
  if (t.startsWith('recv [PPTP Stop-Ctrl-Conn-Request'))
    return { sessionKey: key, cause: 'user_disconnect', evidence: true };
  if (t.startsWith('mppe: ') || t.includes('MPPE required'))
    return {
      sessionKey: key,
      events: [draft('ppp.mppe.failed', { reason: t }, 'warning')],
      cause: 'mppe_failed',
    };
  if (t.startsWith('radius: server') && t.includes('not responding'))
    return {
      sessionKey: key,
      events: [draft('auth.backend.timeout', { backend: 'radius' }, 'critical')],
      cause: 'auth_backend',
    };
  if (t.startsWith('pptp: read: ') || t.startsWith('pptp: invalid') || t.startsWith('pptp: message is'))
    return {
      sessionKey: key,
      events: [draft('pptp.ctrl.error', { message: t }, 'warning')],
      cause: 'ctrl_closed',
    };
  if (
    t.startsWith('send [') ||
    t.startsWith('recv [') ||
    t.startsWith('pptp: ') ||
    t.startsWith('ppp ') ||
    t.startsWith('lcp') ||
    t.startsWith('ipcp') ||
    t.startsWith('ccp') ||
    t.startsWith('session ') ||
    t === 'terminate'
  )
    return { sessionKey: key, hints: withUser };
  return undefined;
}

export const accelPpp: Classifier = {
  name: 'accel-ppp',
  programs: ['accel-pppd', 'accel-ppp'],
  family: 'pppd',
  classify: (message) => classifyAccel(message) ?? undefinedButKnownNoise(message),
};

function undefinedButKnownNoise(m: string): Match | undefined {
  return m.startsWith('accel-ppp version') ? KNOWN : undefined;
}
