/**
 * The alert lifecycle, pure and clock-driven: rule transitions come in (`receive`), time advances
 * (`tick(now)`), notifications go out through the injected `notify`. Alerts are deduplicated by
 * fingerprint; a firing alert explained by another (inhibition) joins the root's group; muted alerts
 * are kept and shown; escalation walks the route's chain until acknowledged; reminders repeat.
 * Persistence is an edge (persist.ts) listening on `onChange`.
 */
import type { AlertSeverity, Evidence, RuleTransition } from '../rules/index.js';
import { fingerprint } from './fingerprint.js';
import { matchesAll } from './matchers.js';
import {
  alertView,
  titleOf,
  type AlertView,
  type Notification,
  type NotificationReason,
} from './notification.js';
import { DEFAULT_INHIBIT_RULES } from './defaults.js';
import { Inhibitor } from './inhibit.js';
import type { AlertPolicy, EscalationStep } from './policy.js';
import { SilenceSet, type SilenceSpec } from './silences.js';

export interface Alert {
  fingerprint: string;
  rule: string;
  labels: Record<string, string>;
  severity: AlertSeverity;
  status: 'firing' | 'resolved';
  startsAtMs: number;
  endsAtMs?: number;
  updatedAtMs: number;
  summary: string;
  value?: number;
  evidence: Evidence[];
  /** Not notified on its own before this: group wait, re-armed when the alert stops being explained. */
  eligibleAtMs: number;
  silencedBy: string[];
  /** Fingerprint of the root alert explaining it, while one does. */
  explainedBy?: string;
}

export interface Ack {
  fingerprint: string;
  by: string;
  atMs: number;
  untilMs?: number;
  comment?: string;
}

interface Group {
  chain: readonly EscalationStep[];
  firstMs: number;
  lastMs: number;
  /** Receivers reached so far, and the next chain step. */
  receivers: string[];
  step: number;
  severity: AlertSeverity;
  members: string;
  seq: number;
}

const RANK: Record<AlertSeverity, number> = { warning: 1, critical: 2 };
const EVIDENCE_KEPT = 20;

export class AlertManager {
  readonly silences = new SilenceSet();
  private readonly alerts = new Map<string, Alert>();
  private readonly groups = new Map<string, Group>();
  private readonly acks = new Map<string, Ack>();
  private readonly inhibitor: Inhibitor;
  /** Called with every alert whose state changed (persistence). */
  onChange: (alert: Alert) => void = () => {};
  /** Called when an alert episode starts firing or resolves (the `alert.*` events). */
  onTransition: (alert: Alert, status: 'firing' | 'resolved') => void = () => {};

  constructor(
    private readonly policy: AlertPolicy,
    private readonly notify: (n: Notification) => void,
  ) {
    this.inhibitor = new Inhibitor([
      ...(policy.inhibitDefaults ? DEFAULT_INHIBIT_RULES : []),
      ...policy.inhibit,
    ]);
    for (const s of policy.silences) {
      const spec: SilenceSpec = {
        id: s.id,
        matchers: s.matchers,
        startsAt: s.startsAt ?? new Date(0).toISOString(),
        createdBy: s.createdBy,
        createdAt: new Date(0).toISOString(),
      };
      if (s.endsAt !== undefined) spec.endsAt = s.endsAt;
      if (s.comment !== undefined) spec.comment = s.comment;
      if (s.schedule)
        spec.schedule = {
          cron: s.schedule.cron,
          timezone: s.schedule.timezone,
          durationMs: s.schedule.duration,
        };
      this.silences.add(spec);
    }
  }

