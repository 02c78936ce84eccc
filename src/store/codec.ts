/**
 * Pure conversions shared by both drivers: ISO time <-> epoch ms, canonical label keys, row <-> record.
 * Kept free of I/O so the two implementations cannot drift in how they read and write a value.
 */
import type { Event } from '../events/index.js';
import type { SampleSeries, StoredEvent } from './types.js';

/** Bad input to the store: says what and where (`events[3].ts: not an ISO 8601 time: "yesterday"`). */
export class StoreInputError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = 'StoreInputError';
  }
}

/**
 * ISO 8601 with a zone (the Event contract). Checked before Date.parse, which also takes forms like
 * "Nov 24 10:00:00" and reads them in the host's zone and an arbitrary year: a syslog timestamp
 * leaking through unconverted must be refused, not stored as 2001.
 */
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

export function toMs(iso: string, where: string): number {
  const ms = typeof iso === 'string' && ISO_RE.test(iso) ? Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) {
    throw new StoreInputError(where, `not an ISO 8601 time: ${JSON.stringify(iso)}`);
  }
  return ms;
}

export function optMs(iso: string | undefined, where: string): number | null {
  return iso === undefined ? null : toMs(iso, where);
}

export function toIso(ms: number | string | bigint): string {
  return new Date(Number(ms)).toISOString();
}

/** Labels as one key: sorted by name so {a,b} and {b,a} are the same series. */
export function labelsKey(labels: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) sorted[k] = String(labels[k]);
  return JSON.stringify(sorted);
}

export function labelsMatch(have: Record<string, string>, want: Record<string, string> | undefined): boolean {
  if (!want) return true;
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) return false;
  return true;
}

/** The columns an event is indexed by, plus its full document. */
export interface EventRow {
  tsMs: number;
  kind: string;
  host: string;
  severity: string;
  session: string | null;
  user: string | null;
  peer: string | null;
  externalId: string | null;
  doc: string;
}

export function eventToRow(ev: Event, index: number): EventRow {
  const where = `events[${index}]`;
  if (ev === null || typeof ev !== 'object') throw new StoreInputError(where, 'not an event object');
  if (typeof ev.kind !== 'string' || (ev.kind as string) === '')
    throw new StoreInputError(`${where}.kind`, 'missing');
  if (typeof ev.host !== 'string') throw new StoreInputError(`${where}.host`, 'missing');
  const tsMs = toMs(ev.ts, `${where}.ts`);
  const { id, ...rest } = ev;
  return {
    tsMs,
    kind: ev.kind,
    host: ev.host,
    severity: ev.severity,
    session: ev.session ?? null,
    user: ev.user ?? null,
    peer: ev.peer ?? null,
    externalId: id ?? null,
    doc: JSON.stringify(rest),
  };
}

export function rowToEvent(
  id: number | string | bigint,
  doc: string,
  externalId: string | null,
): StoredEvent {
  const ev = JSON.parse(doc) as Event;
  const out = { ...ev, id: String(id) } as StoredEvent;
  if (externalId !== null) out.externalId = externalId;
  return out;
}

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 100_000;

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new StoreInputError('limit', `expected a positive integer, got ${limit}`);
  return Math.min(limit, MAX_LIMIT);
}

/** Escapes LIKE wildcards so a kind prefix like `probe.` matches literally. */
export function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/** One aggregated bucket row as both drivers return it from the raw and rollup tables. */
export interface BucketRow {
  series_id: number | string;
  b: number | string;
  mn: number;
  mx: number;
  sm: number;
  cnt: number | string;
}

/**
 * Merges bucket rows from the raw, 1-minute and 1-hour tiers. A point lives in exactly one tier at a
 * time (retention moves it in one transaction), so summing counts and sums never double counts.
 */
export function mergeBuckets(
  series: ReadonlyMap<string, { metric: string; labels: Record<string, string> }>,
  rows: readonly BucketRow[],
): SampleSeries[] {
  const acc = new Map<string, Map<number, { mn: number; mx: number; sm: number; cnt: number }>>();
  for (const r of rows) {
    const sid = String(r.series_id);
    const b = Number(r.b);
    let m = acc.get(sid);
    if (!m) acc.set(sid, (m = new Map()));
    const cur = m.get(b);
    const cnt = Number(r.cnt);
    if (!cur) m.set(b, { mn: Number(r.mn), mx: Number(r.mx), sm: Number(r.sm), cnt });
    else {
      cur.mn = Math.min(cur.mn, Number(r.mn));
      cur.mx = Math.max(cur.mx, Number(r.mx));
      cur.sm += Number(r.sm);
      cur.cnt += cnt;
    }
  }
  const out: SampleSeries[] = [];
  for (const [sid, s] of series) {
    const m = acc.get(sid);
    if (!m) continue;
    const points = [...m.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([b, v]) => ({ ts: toIso(b), avg: v.sm / v.cnt, min: v.mn, max: v.mx, count: v.cnt }));
    out.push({ metric: s.metric, labels: s.labels, points });
  }
  return out;
}
