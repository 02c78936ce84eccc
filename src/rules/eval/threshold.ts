/** `threshold`: a number from an event (or a derived metric) against warning/critical levels. */
import type { Event, EventKind } from '../../events/index.js';
import { GroupLevels } from '../levels.js';
import type { RuleOf } from '../schema.js';
import {
  compileGrouper,
  compileMatcher,
  getField,
  parseFieldPath,
  type EventMatcher,
  type Grouper,
} from '../select.js';
import type { SessionChange } from '../sessions.js';
import { toEvidence, type RuleTransition } from '../types.js';
import { BaseEvaluator, levelOf, levelRule, type EvalContext } from './evaluator.js';

export class ThresholdEvaluator extends BaseEvaluator {
  readonly name: string;
  readonly kinds: ReadonlySet<EventKind>;
  override readonly wantsSessions: boolean;
  private readonly matcher: EventMatcher | undefined;
  private readonly grouper: Grouper;
  private readonly valuePath: readonly string[];
  private readonly levels: GroupLevels;
  /** Previous counter value per group, for `mode: increase`. */
  private readonly previous = new Map<string, number>();

  constructor(
    private readonly spec: RuleOf<'threshold'>,
    private readonly ctx: EvalContext,
  ) {
    super();
    this.name = spec.name;
    this.matcher = spec.match ? compileMatcher(spec.match) : undefined;
    this.kinds = this.matcher?.kinds ?? new Set();
    this.wantsSessions = spec.metric !== undefined;
    this.grouper = compileGrouper(spec.groupBy);
    this.valuePath = parseFieldPath(spec.value ?? '');
    this.levels = new GroupLevels(levelRule(spec), ctx.maxGroups);
  }

  override onEvent(ev: Event, nowMs: number, out: RuleTransition[]): void {
    if (!this.matcher?.test(ev)) return;
    const raw = getField(ev, this.valuePath);
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return;
    const g = this.grouper.key(ev);
    if (g === undefined) return;
    let v = raw;
    if (this.spec.mode === 'increase') {
      const prev = this.previous.get(g.key);
      if (prev === undefined && this.previous.size >= this.ctx.maxGroups) this.previous.clear();
      this.previous.set(g.key, raw);
      // The first sample has no increase; a drop is a counter reset (reboot, driver reload), not a rise.
      v = prev === undefined || raw < prev ? 0 : raw - prev;
    }
    const level = levelOf(v, this.spec.op, this.spec);
    this.levels.observe(g.key, g.labels, level, nowMs, out, v, level ? toEvidence(ev) : undefined);
  }

  override onSession(change: SessionChange, nowMs: number, out: RuleTransition[]): void {
    if (change.host === undefined || change.active === undefined) return;
    const level = levelOf(change.active, this.spec.op, this.spec);
    this.levels.observe(change.host, { host: change.host }, level, nowMs, out, change.active);
  }

  override tick(nowMs: number, out: RuleTransition[]): void {
    this.levels.tick(nowMs, out);
  }
}
