/**
 * The Event: the one record every source produces and every consumer reads (ARCHITECTURE.md,
 * "Contracts"). A discriminated union on `kind`, so code that switches on it gets typed `attrs`.
 */
import type { EventAttrs, EventKind } from './kinds.js';

export type Severity = 'info' | 'warning' | 'critical';

/** Where an event came from: a file position, a probe, a collector. */
export interface EventSource {
  file?: string;
  line?: number;
  probe?: string;
  collector?: string;
}

interface EventBase {
  /** Stable id where the producer assigns one (store row id, or file:line for log events). */
  id?: string;
  /** ISO 8601, UTC. */
  ts: string;
  host: string;
  severity: Severity;
  session?: string;
  user?: string;
  peer?: string;
  source?: EventSource;
  raw?: string;
}

export type EventOf<K extends EventKind> = EventBase & { kind: K; attrs: EventAttrs[K] };

export type Event = { [K in EventKind]: EventOf<K> }[EventKind];

/** Builds an event with its attrs checked against the kind. */
export function makeEvent<K extends EventKind>(
  kind: K,
  fields: EventBase & { attrs: EventAttrs[K] },
): EventOf<K> {
  return { ...fields, kind };
}
