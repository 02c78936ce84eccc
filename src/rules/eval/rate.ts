/** `rate`: how many matching events per group in a sliding window (auth failures per peer per minute). */
import type { Event, EventKind } from '../../events/index.js';
import { GroupLevels } from '../levels.js';
import type { RuleOf } from '../schema.js';
import { compileGrouper, compileMatcher, type EventMatcher, type Grouper } from '../select.js';
import { toEvidence, type RuleTransition } from '../types.js';
import { BUCKETS, CounterArena } from '../window.js';
import { BaseEvaluator, levelOf, levelRule, type EvalContext } from './evaluator.js';

export class RateEvaluator extends BaseEvaluator {
  readonly name: string;
  readonly kinds: ReadonlySet<EventKind>;
  private readonly matcher: EventMatcher;
  private readonly grouper: Grouper;
  private readonly levels: GroupLevels;
  /**
   * Counters in two generations, each one window long: a group untouched for a whole generation
   * has an empty window and is dropped with the old generation, in O(1) per group and without
   * scanning on every tick (a rule grouped by peer sees thousands of one-off peers). A generation
   * is a map from group key to a counter in that generation's arena (window.ts: no per-group
   * objects for the garbage collector); dropping the old generation resets its arena for reuse.
   */
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private currentArena = new CounterArena();
  private previousArena = new CounterArena();
  private generationStartMs = -Infinity;
  private readonly slotMs: number;
  /** Groups at a level (pending or firing), with their labels: the only ones a tick re-evaluates. */
  private readonly hot = new Map<string, Record<string, string>>();
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
    this.slotMs = spec.window / BUCKETS;
  }

  /** Groups counted now: at most those of the last two windows (and at most maxGroups). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  override onEvent(ev: Event, nowMs: number, out: RuleTransition[]): void {
    if (!this.matcher.test(ev)) return;
    const g = this.grouper.key(ev);
    if (g === undefined) return;
    this.rotate(nowMs);
    let c = this.current.get(g.key);
    if (c === undefined) {
      const p = this.previous.get(g.key);
      if (p !== undefined) {
        this.previous.delete(g.key);
        c = this.currentArena.copyFrom(this.previousArena, p);
      } else {
        // Full: the older generation goes; if that was empty (the groups are all this window's),
        // the current one goes too. Only groups at a level stay.
        if (this.size >= this.ctx.maxGroups) this.rotate(nowMs, true);
        if (this.size >= this.ctx.maxGroups) this.rotate(nowMs, true);
        c = this.currentArena.alloc();
      }
      this.current.set(g.key, c);
    }
    this.currentArena.add(c, this.slotMs, nowMs);
    const n = this.currentArena.count(c, this.slotMs, nowMs);
    const level = levelOf(n, '>', this.spec);
    if (level !== undefined) this.hot.set(g.key, g.labels);
    const evidence = n >= this.warmAt ? toEvidence(ev) : undefined;
    if (level !== undefined || evidence !== undefined || this.hot.has(g.key)) {
      this.levels.observe(g.key, g.labels, level, nowMs, out, n, evidence);
    }
  }

  /** Counts decay without new events; only groups at a level can change state by decaying. */
  override tick(nowMs: number, out: RuleTransition[]): void {
    this.rotate(nowMs);
    for (const [key, labels] of this.hot) {
      const n = this.countOf(key, nowMs);
      const level = levelOf(n, '>', this.spec);
      this.levels.observe(key, labels, level, nowMs, out, n);
      if (level === undefined) this.hot.delete(key);
    }
    this.levels.tick(nowMs, out);
  }

  private countOf(key: string, nowMs: number): number {
    const c = this.current.get(key);
    if (c !== undefined) return this.currentArena.count(c, this.slotMs, nowMs);
    const p = this.previous.get(key);
    return p === undefined ? 0 : this.previousArena.count(p, this.slotMs, nowMs);
  }

  /**
   * Starts a new generation once the current one is a window old (or when full, `force`). Costs
   * O(hot groups + groups with level state), not O(groups): at 10,000s of peers per rule, a pass
   * over the dropped generation was a latency spike on whichever event or tick rotated.
   */
  private rotate(nowMs: number, force = false): void {
    if (!force && nowMs - this.generationStartMs < this.spec.window) return;
    // Level state (evidence of a warm group) goes with its group, unless the group is hot.
    const dropped: string[] = [];
    for (const key of this.levels.keys()) {
      if (this.previous.has(key) && !this.hot.has(key)) dropped.push(key);
    }
    for (const key of dropped) this.levels.forget(key);
    // A hot group is never dropped while it may still be at a level.
    for (const key of this.hot.keys()) {
      const p = this.previous.get(key);
      if (p !== undefined && !this.current.has(key)) {
        this.current.set(key, this.currentArena.copyFrom(this.previousArena, p));
      }
    }
    const freed = this.previousArena;
    freed.reset();
    this.previous = this.current;
    this.previousArena = this.currentArena;
    this.current = new Map();
    this.currentArena = freed;
    this.generationStartMs = nowMs;
  }
}
