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
  /**
   * Counters in two generations, each one window long: a group untouched for a whole generation
   * has an empty window and is dropped with the old generation, in O(1) per group and without
   * scanning on every tick (a rule grouped by peer sees thousands of one-off peers).
   */
  private current = new Map<string, Counted>();
  private previous = new Map<string, Counted>();
  private generationStartMs = -Infinity;
  /** Groups at a level (pending or firing): the only ones a tick must re-evaluate. */
  private readonly hot = new Set<string>();
  /** Below this count a group is cold: no evidence kept (most peers never come near a level). */
  private readonly warmAt: number;

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
    this.warmAt = Math.min(spec.warning ?? Infinity, spec.critical ?? Infinity) / 2;
  }

  override onEvent(ev: Event, nowMs: number, out: RuleTransition[]): void {
    if (!this.matcher.test(ev)) return;
    const g = this.grouper.key(ev);
    if (g === undefined) return;
    this.rotate(nowMs);
    let c = this.current.get(g.key);
    if (c === undefined) {
      c = this.previous.get(g.key);
      if (c !== undefined) this.previous.delete(g.key);
      else {
        if (this.current.size + this.previous.size >= this.ctx.maxGroups) this.rotate(nowMs, true);
        c = { labels: g.labels, counter: SlidingCounter.forWindow(this.spec.window) };
      }
      this.current.set(g.key, c);
    }
    c.counter.add(nowMs);
    const n = c.counter.count(nowMs);
    const level = levelOf(n, '>', this.spec);
    if (level !== undefined) this.hot.add(g.key);
    const evidence = n >= this.warmAt ? toEvidence(ev) : undefined;
    if (level !== undefined || evidence !== undefined || this.hot.has(g.key)) {
      this.levels.observe(g.key, g.labels, level, nowMs, out, n, evidence);
    }
  }

  /** Counts decay without new events; only groups at a level can change state by decaying. */
  override tick(nowMs: number, out: RuleTransition[]): void {
    this.rotate(nowMs);
    for (const key of this.hot) {
      const c = this.current.get(key) ?? this.previous.get(key);
      const n = c?.counter.count(nowMs) ?? 0;
      const level = levelOf(n, '>', this.spec);
      this.levels.observe(key, c?.labels ?? {}, level, nowMs, out, n);
      if (level === undefined) this.hot.delete(key);
    }
    this.levels.tick(nowMs, out);
  }

  /** Starts a new generation once the current one is a window old (or when full, `force`). */
  private rotate(nowMs: number, force = false): void {
    if (!force && nowMs - this.generationStartMs < this.spec.window) return;
    for (const key of this.previous.keys()) {
      if (this.hot.has(key)) continue;
      this.levels.forget(key);
    }
    // A hot group is never dropped while it may still be at a level.
    for (const [key, c] of this.previous) if (this.hot.has(key)) this.current.set(key, c);
    this.previous = this.current;
    this.current = new Map();
    this.generationStartMs = nowMs;
  }
}
