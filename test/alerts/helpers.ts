/** Alert tests: rule transitions by hand, a manager with collected notifications, a fake clock. */
import { AlertManager, parseAlertPolicy, type Notification } from '../../src/alerts/index.js';
import type { Evidence, RuleTransition } from '../../src/rules/index.js';

export const T0 = Date.parse('2026-11-24T10:00:00.000Z');
export const SEC = 1000;
export const MIN = 60_000;

export function tr(
  rule: string,
  status: 'firing' | 'resolved',
  atMs: number,
  opts: {
    severity?: 'warning' | 'critical';
    labels?: Record<string, string>;
    evidence?: Evidence[];
    summary?: string;
  } = {},
): RuleTransition {
  return {
    rule,
    labels: { host: 'vpn1', ...opts.labels, alertname: rule },
    status,
    severity: opts.severity ?? 'critical',
    atMs,
    summary: opts.summary ?? `${rule} summary`,
    evidence: opts.evidence ?? [],
  };
}

export function setup(policy: Record<string, unknown> = {}): { am: AlertManager; sent: Notification[] } {
  const sent: Notification[] = [];
  const am = new AlertManager(parseAlertPolicy(policy), (n) => sent.push(n));
  return { am, sent };
}

/** Ticks every `stepMs` from `fromMs` to `toMs` inclusive. */
export function run(am: AlertManager, fromMs: number, toMs: number, stepMs = SEC): void {
  for (let t = fromMs; t <= toMs; t += stepMs) am.tick(t);
}
