/**
 * Multi-vantage verdicts: the same checks run from several vantage points (`probe --vantage NAME`, or
 * agents) are compared per check, to tell "down from every vantage" (the server is broken) from "down
 * from some" (a network path problem: a firewall or NAT in front of those vantages). Pure: the server
 * or a rule feeds it the latest report of each vantage.
 */
import type { ProbeCheck } from '../events/index.js';
import type { CheckResult } from './types.js';

export interface VantageReport {
  vantage: string;
  target: string;
  checks: readonly CheckResult[];
}

export type VantageVerdictKind = 'ok' | 'down_everywhere' | 'path_problem';

export interface VantageVerdict {
  target: string;
  check: ProbeCheck;
  verdict: VantageVerdictKind;
  okFrom: string[];
  failedFrom: { vantage: string; stage?: string; reason?: string }[];
}

/** One verdict per (target, check) seen in the reports, in first-seen order. */
export function compareVantages(reports: readonly VantageReport[]): VantageVerdict[] {
  const byKey = new Map<string, VantageVerdict>();
  for (const r of reports) {
    for (const c of r.checks) {
      const key = `${r.target}\u0000${c.check}`;
      let v = byKey.get(key);
      if (!v) {
        v = { target: r.target, check: c.check, verdict: 'ok', okFrom: [], failedFrom: [] };
        byKey.set(key, v);
      }
      if (c.ok) v.okFrom.push(r.vantage);
      else v.failedFrom.push({ vantage: r.vantage, stage: c.stage, reason: c.reason });
    }
  }
  for (const v of byKey.values()) {
    if (v.failedFrom.length === 0) v.verdict = 'ok';
    else v.verdict = v.okFrom.length === 0 ? 'down_everywhere' : 'path_problem';
  }
  return [...byKey.values()];
}
