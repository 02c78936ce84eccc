/**
 * `user_limit`: per-user rules over sessions. Concurrent sessions per user (one account used from
 * several places at once is a shared or stolen credential), and sessions that run far longer than
 * allowed or than the user's own mean (checked on tick against open sessions; resolved at the end).
 */
import { GroupLevels } from '../levels.js';
import type { RuleOf } from '../schema.js';
import type { SessionChange } from '../sessions.js';
import type { RuleTransition } from '../types.js';
import { BaseEvaluator, type EvalContext } from './evaluator.js';

/**
 * Open sessions are scanned for long durations at most this often: durations that matter are
 * minutes to hours, and a scan of 10,000 sessions on every (50 ms) tick would dominate the tick.
 */
export const DURATION_SCAN_MS = 10_000;

interface DurationStats {
  count: number;
  sumSeconds: number;
}

export class UserLimitEvaluator extends BaseEvaluator {
  readonly name: string;
  readonly kinds = new Set<never>();
  override readonly wantsSessions = true;
  private readonly concurrent: GroupLevels;
  private readonly longSessions: GroupLevels;
  private readonly stats = new Map<string, DurationStats>();
  private lastScanMs = -Infinity;

  constructor(
    private readonly spec: RuleOf<'user_limit'>,
    private readonly ctx: EvalContext,
  ) {
    super();
    this.name = spec.name;
    const base = { name: spec.name, forMs: spec.for, labels: spec.labels, summary: spec.summary };
    this.concurrent = new GroupLevels(
      { ...base, labels: { ...spec.labels, limit: 'concurrent' } },
      ctx.maxGroups,
    );
    this.longSessions = new GroupLevels(
      { ...base, labels: { ...spec.labels, limit: 'duration' } },
      ctx.maxGroups,
    );
  }

  override onSession(change: SessionChange, nowMs: number, out: RuleTransition[]): void {
    const s = change.started ?? change.ended;
    if (s?.user === undefined || this.spec.maxConcurrent === undefined) {
      if (change.ended) this.ended(change.ended, nowMs, out);
      return;
    }
    const n = this.ctx.sessions.userActive(s.host, s.user);
    const crit = this.spec.criticalConcurrent;
    const level =
      crit !== undefined && n > crit
        ? 'critical'
        : n > this.spec.maxConcurrent
          ? this.spec.severity
          : undefined;
    this.concurrent.observe(`${s.host}\u0000${s.user}`, { host: s.host, user: s.user }, level, nowMs, out, n);
    if (change.ended) this.ended(change.ended, nowMs, out);
  }

  override tick(nowMs: number, out: RuleTransition[]): void {
    this.concurrent.tick(nowMs, out);
    if (this.spec.maxDuration === undefined && this.spec.durationFactor === undefined) return;
    if (nowMs - this.lastScanMs < DURATION_SCAN_MS) return;
    this.lastScanMs = nowMs;
    for (const s of this.ctx.sessions.openSessions) {
      if (!s.active) continue;
      const ageMs = nowMs - s.startMs;
      const limitMs = this.limitMs(s.host, s.user);
      if (limitMs !== undefined && ageMs > limitMs) {
        const labels: Record<string, string> = { host: s.host, session: s.id };
        if (s.user !== undefined) labels.user = s.user;
        this.longSessions.observe(
          `${s.host}\u0000${s.id}`,
          labels,
          this.spec.severity,
          nowMs,
          out,
          ageMs / 1000,
        );
      }
    }
    this.longSessions.tick(nowMs, out);
  }

  private ended(
    s: { host: string; id: string; user?: string; seconds: number },
    nowMs: number,
    out: RuleTransition[],
  ): void {
    this.longSessions.observe(`${s.host}\u0000${s.id}`, {}, undefined, nowMs, out);
    if (s.user === undefined) return;
    const k = `${s.host}\u0000${s.user}`;
    let st = this.stats.get(k);
    if (st === undefined) {
      if (this.stats.size >= this.ctx.maxGroups) this.stats.clear();
      st = { count: 0, sumSeconds: 0 };
      this.stats.set(k, st);
    }
    st.count++;
    st.sumSeconds += s.seconds;
  }

  /** The smaller of the absolute limit and factor x the user's mean, once the user has enough history. */
  private limitMs(host: string, user: string | undefined): number | undefined {
    let limit = this.spec.maxDuration;
    const f = this.spec.durationFactor;
    const st = user !== undefined ? this.stats.get(`${host}\u0000${user}`) : undefined;
    if (f !== undefined && st !== undefined && st.count >= this.spec.minSessions) {
      const byUser = (st.sumSeconds / st.count) * f * 1000;
      limit = limit === undefined ? byUser : Math.min(limit, byUser);
    }
    return limit;
  }
}
