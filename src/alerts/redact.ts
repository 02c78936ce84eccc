/**
 * Secrets never leave in a notification. Log lines and labels are scrubbed of password-like fields,
 * and of MS-CHAPv2 material: pppd's `debug` lines print the CHAP challenge and response in hex
 * (pppd chap-new.c / chap_ms.c packet dumps), and a captured challenge/response pair is enough to
 * recover the NT hash offline (the DES split of MS-CHAPv2 - chapcrack), so they count as secrets.
 */
const KEY_VALUE =
  /\b(password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|authorization|cookie|user-password|chap-password|ms-chap2-response|ms-chap-challenge)(\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;]+)/gi;
const CHAP_HEX = /(\[CHAP (?:Challenge|Response)[^<]*<)[0-9a-fA-F]+(>)/g;
const CHAP_SUCCESS = /(\bS=)[0-9A-Fa-f]{40}/g;
/** `Authorization: Bearer x` has a space before the secret. */
const AUTH_SCHEME = /\b(authorization\s*[:=]\s*)(?:Bearer|Basic|Digest|Token)\s+[^\s,;]+/gi;
const MPPE_KEYS = /\b(MPPE-(?:Send|Recv)-Key\s*=\s*)\S+/gi;

export const REDACTED = '<redacted>';

export function redactText(text: string): string {
  return text
    .replace(AUTH_SCHEME, `$1${REDACTED}`)
    .replace(KEY_VALUE, (_m, k: string, sep: string) => `${k}${sep}${REDACTED}`)
    .replace(CHAP_HEX, `$1${REDACTED}$2`)
    .replace(CHAP_SUCCESS, `$1${REDACTED}`)
    .replace(MPPE_KEYS, `$1${REDACTED}`);
}

const SECRET_KEY = /pass|secret|token|key|credential|authorization|cookie/i;

/** Labels/annotations: a value under a password-like name is dropped; others are scrubbed. */
export function redactRecord(rec: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec)) out[k] = SECRET_KEY.test(k) ? REDACTED : redactText(v);
  return out;
}
