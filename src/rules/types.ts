/**
 * What the rule engine hands to alerts/: transitions of alert instances (a rule plus its group labels)
 * between not firing, warning and critical, each with the evidence behind it.
 */
import type { Event } from '../events/index.js';

export type AlertSeverity = 'warning' | 'critical';

/** A trimmed view of an event kept as evidence (bounded per alert instance). */
export interface Evidence {
  ts: string;
  kind: string;
  host: string;
  session?: string;
  user?: string;
  peer?: string;
  /** Where a probe stopped. */
  stage?: string;
  raw?: string;
}

export interface RuleTransition {
  rule: string;
  /** `alertname` (= rule), `host` and the group labels, plus the rule's static labels. */
  labels: Record<string, string>;
  status: 'firing' | 'resolved';
  /** The level now (firing) or the level it had (resolved). */
  severity: AlertSeverity;
  atMs: number;
  value?: number;
  summary: string;
  evidence: Evidence[];
  /** Same level as before, newer value/evidence (sent at most once per tick while firing). */
  refresh?: boolean;
}

let lastEvent: Event | undefined;
let lastEvidence: Evidence | undefined;

/**
 * The evidence view of an event. Evidence is never mutated, so every rule that keeps the same event
 * shares one object (the last event is remembered): fewer allocations surviving into the old heap.
 */
export function toEvidence(ev: Event): Evidence {
  if (ev === lastEvent && lastEvidence !== undefined) return lastEvidence;
  lastEvent = ev;
  lastEvidence = makeEvidence(ev);
  return lastEvidence;
}

function makeEvidence(ev: Event): Evidence {
  const e: Evidence = { ts: ev.ts, kind: ev.kind, host: ev.host };
  if (ev.session !== undefined) e.session = ev.session;
  if (ev.user !== undefined) e.user = ev.user;
  if (ev.peer !== undefined) e.peer = ev.peer;
  if (ev.raw !== undefined) e.raw = ev.raw;
  const stage = (ev.attrs as { stage?: unknown }).stage;
  if (typeof stage === 'string') e.stage = stage;
  return e;
}

/** Fills `{{label}}` and `{{value}}` in a summary template. */
export function renderSummary(
  tpl: string,
  labels: Record<string, string>,
  value: number | undefined,
): string {
  return tpl.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) =>
    name === 'value'
      ? value === undefined
        ? ''
        : String(Math.round(value * 100) / 100)
      : (labels[name] ?? ''),
  );
}
