/** Builders for rule/alert tests: typed events at a given time offset from a fixed start. */
import {
  makeEvent,
  type Event,
  type EventAttrs,
  type EventKind,
  type Severity,
} from '../../src/events/index.js';

export const T0 = Date.parse('2026-11-24T10:00:00.000Z');

export interface EvFields {
  host?: string;
  session?: string;
  user?: string;
  peer?: string;
  raw?: string;
  severity?: Severity;
}

/** An event `atMs` after T0. */
export function ev<K extends EventKind>(
  kind: K,
  atMs: number,
  attrs: EventAttrs[K],
  f: EvFields = {},
): Event {
  return makeEvent(kind, {
    ts: new Date(T0 + atMs).toISOString(),
    host: f.host ?? 'vpn1',
    severity: f.severity ?? 'info',
    attrs,
    ...(f.session !== undefined ? { session: f.session } : {}),
    ...(f.user !== undefined ? { user: f.user } : {}),
    ...(f.peer !== undefined ? { peer: f.peer } : {}),
    ...(f.raw !== undefined ? { raw: f.raw } : {}),
  }) as Event;
}

export const SEC = 1000;
export const MIN = 60_000;
