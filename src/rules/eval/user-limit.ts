/**
 * `user_limit`: per-user rules over sessions. Concurrent sessions per user (one account used from
 * several places at once is a shared or stolen credential), and sessions that run far longer than
 * allowed or than the user's own mean (checked on tick against open sessions; resolved at the end).
 */
import { GroupLevels } from '../levels.js';
import type { RuleOf } from '../schema.js';
import type { SessionChange, TrackedSession } from '../sessions.js';
import type { RuleTransition } from '../types.js';
import { BaseEvaluator, type EvalContext } from './evaluator.js';

/**
 * Open sessions are scanned for long durations at most this often: durations that matter are
 * minutes to hours, and a scan of 10,000 sessions on every (50 ms) tick would dominate the tick.
 */
export const DURATION_SCAN_MS = 10_000;

/**
 * Sessions checked per tick: a pass over 10,000 sessions in one tick took 6 ms (60 ms under load),
 * a stall for every rule that ticks after it; in chunks a pass spans a few ticks instead.
 */
export const DURATION_SCAN_CHUNK = 1000;

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
  /** Per host, per user: nested so the scan looks users up without building a key per session. */
  private readonly stats = new Map<string, Map<string, DurationStats>>();
  private statsSize = 0;
  private lastScanMs = -Infinity;
  /** The pass in progress (a live iterator over the open sessions), or none. */
  private scan: Iterator<TrackedSession> | undefined;

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
    if (this.scan === undefined) {
      if (nowMs - this.lastScanMs < DURATION_SCAN_MS) return;
      this.lastScanMs = nowMs;
      this.scan = this.ctx.sessions.openSessions;
    }
    // A Map iterator stays valid while sessions start and end between ticks (ended ones are skipped).
    for (let budget = DURATION_SCAN_CHUNK; budget > 0; budget--) {
      const next = this.scan.next();
      if (next.done === true) {
        this.scan = undefined;
        break;
      }
      const s = next.value;
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
    let byUser = this.stats.get(s.host);
    let st = byUser?.get(s.user);
    if (st === undefined) {
      if (this.statsSize >= this.ctx.maxGroups) {
        this.stats.clear();
        this.statsSize = 0;
        byUser = undefined;
      }
      if (byUser === undefined) this.stats.set(s.host, (byUser = new Map()));
      st = { count: 0, sumSeconds: 0 };
      byUser.set(s.user, st);
      this.statsSize++;
    }
    st.count++;
    st.sumSeconds += s.seconds;
  }

  /** The smaller of the absolute limit and factor x the user's mean, once the user has enough history. */
  private limitMs(host: string, user: string | undefined): number | undefined {
    let limit = this.spec.maxDuration;
    const f = this.spec.durationFactor;
    const st = user !== undefined ? this.stats.get(host)?.get(user) : undefined;
    if (f !== undefined && st !== undefined && st.count >= this.spec.minSessions) {
      const byUser = (st.sumSeconds / st.count) * f * 1000;
      limit = limit === undefined ? byUser : Math.min(limit, byUser);
    }
    return limit;
  }
}
