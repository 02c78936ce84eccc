/** `rate`: how many matching events per group in a sliding window (auth failures per peer per minute). */
import type { Event, EventKind } from '../../events/index.js';
import { GroupLevels } from '../levels.js';
import type { RuleOf } from '../schema.js';
import { compileGrouper, compileMatcher, type EventMatcher, type Grouper } from '../select.js';
import { toEvidence, type RuleTransition } from '../types.js';
import { SlidingCounter } from '../window.js';
import { BaseEvaluator, levelOf, levelRule, type EvalContext } from './evaluator.js';

interface Counted {
  labels: Record<string, string>;
  counter: SlidingCounter;
}

export class RateEvaluator extends BaseEvaluator {
  readonly name: string;
  readonly kinds: ReadonlySet<EventKind>;
  private readonly matcher: EventMatcher;
  private readonly grouper: Grouper;
  private readonly levels: GroupLevels;
  private readonly counters = new Map<string, Counted>();

  constructor(
    private readonly spec: RuleOf<'rate'>,
    private readonly ctx: EvalContext,
  ) {
    super();
    this.name = spec.name;
    this.matcher = compileMatcher(spec.match);
    this.kinds = this.matcher.kinds;
    this.grouper = compileGrouper(spec.groupBy);
    this.levels = new GroupLevels(levelRule(spec), ctx.maxGroups);
  }

  override onEvent(ev: Event, nowMs: number, out: RuleTransition[]): void {
    if (!this.matcher.test(ev)) return;
    const g = this.grouper.key(ev);
    if (g === undefined) return;
    let c = this.counters.get(g.key);
    if (c === undefined) {
      if (this.counters.size >= this.ctx.maxGroups) this.dropIdle(nowMs);
      c = { labels: g.labels, counter: new SlidingCounter(this.spec.window) };
      this.counters.set(g.key, c);
    }
    c.counter.add(nowMs);
    const n = c.counter.count(nowMs);
    this.levels.observe(g.key, g.labels, levelOf(n, '>', this.spec), nowMs, out, n, toEvidence(ev));
  }

  /** Counts decay without new events: re-evaluate every group still counting. */
  override tick(nowMs: number, out: RuleTransition[]): void {
    for (const [key, c] of this.counters) {
      const n = c.counter.count(nowMs);
      this.levels.observe(key, c.labels, levelOf(n, '>', this.spec), nowMs, out, n);
      if (n === 0 && !this.levels.isFiring(key)) {
        this.counters.delete(key);
        this.levels.forget(key);
      }
    }
    this.levels.tick(nowMs, out);
  }

  private dropIdle(nowMs: number): void {
    for (const [key, c] of this.counters) {
      if (c.counter.count(nowMs) === 0 || !this.levels.isFiring(key)) {
        this.counters.delete(key);
        this.levels.forget(key);
        return;
      }
    }
  }
}
