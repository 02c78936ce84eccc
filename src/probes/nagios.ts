/**
 * Nagios plugin output for `pptpmon probe --nagios` (ARCHITECTURE.md: one line, perfdata after `|`,
 * exit 0 OK / 1 WARNING / 2 CRITICAL / 3 UNKNOWN), following the Nagios plugin guidelines
 * (nagios-plugins.org/doc/guidelines.html: "Plugin Output", "Performance data").
 *
 * Thresholds follow check_ping's form: `-w 500` (ms) or `-w 500,20%` (ms and packet loss).
 * Each check's time is compared against them (and login's echo RTT and loss when it reports them);
 * the worst state wins. A failed check is CRITICAL; a probe that could not run properly
 * (internal_error/deadline) is UNKNOWN, because it says nothing about the server.
 */
import type { CheckResult } from './types.js';

export const NAGIOS = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type NagiosState = (typeof NAGIOS)[keyof typeof NAGIOS];
const STATE_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface Threshold {
  ms?: number;
  lossPct?: number;
}

/** Parses `500`, `500,20%`, `,20%`. Returns an error string for anything else. */
export function parseThreshold(text: string): Threshold | string {
  const m = /^\s*(\d+(?:\.\d+)?)?\s*(?:,\s*(\d+(?:\.\d+)?)%?)?\s*$/.exec(text);
  if (!m || (m[1] === undefined && m[2] === undefined)) {
    return `expected milliseconds with an optional loss percentage like "500" or "500,20%", got ${JSON.stringify(text)}`;
  }
  const t: Threshold = {};
  if (m[1] !== undefined) t.ms = Number(m[1]);
  if (m[2] !== undefined) t.lossPct = Number(m[2]);
  if (t.lossPct !== undefined && t.lossPct > 100)
    return `loss percentage above 100 in ${JSON.stringify(text)}`;
  return t;
}

function over(value: number | undefined, limit: number | undefined): boolean {
  return value !== undefined && limit !== undefined && value > limit;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function checkState(c: CheckResult, warn: Threshold, crit: Threshold): NagiosState {
  if (!c.ok)
    return c.reason === 'internal_error' || c.reason === 'deadline' ? NAGIOS.UNKNOWN : NAGIOS.CRITICAL;
  const rtt = num(c.rttMs);
  const loss = num(c.lossPct);
  if (over(c.ms, crit.ms) || over(rtt, crit.ms) || over(loss, crit.lossPct)) return NAGIOS.CRITICAL;
  if (over(c.ms, warn.ms) || over(rtt, warn.ms) || over(loss, warn.lossPct)) return NAGIOS.WARNING;
  return NAGIOS.OK;
}

/** Perfdata labels may not contain `=` or `'`; ours are check names, quoted anyway per the guidelines. */
function perf(
  label: string,
  value: number,
  unit: string,
  warn?: number,
  crit?: number,
  min?: number,
  max?: number,
): string {
  const f = (n: number | undefined) => (n === undefined ? '' : String(n));
  return `'${label}'=${value}${unit};${f(warn)};${f(crit)};${f(min)};${f(max)}`.replace(/;+$/, '');
}

/** Keeps the status text on one line and free of the perfdata separator. */
function oneLine(s: string): string {
  return s.replace(/[\r\n|]+/g, ' ');
}

function summary(c: CheckResult): string {
  if (!c.ok)
    return `${c.check} failed at ${c.stage ?? '?'}: ${c.reason ?? 'error'}${c.detail ? ` (${c.detail})` : ''}`;
  const extra: string[] = [];
  if (c.check === 'control' && typeof c.vendor === 'string')
    extra.push(`${c.vendor} ${String(c.hostname)} fw ${String(c.firmware)}`);
  if (num(c.rttMs) !== undefined) extra.push(`rtt ${String(c.rttMs)} ms`);
  if (num(c.lossPct) !== undefined) extra.push(`loss ${String(c.lossPct)}%`);
  return `${c.check} ${c.ms} ms${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

export interface NagiosReport {
  state: NagiosState;
  line: string;
}

export function nagiosReport(
  target: string,
  checks: readonly CheckResult[],
  warn: Threshold,
  crit: Threshold,
): NagiosReport {
  if (checks.length === 0) return { state: NAGIOS.UNKNOWN, line: `PPTP UNKNOWN - ${target}: no checks ran` };
  let state: NagiosState = NAGIOS.OK;
  const perfs: string[] = [];
  for (const c of checks) {
    const s = checkState(c, warn, crit);
    // UNKNOWN only wins over OK/WARNING; a CRITICAL elsewhere is the more useful answer.
    if (s === NAGIOS.CRITICAL || (s > state && state !== NAGIOS.CRITICAL)) state = s;
    perfs.push(perf(c.check, c.ms, 'ms', warn.ms, crit.ms, 0));
    const rtt = num(c.rttMs);
    if (rtt !== undefined) perfs.push(perf(`${c.check}_rtt`, rtt, 'ms', warn.ms, crit.ms, 0));
    const loss = num(c.lossPct);
    if (loss !== undefined)
      perfs.push(perf(`${c.check}_loss`, loss, '%', warn.lossPct, crit.lossPct, 0, 100));
  }
  // Failed checks first: the start of the line is what a pager shows.
  const ordered = [...checks.filter((c) => !c.ok), ...checks.filter((c) => c.ok)];
  const text = oneLine(`${target}: ${ordered.map(summary).join('; ')}`);
  return { state, line: `PPTP ${STATE_NAMES[state]} - ${text} | ${perfs.join(' ')}` };
}

export function unknownLine(message: string): NagiosReport {
  return { state: NAGIOS.UNKNOWN, line: `PPTP UNKNOWN - ${oneLine(message)}` };
}
