/**
 * Row mapping and SQL that both drivers share where the dialects agree (sessions, the events query,
 * retention and sample rollups, audit rows).
 */
import type { Session } from '../logs/session.js';
import { clampLimit, optMs, StoreInputError } from './codec.js';
import type { Where } from './sql.js';
import type { AuditRecord, EventQuery, RetentionPolicy, RetentionReport } from './types.js';

/** Rows deleted per transaction when expiring events (retention). */
export const RETENTION_CHUNK = 20_000;

/**
 * Retention, as both drivers run it (`?` placeholders; PostgreSQL numbers them). Events go first,
 * in chunks of RETENTION_CHUNK, each its own transaction: the first pass over a large, old database
 * must not hold the write lock (and stall ingest) for the whole delete. The rest is one transaction.
 */
export const EXPIRE_EVENTS_CHUNK_SQL = `DELETE FROM events WHERE id IN
  (SELECT id FROM events WHERE ts_ms < ? ORDER BY ts_ms LIMIT ${RETENTION_CHUNK})`;

export type RetentionStep =
  | { report: keyof RetentionReport; sql: string; param: number }
  /** A rollup: `insert` merges rows older than `param` into the coarser tier, `sql` deletes them. */
  | { report: keyof RetentionReport; sql: string; param: number; insert: string };

/** The steps after the events, in order, with their cutoffs for `now` (ms). */
export function retentionSteps(
  dialect: 'sqlite' | 'postgres',
  t: number,
  p: RetentionPolicy,
): RetentionStep[] {
  const r1 = rollupSql(dialect, 'samples', 'samples_1m', 60_000);
  const r2 = rollupSql(dialect, 'samples_1m', 'samples_1h', 3_600_000);
  return [
    {
      report: 'sessions',
      sql: `DELETE FROM sessions WHERE end_ms IS NOT NULL AND end_ms < ?`,
      param: t - p.sessionsMs,
    },
    {
      report: 'alerts',
      sql: `DELETE FROM alerts WHERE status = 'resolved' AND ends_ms < ?`,
      param: t - p.alertsMs,
    },
    {
      report: 'silences',
      sql: `DELETE FROM silences WHERE ends_ms IS NOT NULL AND ends_ms < ?`,
      param: t - p.alertsMs,
    },
    { report: 'acks', sql: `DELETE FROM acks WHERE ts_ms < ?`, param: t - p.alertsMs },
    { report: 'actions', sql: `DELETE FROM actions WHERE ts_ms < ?`, param: t - p.actionsMs },
    // Whole minutes and hours only, so a bucket is never split between two tiers.
    {
      report: 'samplesRolledTo1m',
      insert: r1.insert,
      sql: r1.del,
      param: floorTo(t - p.samplesRawMs, 60_000),
    },
    {
      report: 'samples1mRolledTo1h',
      insert: r2.insert,
      sql: r2.del,
      param: floorTo(t - p.samples1mMs, 3_600_000),
    },
    {
      report: 'samples1hDeleted',
      sql: `DELETE FROM samples_1h WHERE bucket_ms < ?`,
      param: t - p.samples1hMs,
    },
  ];
}

export function floorTo(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}

export function emptyRetentionReport(): RetentionReport {
  return {
    events: 0,
    sessions: 0,
    samplesRolledTo1m: 0,
    samples1mRolledTo1h: 0,
    samples1hDeleted: 0,
    alerts: 0,
    silences: 0,
    acks: 0,
    actions: 0,
  };
}

export interface SessionRow {
  id: string;
  host: string;
  user: string | null;
  peer: string | null;
  startMs: number | null;
  endMs: number | null;
  doc: string;
}

export function sessionRow(s: Session, i: number): SessionRow {
  const where = `sessions[${i}]`;
  if (typeof s?.id !== 'string' || s.id === '') throw new StoreInputError(`${where}.id`, 'missing');
  if (typeof s.host !== 'string') throw new StoreInputError(`${where}.host`, 'missing');
  return {
    id: s.id,
    host: s.host,
    user: s.user ?? null,
    peer: s.peer ?? null,
    startMs: optMs(s.start, `${where}.start`),
    endMs: optMs(s.end, `${where}.end`),
    doc: JSON.stringify(s),
  };
}

/**
 * What an upsert of a session does on an existing id (after each driver's own VALUES / unnest). A
 * closed session is never reopened by an older, still-open version of it arriving late (an agent
 * replaying its spool, two followers racing): the WHERE on the update keeps the closed one.
 */
export const SESSION_UPSERT_CONFLICT = `ON CONFLICT (id) DO UPDATE SET host = excluded.host, usr = excluded.usr,
  peer = excluded.peer, start_ms = excluded.start_ms, end_ms = excluded.end_ms, doc = excluded.doc
  WHERE sessions.end_ms IS NULL OR excluded.end_ms IS NOT NULL`;

/** The events query for a WHERE built by sql.ts eventWhere. */
export function eventsSelectSql(w: Where, q: Pick<EventQuery, 'order' | 'limit'>): string {
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  return `SELECT id, doc, ext_id FROM events ${w.sql} ORDER BY ts_ms ${dir}, id ${dir} LIMIT ${clampLimit(q.limit)}`;
}

/**
 * Moves rows older than a cutoff from a finer tier into a coarser one, merging into buckets that
 * already exist (a minute may be rolled in two passes), then deletes them. The caller runs both
 * statements in one transaction, so a point is always in exactly one tier.
 */
export function rollupSql(
  dialect: 'sqlite' | 'postgres',
  from: 'samples' | 'samples_1m',
  to: 'samples_1m' | 'samples_1h',
  unitMs: number,
): { insert: string; del: string } {
  // `?` for both: PostgreSQL callers number placeholders with pgSql (sql.ts).
  const p = '?';
  const least = dialect === 'sqlite' ? 'MIN' : 'LEAST';
  const greatest = dialect === 'sqlite' ? 'MAX' : 'GREATEST';
  const tcol = from === 'samples' ? 'ts_ms' : 'bucket_ms';
  const agg =
    from === 'samples'
      ? 'MIN(value), MAX(value), SUM(value), COUNT(*)'
      : 'MIN(min), MAX(max), SUM(sum), SUM(count)';
  const insert = `INSERT INTO ${to} (series_id, bucket_ms, min, max, sum, count)
    SELECT series_id, ${tcol} - (${tcol} % ${unitMs}) AS b, ${agg} FROM ${from} WHERE ${tcol} < ${p}
    GROUP BY series_id, b
    ON CONFLICT (series_id, bucket_ms) DO UPDATE SET
      min = ${least}(${to}.min, excluded.min), max = ${greatest}(${to}.max, excluded.max),
      sum = ${to}.sum + excluded.sum, count = ${to}.count + excluded.count`;
  return { insert, del: `DELETE FROM ${from} WHERE ${tcol} < ${p}` };
}

/** An audit row as both drivers return it. */
export interface AuditRow {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export function auditFromRow(r: AuditRow): AuditRecord {
  const rec: AuditRecord = {
    seq: Number(r.seq),
    ts: r.ts,
    actor: r.actor,
    action: r.action,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
  if (r.subject !== null) rec.subject = r.subject;
  if (r.detail !== null) rec.detail = JSON.parse(r.detail) as Record<string, unknown>;
  return rec;
}
