/**
 * The contract between the engine and one rule's evaluator. The engine routes each event only to the
 * evaluators whose kinds it has (index built once), so 200 rules cost what the matching ones cost.
 */
import type { Event, EventKind } from '../../events/index.js';
import type { RuleSpec } from '../schema.js';
import type { SessionChange, SessionTracker } from '../sessions.js';
import type { LevelRule } from '../levels.js';
import type { RuleTransition } from '../types.js';

export interface Evaluator {
  readonly name: string;
  /** Event kinds routed to onEvent. */
  readonly kinds: ReadonlySet<EventKind>;
  /** Wants session starts/ends and active-count changes. */
  readonly wantsSessions: boolean;
  onEvent(ev: Event, nowMs: number, out: RuleTransition[]): void;
  onSession(change: SessionChange, nowMs: number, out: RuleTransition[]): void;
  tick(nowMs: number, out: RuleTransition[]): void;
}

export interface EvalContext {
  sessions: SessionTracker;
  maxGroups: number;
}

export function levelRule(spec: RuleSpec): LevelRule {
  const r: LevelRule = { name: spec.name, forMs: spec.for, labels: spec.labels };
  if (spec.summary !== undefined) r.summary = spec.summary;
  return r;
}

export type Cmp = '>' | '>=' | '<' | '<=';

export function crosses(v: number, op: Cmp, level: number | undefined): boolean {
  if (level === undefined) return false;
  switch (op) {
    case '>':
      return v > level;
    case '>=':
      return v >= level;
    case '<':
      return v < level;
    case '<=':
      return v <= level;
  }
}

export function levelOf(
  v: number,
  op: Cmp,
  r: { warning?: number | undefined; critical?: number | undefined },
): 'warning' | 'critical' | undefined {
  if (crosses(v, op, r.critical)) return 'critical';
  if (crosses(v, op, r.warning)) return 'warning';
  return undefined;
}

/** A base with no-op hooks so each rule type implements only what it uses. */
export abstract class BaseEvaluator implements Evaluator {
  abstract readonly name: string;
  abstract readonly kinds: ReadonlySet<EventKind>;
  readonly wantsSessions: boolean = false;
  onEvent(_ev: Event, _nowMs: number, _out: RuleTransition[]): void {}
  onSession(_change: SessionChange, _nowMs: number, _out: RuleTransition[]): void {}
  tick(_nowMs: number, _out: RuleTransition[]): void {}
}
