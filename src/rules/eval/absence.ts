/**
 * `absence`: nothing good heard for `for` (no successful probe for 2m). A group becomes known at its
 * first `scope` event (any probe of that target), and the clock starts there: a target never seen
 * cannot be missing. Failed probes in the meantime are kept as evidence (they carry the stage).
 */
import type { Event, EventKind } from '../../events/index.js';
import { GroupLevels } from '../levels.js';
import type { RuleOf } from '../schema.js';
import { compileGrouper, compileMatcher, type EventMatcher, type Grouper } from '../select.js';
import { toEvidence, type RuleTransition } from '../types.js';
import { BaseEvaluator, type EvalContext } from './evaluator.js';

interface Watched {
  labels: Record<string, string>;
  lastOkMs: number;
}

export class AbsenceEvaluator extends BaseEvaluator {
  readonly name: string;
  readonly kinds: ReadonlySet<EventKind>;
  private readonly match: EventMatcher;
  private readonly scope: EventMatcher;
  private readonly grouper: Grouper;
  private readonly levels: GroupLevels;
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly spec: RuleOf<'absence'>,
    private readonly ctx: EvalContext,
  ) {
    super();
    this.name = spec.name;
    this.match = compileMatcher(spec.match);
    this.scope = compileMatcher(spec.scope ?? { kind: [...this.match.kinds] });
    this.kinds = new Set([...this.match.kinds, ...this.scope.kinds]);
    this.grouper = compileGrouper(spec.groupBy);
    // The `for` is the absence itself, measured here; the level fires as soon as it is reached.
    this.levels = new GroupLevels(
      { name: spec.name, forMs: 0, labels: spec.labels, summary: spec.summary },
      ctx.maxGroups,
    );
  }

  override onEvent(ev: Event, nowMs: number, out: RuleTransition[]): void {
    const ok = this.match.test(ev);
    if (!ok && !this.scope.test(ev)) return;
    const g = this.grouper.key(ev);
    if (g === undefined) return;
    let w = this.watched.get(g.key);
    if (w === undefined) {
      if (this.watched.size >= this.ctx.maxGroups) return;
      w = { labels: g.labels, lastOkMs: nowMs };
      this.watched.set(g.key, w);
    }
    if (ok) w.lastOkMs = Math.max(w.lastOkMs, nowMs);
    this.levels.observe(
      g.key,
      g.labels,
      this.level(w, nowMs),
      nowMs,
      out,
      undefined,
      ok ? undefined : toEvidence(ev),
    );
  }

  override tick(nowMs: number, out: RuleTransition[]): void {
    for (const [key, w] of this.watched) {
      this.levels.observe(key, w.labels, this.level(w, nowMs), nowMs, out, (nowMs - w.lastOkMs) / 1000);
    }
  }

  private level(w: Watched, nowMs: number): 'warning' | 'critical' | undefined {
    return nowMs - w.lastOkMs >= this.spec.for ? this.spec.severity : undefined;
  }
}
