/**
 * `baseline`: the active session count against the same hour of the previous `days` days (mean and
 * standard deviation of the hourly averages), alerting on a drop or spike of `sigma` deviations.
 * Minimum-data rule: fewer than `minDays` same-hour figures and it stays silent; deviations below
 * `minDelta` never alert (a flat history has a sigma near 0, and 3 sessions less is not an incident).
 * The current value is sampled once a minute on tick so the hourly figure is time-weighted.
 * Hours are wall-clock hours of the rule's `timezone` (default UTC, where the comparison shifts by
 * an hour across a DST change of the users' zone).
 */
import { GroupLevels } from '../levels.js';
import type { RuleOf } from '../schema.js';
import type { SessionChange } from '../sessions.js';
import type { RuleTransition } from '../types.js';
import { ZoneHours } from '../zone.js';
import { BaseEvaluator, levelRule, type EvalContext } from './evaluator.js';

interface HostHistory {
  /** Local hour number (ZoneHours) -> sum and count of the samples taken in it. */
  hours: Map<number, { sum: number; count: number }>;
  lastSampleMinute: number;
}

export class BaselineEvaluator extends BaseEvaluator {
  readonly name: string;
  readonly kinds = new Set<never>();
  override readonly wantsSessions = true;
  private readonly levels: GroupLevels;
  private readonly history = new Map<string, HostHistory>();
  private readonly zone: ZoneHours;

  constructor(
    private readonly spec: RuleOf<'baseline'>,
    private readonly ctx: EvalContext,
  ) {
    super();
    this.name = spec.name;
    this.levels = new GroupLevels(levelRule(spec), ctx.maxGroups);
    this.zone = new ZoneHours(spec.timezone);
  }

  /** Seeds history from the store's hourly rollups (SampleQuery with stepMs 3600000). */
  seed(host: string, hourStartMs: number, avg: number): void {
    const h = this.hostHistory(host);
    h.hours.set(this.zone.hourOf(hourStartMs), { sum: avg, count: 1 });
  }

  override onSession(change: SessionChange, nowMs: number, out: RuleTransition[]): void {
    if (change.host === undefined || change.active === undefined) return;
    this.evaluate(change.host, change.active, nowMs, out);
  }

  override tick(nowMs: number, out: RuleTransition[]): void {
    const minute = Math.floor(nowMs / 60_000);
    for (const [host, active] of this.ctx.sessions.hosts) {
      const h = this.hostHistory(host);
      if (h.lastSampleMinute !== minute) {
        h.lastSampleMinute = minute;
        const hour = this.zone.hourOf(nowMs);
        const b = h.hours.get(hour) ?? { sum: 0, count: 0 };
        b.sum += active;
        b.count++;
        h.hours.set(hour, b);
        this.prune(h, hour);
      }
      this.evaluate(host, active, nowMs, out);
    }
    this.levels.tick(nowMs, out);
  }

  /** Mean and deviation of the same hour on previous days, or undefined below the minimum data. */
  expected(host: string, nowMs: number): { mean: number; sd: number; days: number } | undefined {
    const h = this.history.get(host);
    if (h === undefined) return undefined;
    const hour = this.zone.hourOf(nowMs);
    const xs: number[] = [];
    for (let d = 1; d <= this.spec.days; d++) {
      const b = h.hours.get(hour - 24 * d);
      if (b !== undefined && b.count > 0) xs.push(b.sum / b.count);
    }
    if (xs.length < this.spec.minDays) return undefined;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    return { mean, sd, days: xs.length };
  }

  private evaluate(host: string, value: number, nowMs: number, out: RuleTransition[]): void {
    const exp = this.expected(host, nowMs);
    let level: 'warning' | 'critical' | undefined;
    if (exp !== undefined) {
      const dev = value - exp.mean;
      const big = Math.abs(dev) >= Math.max(this.spec.sigma * exp.sd, this.spec.minDelta);
      const dirOk = this.spec.direction === 'both' || (this.spec.direction === 'drop' ? dev < 0 : dev > 0);
      if (big && dirOk) level = this.spec.severity;
    }
    this.levels.observe(host, { host }, level, nowMs, out, value);
  }

  private hostHistory(host: string): HostHistory {
    let h = this.history.get(host);
    if (h === undefined) {
      h = { hours: new Map(), lastSampleMinute: -1 };
      this.history.set(host, h);
    }
    return h;
  }

  private prune(h: HostHistory, hour: number): void {
    const oldest = hour - 24 * this.spec.days - 1;
    for (const k of h.hours.keys()) if (k < oldest) h.hours.delete(k);
  }
}
