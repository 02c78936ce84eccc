/**
 * `state`: a hard failure that alerts at once (pptpd down) and clears on its `up` event. With
 * `across` it is a quorum: TCP 1723 failing from every vantage is critical, from some is a warning
 * (a partial failure is more likely the path from one vantage than the server). One-shot events
 * (config change, MPPE downgrade) use `clearAfter` instead of an `up` event.
 */
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
import { toEvidence, type RuleTransition } from '../types.js';
import { BaseEvaluator, levelRule, type EvalContext } from './evaluator.js';

interface Tracked {
  labels: Record<string, string>;
  /** Member (vantage) -> down?; a single member '' without `across`. */
  members: Map<string, boolean>;
  lastDownMs: number;
}

const MAX_MEMBERS = 1000;

export class StateEvaluator extends BaseEvaluator {
  readonly name: string;
  readonly kinds: ReadonlySet<EventKind>;
  private readonly down: EventMatcher;
  private readonly up: EventMatcher | undefined;
  private readonly grouper: Grouper;
  private readonly across: readonly string[] | undefined;
  private readonly levels: GroupLevels;
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly spec: RuleOf<'state'>,
    private readonly ctx: EvalContext,
  ) {
    super();
    this.name = spec.name;
    this.down = compileMatcher(spec.down);
    this.up = spec.up ? compileMatcher(spec.up) : undefined;
    this.kinds = new Set([...this.down.kinds, ...(this.up?.kinds ?? [])]);
    this.grouper = compileGrouper(spec.groupBy);
    this.across = spec.across !== undefined ? parseFieldPath(spec.across) : undefined;
    this.levels = new GroupLevels(levelRule(spec), ctx.maxGroups);
  }

  override onEvent(ev: Event, nowMs: number, out: RuleTransition[]): void {
    const isDown = this.down.test(ev);
    const isUp = !isDown && (this.up?.test(ev) ?? false);
    if (!isDown && !isUp) return;
    const g = this.grouper.key(ev);
    if (g === undefined) return;
    const member = this.across ? String(getField(ev, this.across) ?? '') : '';
    let t = this.tracked.get(g.key);
    if (t === undefined) {
      if (this.tracked.size >= this.ctx.maxGroups) this.dropClear();
      t = { labels: g.labels, members: new Map(), lastDownMs: 0 };
      this.tracked.set(g.key, t);
    }
    if (t.members.size < MAX_MEMBERS || t.members.has(member)) t.members.set(member, isDown);
    if (isDown) t.lastDownMs = nowMs;
    const level = this.level(t);
    this.levels.observe(
      g.key,
      g.labels,
      level,
      nowMs,
      out,
      this.downCount(t),
      isDown ? toEvidence(ev) : undefined,
    );
  }

  override tick(nowMs: number, out: RuleTransition[]): void {
    const clearAfter = this.spec.clearAfter;
    if (clearAfter !== undefined) {
      for (const [key, t] of this.tracked) {
        if (this.downCount(t) > 0 && nowMs - t.lastDownMs >= clearAfter) {
          for (const m of t.members.keys()) t.members.set(m, false);
          this.levels.observe(key, t.labels, undefined, nowMs, out, 0);
          this.tracked.delete(key);
        }
      }
    }
    this.levels.tick(nowMs, out);
  }

  private downCount(t: Tracked): number {
    let n = 0;
    for (const d of t.members.values()) if (d) n++;
    return n;
  }

  private level(t: Tracked): 'warning' | 'critical' | undefined {
    const down = this.downCount(t);
    if (down === 0) return undefined;
    return down === t.members.size ? this.spec.severity : this.spec.partialSeverity;
  }

  private dropClear(): void {
    for (const [key, t] of this.tracked) {
      if (this.downCount(t) === 0) {
        this.tracked.delete(key);
        return;
      }
    }
  }
}
