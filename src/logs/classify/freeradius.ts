/**
 * FreeRADIUS 3 authentication log lines (`auth = yes`): rad_authlog() in src/main/auth.c prints
 * "Login OK", "Login incorrect" (with the module's reason in parens, e.g. "(mschap: MS-CHAP2-Response
 * is incorrect)") and "Invalid user", then "[user] (from client NAS port N cli CALLING-STATION)".
 * In syslog they appear as `radiusd[pid]: (5) Login OK: [bob] (from client vpn1 port 0 cli 10.0.0.2)`;
 * in radius.log with an `Auth: ` prefix. For PPTP the cli is pppd's remote number: the client IP.
 */
import type { AuthFailReason } from '../../events/index.js';
import { draft, KNOWN, type Classifier, type Match } from './types.js';

const AUTH =
  /^(?:Auth: )?(?:\(\d+\) )?(Login OK|Login incorrect|Invalid user)(?: \(([^)]*(?:\([^)]*\)[^)]*)*)\))?: \[([^\]]*)\](?: \(from client (\S+) port (\d+)(?: cli (\S+?))?\))?/;

function reasonOf(detail: string | undefined, kind: string): AuthFailReason {
  if (kind === 'Invalid user') return 'unknown_user';
  if (detail === undefined) return 'bad_password';
  // rlm_mschap.c do_mschap(): 3.x "FAILED: No NT-Password.  Cannot perform authentication" (2.x:
  // "No NT/LM-Password") = the user has no password entry here: with the files/sql/ldap modules that is
  // a user they do not know (seen in the lab for a user missing from FreeRADIUS 3.2.1's users file).
  if (/No NT(?:\/LM)?-Password|No Auth-Type found|User not found|No Cleartext-Password/i.test(detail))
    return 'unknown_user';
  if (/locked|disabled|expired/i.test(detail)) return 'locked';
  return 'bad_password';
}

export function classifyFreeradius(m: string): Match | undefined {
  const r = AUTH.exec(m);
  if (!r) {
    if (m.includes('No response to') || m.includes('is not responding') || m.includes('Failed to connect'))
      // e.g. rlm_ldap / rlm_sql backend trouble, home server down (proxy): the backend is failing.
      return { events: [draft('auth.backend.error', { backend: 'radius', message: m }, 'critical')] };
    if (
      m.startsWith('Ready to process') ||
      m.startsWith('Info: ') ||
      m.startsWith('Debug: ') ||
      m.startsWith('Warning: ')
    )
      return KNOWN;
    // radiusd's own errors (log.c "Error: ..."): the backend pppd's radius plugin depends on is unwell.
    if (m.startsWith('Error: '))
      return { events: [draft('auth.backend.error', { backend: 'radius', message: m.slice(7) }, 'warning')] };
    return undefined;
  }
  // "[bob/<via Auth-Type = mschap>]" carries the auth type after a slash; with auth_badpass /
  // auth_goodpass = yes it carries the PASSWORD ("[bob/secret]"): never keep that (secrets stay out of
  // events, evidence and output).
  const bracket = r[3] ?? '';
  const slash = bracket.indexOf('/');
  const user = slash >= 0 ? bracket.slice(0, slash) : bracket;
  const leaksPassword = slash >= 0 && !bracket.slice(slash + 1).startsWith('<via ');
  const redact = leaksPassword
    ? (raw: string): string => raw.replace(`[${bracket}]`, `[${user}/<redacted>]`)
    : undefined;
  const peer = r[6];
  const extra = { user, ...(peer ? { peer } : {}) };
  const red = redact ? { redact } : {};
  if (r[1] === 'Login OK')
    return { events: [draft('auth.ok', { user, method: 'radius' }, 'info', extra)], ...red };
  const reason = reasonOf(r[2], r[1] ?? '');
  return {
    events: [
      draft('auth.fail', { user, reason, method: r[2] ? `radius ${r[2]}` : 'radius' }, 'warning', extra),
    ],
    ...red,
  };
}

export const freeradius: Classifier = {
  name: 'freeradius',
  programs: ['radiusd', 'freeradius'],
  classify: (message) => classifyFreeradius(message),
};
