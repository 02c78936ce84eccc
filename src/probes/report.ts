/**
 * Output of `pptpmon probe`: the `--json` document (ARCHITECTURE.md: {target, vantage, ok, checks}, plus
 * the events the run produced) and a plain-text table for people. Pure functions over a ProbeRun.
 */
import type { Event } from '../events/index.js';
import type { CheckResult, JsonValue } from './types.js';

export interface ProbeReport {
  target: string;
  vantage: string;
  ok: boolean;
  checks: CheckResult[];
  events: Event[];
}

export function jsonReport(r: ProbeReport): string {
  return JSON.stringify(
    { target: r.target, vantage: r.vantage, ok: r.ok, checks: r.checks, events: r.events },
    null,
    2,
  );
}

const BASE_FIELDS = new Set(['check', 'ok', 'ms', 'stage', 'reason', 'detail']);

function fieldText(v: JsonValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return /[\s"]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map((x) => fieldText(x)).join(',');
  if (v !== null && typeof v === 'object') {
    return Object.entries(v)
      .map(([k, x]) => `${k}:${fieldText(x)}`)
      .join(',');
  }
  return String(v);
}

export function textReport(r: ProbeReport): string {
  const lines = [`pptpmon probe ${r.target} from ${r.vantage}: ${r.ok ? 'OK' : 'FAILED'}`];
  for (const c of r.checks) {
    const head = `  ${c.check.padEnd(8)} ${(c.ok ? 'ok' : 'FAIL').padEnd(5)} ${`${c.ms} ms`.padStart(10)}`;
    const fields = Object.entries(c)
      .filter(([k, v]) => !BASE_FIELDS.has(k) && v !== undefined)
      .map(([k, v]) => `${k}=${fieldText(v)}`)
      .join(' ');
    const why = c.ok
      ? ''
      : `  stage=${c.stage ?? '?'} reason=${c.reason ?? '?'}${c.detail ? `: ${c.detail}` : ''}`;
    lines.push(`${head}${why}${fields ? `  ${fields}` : ''}`);
  }
  for (const e of r.events) {
    if (e.kind === 'probe.control.fingerprint') {
      lines.push(`  fingerprint changed: ${e.attrs.before} -> ${e.attrs.after}`);
    }
  }
  return lines.join('\n');
}
