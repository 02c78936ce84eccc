/**
 * Per-group alert level with `for:` sustain, shared by every rule type. An evaluator says what level
 * the condition is at now (none / warning / critical); this turns that into firing and resolved
 * transitions once the level has held for the rule's `for` duration. Memory is bounded: at most
 * `maxGroups` groups per rule, evicting the oldest group that is not firing.
 */
import { renderSummary, type AlertSeverity, type Evidence, type RuleTransition } from './types.js';

export type Level = AlertSeverity | undefined;

/** A firing group's newer value/evidence is passed on at most this often (not on every event). */
export const REFRESH_MS = 5000;

/** Evidence kept per group: enough for "the last N relevant log lines" without growing. */
export const EVIDENCE_PER_GROUP = 10;

interface GroupState {
  labels: Record<string, string>;
  /** Since when the condition has been at least warning / at least critical (ms), or undefined. */
  warnSince?: number;
  critSince?: number;
  firing: Level;
  /** Value or evidence changed since the last transition (a refresh is due on tick). */
  dirty: boolean;
  lastEmitMs: number;
  value?: number;
  evidence: Evidence[];
}

export interface LevelRule {
  name: string;
  forMs: number;
  labels: Record<string, string>;
  summary?: string;
}

export class GroupLevels {
  private readonly groups = new Map<string, GroupState>();
  private readonly firingKeys = new Set<string>();
  /** Groups whose level is pending its `for` (or firing): the only ones a sustain tick looks at. */
  private readonly pendingKeys = new Set<string>();

  constructor(
    private readonly rule: LevelRule,
    private readonly maxGroups = 100_000,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  /** The groups with state (a level, pending or firing, or evidence kept). */
  keys(): IterableIterator<string> {
    return this.groups.keys();
  }

  /** Records the level observed now for a group and emits any transition into `out`. */
  observe(
    key: string,
    labels: Record<string, string>,
    level: Level,
    nowMs: number,
    out: RuleTransition[],
    value?: number,
    evidence?: Evidence,
  ): void {
    let g = this.groups.get(key);
    if (g === undefined) {
      if (level === undefined && evidence === undefined) return;
      g = { labels, firing: undefined, dirty: false, lastEmitMs: 0, evidence: [] };
      this.makeRoom();
      this.groups.set(key, g);
    }
    if (evidence !== undefined) {
      g.evidence.push(evidence);
      if (g.evidence.length > EVIDENCE_PER_GROUP) g.evidence.shift();
    }
    if (value !== undefined && value !== g.value) {
      g.value = value;
      g.dirty = true;
    }
    if (evidence !== undefined) g.dirty = true;
    if (level === undefined) {
      g.warnSince = g.critSince = undefined;
      this.pendingKeys.delete(key);
    } else {
      if (this.rule.forMs > 0) this.pendingKeys.add(key);
      g.warnSince ??= nowMs;
      if (level === 'critical') g.critSince ??= nowMs;
      else g.critSince = undefined;
    }
    this.settle(key, g, nowMs, out);
  }

  /**
   * Re-checks sustain timers (a level that has now held long enough fires without a new event), and
   * refreshes firing alerts whose value or evidence moved, at most every REFRESH_MS: the notification
   * sent after group wait then says "30 sessions", not the 11 at the crossing.
   */
  tick(nowMs: number, out: RuleTransition[]): void {
    for (const key of this.pendingKeys) {
      const g = this.groups.get(key);
      if (g?.warnSince === undefined) this.pendingKeys.delete(key);
      else this.settle(key, g, nowMs, out);
    }
    for (const key of this.firingKeys) {
      const g = this.groups.get(key);
      if (g?.firing === undefined || !g.dirty || nowMs - g.lastEmitMs < REFRESH_MS) continue;
      g.dirty = false;
      g.lastEmitMs = nowMs;
      out.push({ ...this.transition(g, g.firing, nowMs, true), refresh: true });
    }
  }

  isFiring(key: string): boolean {
    return this.groups.get(key)?.firing !== undefined;
  }

  forget(key: string): void {
    const g = this.groups.get(key);
    if (g !== undefined && g.firing === undefined) {
      this.groups.delete(key);
      this.pendingKeys.delete(key);
    }
  }

  private settle(key: string, g: GroupState, nowMs: number, out: RuleTransition[]): void {
    const held = (since: number | undefined): boolean =>
      since !== undefined && nowMs - since >= this.rule.forMs;
    const want: Level = held(g.critSince) ? 'critical' : held(g.warnSince) ? 'warning' : undefined;
    // While a higher level is still pending its `for`, keep the level already firing (no flapping).
    const next: Level = want ?? (g.warnSince !== undefined ? g.firing : undefined);
    if (next === g.firing) {
      if (next === undefined && g.warnSince === undefined && g.evidence.length === 0) this.groups.delete(key);
      return;
    }
    const prev = g.firing;
    g.firing = next;
    g.dirty = false;
    g.lastEmitMs = nowMs;
    out.push(this.transition(g, next ?? prev ?? 'warning', nowMs, next !== undefined));
    if (next === undefined) {
      this.firingKeys.delete(key);
      this.pendingKeys.delete(key);
      this.groups.delete(key);
    } else this.firingKeys.add(key);
  }

  private transition(
    g: GroupState,
    severity: 'warning' | 'critical',
    nowMs: number,
    firing: boolean,
  ): RuleTransition {
    const labels = { ...this.rule.labels, ...g.labels, alertname: this.rule.name };
    const t: RuleTransition = {
      rule: this.rule.name,
      labels,
      status: firing ? 'firing' : 'resolved',
      severity,
      atMs: nowMs,
      summary: renderSummary(this.rule.summary ?? this.rule.name, labels, g.value),
      evidence: [...g.evidence],
    };
    if (g.value !== undefined) t.value = g.value;
    return t;
  }

  private makeRoom(): void {
    if (this.groups.size < this.maxGroups) return;
    for (const [k, g] of this.groups) {
      if (g.firing === undefined) {
        this.groups.delete(k);
        this.pendingKeys.delete(k);
        return;
      }
    }
  }
}
