/**
 * The rule engine: pure, driven by events and an injected clock. `ingest` routes an event to the
 * evaluators indexed under its kind (built once at load), `tick(now)` advances time for sustain
 * timers, decaying windows and absences. Both return the alert transitions they caused; alerts/
 * turns those into notifications. Time is the event's own `ts` for ingest, so replayed logs evaluate
 * exactly as they did live.
 */
import type { Event, EventKind } from '../events/index.js';
import { AbsenceEvaluator } from './eval/absence.js';
import { BaselineEvaluator } from './eval/baseline.js';
import type { EvalContext, Evaluator } from './eval/evaluator.js';
import { RateEvaluator } from './eval/rate.js';
import { StateEvaluator } from './eval/state.js';
import { ThresholdEvaluator } from './eval/threshold.js';
import { UserLimitEvaluator } from './eval/user-limit.js';
import type { RuleSpec } from './schema.js';
import { SessionTracker } from './sessions.js';
import type { RuleTransition } from './types.js';

export interface RuleEngineOptions {
  /** Per rule: most alert groups (peers, users, targets) kept; the oldest quiet ones go first. */
  maxGroupsPerRule?: number;
  maxSessions?: number;
}

export interface RuleEngineStats {
  events: number;
  /** Events with an unreadable `ts`: counted, not evaluated. */
  badTime: number;
  transitions: number;
}

function makeEvaluator(spec: RuleSpec, ctx: EvalContext): Evaluator {
  switch (spec.type) {
    case 'threshold':
      return new ThresholdEvaluator(spec, ctx);
    case 'rate':
      return new RateEvaluator(spec, ctx);
    case 'absence':
      return new AbsenceEvaluator(spec, ctx);
    case 'state':
      return new StateEvaluator(spec, ctx);
    case 'baseline':
      return new BaselineEvaluator(spec, ctx);
    case 'user_limit':
      return new UserLimitEvaluator(spec, ctx);
  }
}

export class RuleEngine {
  readonly sessions: SessionTracker;
  private readonly evaluators: Evaluator[];
  private readonly byKind = new Map<EventKind, Evaluator[]>();
  private readonly sessionListeners: Evaluator[];
  private readonly counters: RuleEngineStats = { events: 0, badTime: 0, transitions: 0 };

  constructor(
    readonly rules: readonly RuleSpec[],
    opts: RuleEngineOptions = {},
  ) {
    this.sessions = new SessionTracker(opts.maxSessions);
    const ctx: EvalContext = { sessions: this.sessions, maxGroups: opts.maxGroupsPerRule ?? 100_000 };
    this.evaluators = rules.map((r) => makeEvaluator(r, ctx));
    for (const e of this.evaluators) {
      for (const k of e.kinds) {
        const list = this.byKind.get(k) ?? [];
        list.push(e);
        this.byKind.set(k, list);
      }
    }
    this.sessionListeners = this.evaluators.filter((e) => e.wantsSessions);
  }

  get stats(): Readonly<RuleEngineStats> {
    return this.counters;
  }

  ingest(ev: Event, nowMs: number = Date.parse(ev.ts)): RuleTransition[] {
    const out: RuleTransition[] = [];
    if (!Number.isFinite(nowMs)) {
      this.counters.badTime++;
      return out;
    }
    this.counters.events++;
    const change = this.sessions.observe(ev, nowMs);
    for (const e of this.byKind.get(ev.kind) ?? []) e.onEvent(ev, nowMs, out);
    if (change !== undefined) for (const e of this.sessionListeners) e.onSession(change, nowMs, out);
    this.counters.transitions += out.length;
    return out;
  }

  tick(nowMs: number): RuleTransition[] {
    const out: RuleTransition[] = [];
    for (const e of this.evaluators) e.tick(nowMs, out);
    this.counters.transitions += out.length;
    return out;
  }

  /** Seeds a baseline rule's history (hourly averages from the store) after a restart. */
  seedBaseline(
    rule: string,
    host: string,
    points: ReadonlyArray<{ hourStartMs: number; avg: number }>,
  ): boolean {
    const e = this.evaluators.find((x) => x.name === rule);
    if (!(e instanceof BaselineEvaluator)) return false;
    for (const p of points) e.seed(host, p.hourStartMs, p.avg);
    return true;
  }
}