  /** Applies rule transitions: new alerts, severity changes, resolutions. */
  receive(transitions: readonly RuleTransition[]): void {
    for (const t of transitions) {
      const fp = fingerprint(t.labels);
      let a = this.alerts.get(fp);
      if (t.status === 'firing') {
        if (a === undefined || a.status === 'resolved') {
          a = {
            fingerprint: fp,
            rule: t.rule,
            labels: t.labels,
            severity: t.severity,
            status: 'firing',
            startsAtMs: t.atMs,
            updatedAtMs: t.atMs,
            summary: t.summary,
            evidence: [],
            eligibleAtMs: t.atMs + this.policy.groupWait,
            silencedBy: [],
          };
          this.alerts.set(fp, a);
          this.acks.delete(fp); // a new episode needs a new acknowledgement
          this.onTransition(a, 'firing');
        }
        a.severity = t.severity;
      } else {
        if (a === undefined || a.status === 'resolved') continue;
        a.status = 'resolved';
        a.endsAtMs = t.atMs;
        this.onTransition(a, 'resolved');
      }
      a.updatedAtMs = t.atMs;
      // A resolved alert keeps the summary it fired with ("30 sessions lost"), not the all-clear value.
      if (t.status === 'firing') {
        a.summary = t.summary;
        if (t.value !== undefined) a.value = t.value;
      }
      this.addEvidence(a, t.evidence);
      this.onChange(a);
    }
  }

  /** Restores an alert that was firing before a restart, as already notified (no duplicate page). */
  restore(a: Omit<Alert, 'evidence' | 'eligibleAtMs' | 'silencedBy'>, nowMs: number): void {
    if (a.status !== 'firing') return;
    this.alerts.set(a.fingerprint, { ...a, evidence: [], eligibleAtMs: a.startsAtMs, silencedBy: [] });
    const chain = this.chainFor(a.labels);
    // Escalation carries on from the original start; the first step was reached before the restart.
    this.groups.set(a.fingerprint, {
      chain,
      firstMs: a.startsAtMs,
      lastMs: nowMs,
      receivers: chain[0] ? [chain[0].receiver] : [],
      step: 1,
      severity: a.severity,
      members: '',
      seq: 0,
    });
  }

  acknowledge(ack: Ack): boolean {
    const a = this.alerts.get(ack.fingerprint);
    if (a === undefined || a.status !== 'firing') return false;
    // Acknowledging an explained alert acknowledges the incident: its root.
    this.acks.set(a.explainedBy ?? a.fingerprint, ack);
    return true;
  }

  isAcked(fp: string, nowMs: number): boolean {
    const ack = this.acks.get(fp);
    return ack !== undefined && (ack.untilMs === undefined || nowMs < ack.untilMs);
  }

  /** Every alert kept (firing, muted or recently resolved), for the API and dashboard. */
  list(): Alert[] {
    return [...this.alerts.values()];
  }

  get(fp: string): Alert | undefined {
    return this.alerts.get(fp);
  }

  /** Advances time: works out roots and mutes, and sends what is due. */
  tick(nowMs: number): void {
    this.silences.prune(nowMs);
    const firing = [...this.alerts.values()].filter((a) => a.status === 'firing');
    for (const a of firing) {
      const muted = this.silences.mutedBy(a.labels, nowMs);
      if (muted.join() !== a.silencedBy.join()) {
        a.silencedBy = muted;
        this.onChange(a);
      }
    }
    const members = new Map<string, Alert[]>();
    const roots = this.inhibitor.roots(firing);
    for (const a of firing) {
      const root = roots.get(a) ?? a;
      const was = a.explainedBy;
      a.explainedBy = root === a ? undefined : root.fingerprint;
      // No longer explained (its root resolved): give what else may explain it time to show up.
      if (was !== undefined && a.explainedBy === undefined)
        a.eligibleAtMs = Math.max(a.eligibleAtMs, nowMs + this.policy.groupWait);
      if (root !== a) {
        const list = members.get(root.fingerprint) ?? [];
        list.push(a);
        members.set(root.fingerprint, list);
      }
    }
    for (const a of firing)
      if (a.explainedBy === undefined) this.dispatch(a, members.get(a.fingerprint) ?? [], nowMs);
    this.closeGroups(nowMs);
    for (const [fp, a] of this.alerts) {
      if (a.status === 'resolved' && nowMs - (a.endsAtMs ?? 0) > this.policy.keepResolved)
        this.alerts.delete(fp);
    }
  }

