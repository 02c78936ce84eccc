/**
 * The Notification handed to `notify(notification)`: the root alert first, then the alerts it
 * explains, each enriched for the person on call (sessions, users, source IPs, probe stage, the last
 * log lines behind it, a dashboard link), with secrets redacted. Notifiers (a later issue) format it.
 */
import type { AlertSeverity, Evidence } from '../rules/index.js';
import { redactRecord, redactText } from './redact.js';

export interface AlertView {
  fingerprint: string;
  rule: string;
  status: 'firing' | 'resolved';
  severity: AlertSeverity;
  labels: Record<string, string>;
  summary: string;
  startsAt: string;
  endsAt?: string;
  value?: number;
  /** Ids of the silences muting it (it is shown, not notified). */
  silencedBy: string[];
  sessions: string[];
  users: string[];
  peers: string[];
  /** Where probes stopped (`gre`, `lcp`, `auth`, ...). */
  probeStages: string[];
  /** The last N relevant log lines, redacted. */
  logLines: string[];
  dashboardUrl?: string;
}

export type NotificationReason = 'new' | 'update' | 'repeat' | 'escalation' | 'resolved';

export interface Notification {
  id: string;
  /** The root alert's fingerprint: one group per root cause. */
  groupKey: string;
  reason: NotificationReason;
  status: 'firing' | 'resolved';
  /** The highest severity in the group. */
  severity: AlertSeverity;
  receivers: string[];
  /** Index in the escalation chain of the newest receiver reached. */
  escalationStep: number;
  /** One line naming the root first, e.g. `[CRITICAL] pptpd-crash on vpn1: ... (explains 2: session-drop, ...)`. */
  title: string;
  root: AlertView;
  explains: AlertView[];
  ts: string;
}

export interface ViewSource {
  fingerprint: string;
  rule: string;
  status: 'firing' | 'resolved';
  severity: AlertSeverity;
  labels: Record<string, string>;
  summary: string;
  startsAtMs: number;
  endsAtMs?: number;
  value?: number;
  evidence: readonly Evidence[];
  silencedBy: string[];
}

function uniq(xs: Iterable<string | undefined>): string[] {
  const s = new Set<string>();
  for (const x of xs) if (x !== undefined && x !== '') s.add(x);
  return [...s];
}

export function alertView(a: ViewSource, logLines: number, dashboardUrl?: string): AlertView {
  const labels = redactRecord(a.labels);
  const v: AlertView = {
    fingerprint: a.fingerprint,
    rule: a.rule,
    status: a.status,
    severity: a.severity,
    labels,
    summary: redactText(a.summary),
    startsAt: new Date(a.startsAtMs).toISOString(),
    silencedBy: [...a.silencedBy],
    sessions: uniq([labels.session, ...a.evidence.map((e) => e.session)]),
    users: uniq([labels.user, ...a.evidence.map((e) => e.user)]),
    peers: uniq([labels.peer, ...a.evidence.map((e) => e.peer)]),
    probeStages: uniq(a.evidence.map((e) => e.stage)),
    logLines:
      logLines > 0
        ? uniq(a.evidence.map((e) => e.raw))
            .slice(-logLines)
            .map(redactText)
        : [],
  };
  if (a.endsAtMs !== undefined) v.endsAt = new Date(a.endsAtMs).toISOString();
  if (a.value !== undefined) v.value = a.value;
  if (dashboardUrl !== undefined)
    v.dashboardUrl = `${dashboardUrl.replace(/\/+$/, '')}/alerts/${a.fingerprint}`;
  return v;
}

export function titleOf(root: AlertView, explains: readonly AlertView[], severity: AlertSeverity): string {
  const head = `[${severity.toUpperCase()}${root.status === 'resolved' ? ' RESOLVED' : ''}] ${root.rule}`;
  const where = root.labels.host ? ` on ${root.labels.host}` : '';
  const tail =
    explains.length > 0
      ? ` (explains ${explains.length}: ${uniq(explains.map((e) => e.rule)).join(', ')})`
      : '';
  return `${head}${where}: ${root.summary}${tail}`;
}
