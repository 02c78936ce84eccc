/**
 * Selecting events for a rule: which kinds (exact or `layer.*`, expanded once at load against the
 * closed set of kinds so evaluation never matches globs), which field values (`where`), and how events
 * are grouped into alert instances (`groupBy` field paths -> labels).
 */
import { EVENT_KINDS, type Event, type EventKind } from '../events/index.js';

export type Scalar = string | number | boolean;

/** `host`, `user`, `peer`, `session`, `severity`, `kind` or `attrs.<name>`. */
export type FieldPath = readonly string[];

export function parseFieldPath(text: string): FieldPath {
  return text.split('.');
}

export function getField(ev: Event, path: FieldPath): Scalar | undefined {
  let cur: unknown = ev;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean' ? cur : undefined;
}

/** Expands `probe.*` / `*` / an exact kind; undefined when nothing matches (a typo in a rule). */
export function expandKinds(pattern: string): EventKind[] | undefined {
  if (pattern === '*') return [...EVENT_KINDS];
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -1);
    const kinds = EVENT_KINDS.filter((k) => k.startsWith(prefix));
    return kinds.length > 0 ? kinds : undefined;
  }
  return (EVENT_KINDS as readonly string[]).includes(pattern) ? [pattern as EventKind] : undefined;
}

export interface MatchSpec {
  kind: string | string[];
  where?: Record<string, Scalar | Scalar[]>;
}

export interface EventMatcher {
  readonly kinds: ReadonlySet<EventKind>;
  test(ev: Event): boolean;
}

/** Compiles a match spec; kind patterns were validated by the schema, so unknown ones are dropped. */
export function compileMatcher(spec: MatchSpec): EventMatcher {
  const kinds = new Set<EventKind>();
  for (const p of Array.isArray(spec.kind) ? spec.kind : [spec.kind]) {
    for (const k of expandKinds(p) ?? []) kinds.add(k);
  }
  const conds = Object.entries(spec.where ?? {}).map(([path, want]) => ({
    path: parseFieldPath(path),
    want: new Set<Scalar>(Array.isArray(want) ? want : [want]),
  }));
  return {
    kinds,
    test(ev) {
      if (!kinds.has(ev.kind)) return false;
      for (const c of conds) {
        const v = getField(ev, c.path);
        if (v === undefined || !c.want.has(v)) return false;
      }
      return true;
    },
  };
}

/** Group key and labels of an event for `groupBy`; undefined when a grouping field is missing. */
export interface Grouper {
  key(ev: Event): { key: string; labels: Record<string, string> } | undefined;
}

const GROUPERS = new Map<string, Grouper>();

/**
 * Groupers are shared by every rule with the same `groupBy` and remember the last event they keyed:
 * 200 rules grouping by peer then cost one key and one labels object per event, not 200 (the
 * allocations, not the work, were what dominated with 10,000 sessions).
 */
export function compileGrouper(fields: readonly string[]): Grouper {
  const sig = fields.join('\u0001');
  let g = GROUPERS.get(sig);
  if (g === undefined) {
    g = makeGrouper(fields);
    GROUPERS.set(sig, g);
  }
  return g;
}

type GroupKey = { key: string; labels: Record<string, string> } | undefined;

function makeGrouper(fields: readonly string[]): Grouper {
  const paths = fields.map((f) => ({ path: parseFieldPath(f), label: f.split('.').pop() ?? f }));
  let lastEv: Event | undefined;
  let lastKey: GroupKey;
  const compute = (ev: Event): GroupKey => {
    const labels: Record<string, string> = {};
    let key = '';
    for (const p of paths) {
      const v = getField(ev, p.path);
      // An event that cannot be attributed (an auth failure with no client IP, when grouping by
      // peer) is not counted under an empty group: that would merge unrelated sources.
      if (v === undefined || v === '') return undefined;
      labels[p.label] = String(v);
      key += `${String(v)}\u0000`;
    }
    return { key, labels };
  };
  return {
    key(ev) {
      if (ev !== lastEv) {
        lastEv = ev;
        lastKey = compute(ev);
      }
      return lastKey;
    },
  };
}