  private dispatch(root: Alert, explained: Alert[], nowMs: number): void {
    if (root.silencedBy.length > 0) return;
    const severity = explained.reduce<AlertSeverity>(
      (s, a) => (RANK[a.severity] > RANK[s] ? a.severity : s),
      root.severity,
    );
    const memberKey = explained
      .map((a) => a.fingerprint)
      .sort()
      .join(',');
    let g = this.groups.get(root.fingerprint);
    if (g === undefined) {
      if (nowMs < root.eligibleAtMs) return;
      const chain = this.chainFor(root.labels);
      g = {
        chain,
        firstMs: nowMs,
        lastMs: nowMs,
        receivers: [],
        step: 0,
        severity,
        members: memberKey,
        seq: 0,
      };
      this.groups.set(root.fingerprint, g);
      const first = this.dueSteps(g, nowMs);
      this.send(root, explained, g, 'new', first, nowMs);
      return;
    }
    const acked = this.isAcked(root.fingerprint, nowMs);
    const escalated = RANK[severity] > RANK[g.severity];
    const changed = memberKey !== g.members && nowMs - g.lastMs >= this.policy.groupInterval;
    if (escalated || changed) {
      g.severity = severity;
      g.members = memberKey;
      this.send(root, explained, g, 'update', g.receivers, nowMs);
    }
    if (!acked) {
      const next = this.dueSteps(g, nowMs);
      if (next.length > 0) this.send(root, explained, g, 'escalation', next, nowMs);
      else if (nowMs - g.lastMs >= this.policy.repeatInterval)
        this.send(root, explained, g, 'repeat', g.receivers, nowMs);
    }
  }

  /** Chain steps whose delay has passed since the group's first notification; marks them reached. */
  private dueSteps(g: Group, nowMs: number): string[] {
    const out: string[] = [];
    while (g.step < g.chain.length) {
      const s = g.chain[g.step];
      if (s === undefined || nowMs - g.firstMs < s.after) break;
      out.push(s.receiver);
      if (!g.receivers.includes(s.receiver)) g.receivers.push(s.receiver);
      g.step++;
    }
    return out;
  }

  /** Groups whose root is no longer a firing root: resolved (tell who was told) or now explained. */
  private closeGroups(nowMs: number): void {
    for (const [fp, g] of this.groups) {
      const root = this.alerts.get(fp);
      if (root !== undefined && root.status === 'firing' && root.explainedBy === undefined) continue;
      this.groups.delete(fp);
      if (
        root === undefined ||
        root.status !== 'resolved' ||
        !this.policy.sendResolved ||
        g.receivers.length === 0
      )
        continue;
      const explained = g.members === '' ? [] : g.members.split(',').flatMap((m) => this.alerts.get(m) ?? []);
      this.send(root, explained, g, 'resolved', g.receivers, nowMs);
    }
  }

  private send(
    root: Alert,
    explained: Alert[],
    g: Group,
    reason: NotificationReason,
    receivers: string[],
    nowMs: number,
  ): void {
    if (receivers.length === 0) return;
    g.lastMs = nowMs;
    g.seq++;
    const view = (a: Alert): AlertView => alertView(a, this.policy.logLines, this.policy.dashboardUrl);
    const rootView = view(root);
    const explains = explained.map(view);
    const severity = explained.reduce<AlertSeverity>(
      (s, a) => (RANK[a.severity] > RANK[s] ? a.severity : s),
      root.severity,
    );
    this.notify({
      id: `${root.fingerprint}-${g.seq}`,
      groupKey: root.fingerprint,
      reason,
      status: reason === 'resolved' ? 'resolved' : 'firing',
      severity,
      receivers: [...receivers],
      escalationStep: Math.max(0, g.step - 1),
      title: titleOf(rootView, explains, severity),
      root: rootView,
      explains,
      ts: new Date(nowMs).toISOString(),
    });
  }

  private chainFor(labels: Readonly<Record<string, string>>): readonly EscalationStep[] {
    for (const r of this.policy.routes) if (matchesAll(r.match, labels)) return r.chain;
    return this.policy.defaultChain;
  }

  private addEvidence(a: Alert, ev: readonly Evidence[]): void {
    for (const e of ev) {
      // One line can end many sessions (pptpd's restart ends every open call): keep one per session.
      if (
        a.evidence.some(
          (x) => x.ts === e.ts && x.raw === e.raw && x.kind === e.kind && x.session === e.session,
        )
      )
        continue;
      a.evidence.push(e);
    }
    if (a.evidence.length > EVIDENCE_KEPT) a.evidence.splice(0, a.evidence.length - EVIDENCE_KEPT);
  }
}
