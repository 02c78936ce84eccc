/**
 * Secrets in watched configuration files, for config-drift: which lines carry one, how they are kept
 * (a keyed hash, never the value) and how their changes are told ("secret changed: password").
 *
 * Secret-bearing lines: pppd(8) `password STRING` (options files may hold it for PAP/CHAP clients),
 * FreeRADIUS-style `secret = ...` (clients.conf), and anything whose keyword names a key or a
 * password; the radcli/radiusclient `servers` file is `SERVER SECRET` per line (radcli's
 * etc/servers), so every line of it is one.
 */
import { createHmac } from 'node:crypto';

const SECRET_KEYWORD = /pass(word|wd|phrase)?|secret|key/i;
/** Marks a redacted line in the state file; never in a summary. */
const MARK = '<secret ';

const keyed = (key: string, s: string): string => createHmac('sha256', key).update(s).digest('hex');

/** The option keyword of a line: `password x` -> password, `secret = x` -> secret. */
export function keywordOf(line: string): string {
  return /^[^\s=]*/.exec(line)?.[0] ?? '';
}

export function isSecretLine(line: string): boolean {
  return SECRET_KEYWORD.test(keywordOf(line));
}

/**
 * A secret-bearing line becomes `KEYWORD <secret HMAC>`: a change of the value still changes the
 * line (drift is seen), the value is not kept. Other lines and already redacted ones are unchanged.
 */
export function redactLine(line: string, key: string): string {
  if (!isSecretLine(line) || line.includes(MARK)) return line;
  return `${keywordOf(line)} ${MARK}${keyed(key, line).slice(0, 32)}>`;
}

export const isRedacted = (line: string): boolean => line.includes(MARK);

/**
 * What happened to secrets between two redacted line lists, by keyword: a keyword with lines both
 * removed and added is "changed", otherwise "added"/"removed". Values are never shown.
 */
export function secretChanges(added: string[], removed: string[]): string[] {
  const kw = (ls: string[]): Set<string> => new Set(ls.filter(isRedacted).map(keywordOf));
  const a = kw(added);
  const r = kw(removed);
  const changed = [...a].filter((k) => r.has(k));
  const parts: string[] = [];
  if (changed.length) parts.push(`secret changed: ${changed.join(', ')}`);
  const onlyA = [...a].filter((k) => !r.has(k));
  const onlyR = [...r].filter((k) => !a.has(k));
  if (onlyA.length) parts.push(`secret added: ${onlyA.join(', ')}`);
  if (onlyR.length) parts.push(`secret removed: ${onlyR.join(', ')}`);
  return parts;
}

/** A keyed hash of a whole file: equal files compare equal, a secret cannot be guessed from a table. */
export const fileHash = (key: string, text: string): string => keyed(key, text);

/** radcli `servers`: `SERVER[:PORT] SECRET` per line -> server -> keyed hash of its lines. */
export function radiusServers(lines: string[], key: string): Record<string, string> {
  const by: Record<string, string[]> = {};
  for (const l of lines) (by[keywordOf(l)] ??= []).push(l);
  const out: Record<string, string> = {};
  for (const [s, ls] of Object.entries(by)) out[s] = keyed(key, ls.join('\n'));
  return out;
}

export function summarizeServers(before: Record<string, string>, after: Record<string, string>): string {
  const added = Object.keys(after).filter((s) => !(s in before));
  const removed = Object.keys(before).filter((s) => !(s in after));
  const changed = Object.keys(after).filter((s) => s in before && before[s] !== after[s]);
  const parts: string[] = [];
  if (added.length) parts.push(`servers added: ${added.join(', ')}`);
  if (removed.length) parts.push(`servers removed: ${removed.join(', ')}`);
  if (changed.length) parts.push(`secret changed: ${changed.join(', ')}`);
  return parts.length ? parts.join('; ') : 'formatting changed (no server or secret changed)';
}
