/**
 * The decision records (alerts, silences, acknowledgements, actions) as both drivers write and read
 * them: one SQL text per operation (with `?` placeholders; PostgreSQL's `$n` are numbered by
 * `pgSql`), one parameter list per record, one way back from a row. Only the expiry of a silence
 * differs by dialect (sqlite-records.ts / postgres-records.ts).
 */
import { clampLimit, optMs, toMs } from './codec.js';
import { actionWhere, alertWhere, type Placeholder, type SqlParam } from './sql.js';
import type {
  Acknowledgement,
  ActionQuery,
  ActionRecord,
  AlertQuery,
  AlertRecord,
  Silence,
} from './types.js';

export const RECORD_SQL = {
  upsertAlert: `INSERT INTO alerts (fingerprint, starts_ms, ends_ms, rule, status, updated_ms, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (fingerprint, starts_ms) DO UPDATE SET ends_ms = excluded.ends_ms, rule = excluded.rule,
    status = excluded.status, updated_ms = excluded.updated_ms, doc = excluded.doc RETURNING id`,
  addSilence: `INSERT INTO silences (starts_ms, ends_ms, doc) VALUES (?, ?, ?) RETURNING id`,
  silences: `SELECT id, doc FROM silences WHERE ends_ms IS NULL OR ends_ms > ? ORDER BY id`,
  addAck: `INSERT INTO acks (fingerprint, ts_ms, doc) VALUES (?, ?, ?) RETURNING id`,
  acks: `SELECT id, doc FROM acks WHERE fingerprint = ? ORDER BY ts_ms, id`,
  recordAction: `INSERT INTO actions (ts_ms, action, target, doc) VALUES (?, ?, ?, ?) RETURNING id`,
} as const;

export function alertParams(a: AlertRecord): SqlParam[] {
  return [
    a.fingerprint,
    toMs(a.startsAt, 'alert.startsAt'),
    optMs(a.endsAt, 'alert.endsAt'),
    a.rule,
    a.status,
    toMs(a.updatedAt, 'alert.updatedAt'),
    JSON.stringify(a),
  ];
}

export function silenceParams(s: Silence): SqlParam[] {
  return [toMs(s.startsAt, 'silence.startsAt'), optMs(s.endsAt, 'silence.endsAt'), JSON.stringify(s)];
}

export function ackParams(ack: Acknowledgement): SqlParam[] {
  return [ack.fingerprint, toMs(ack.ts, 'ack.ts'), JSON.stringify(ack)];
}

export function actionParams(a: ActionRecord): SqlParam[] {
  return [toMs(a.ts, 'action.ts'), a.action, a.target ?? null, JSON.stringify(a)];
}

export function queryAlertsSql(q: AlertQuery, ph: Placeholder): { sql: string; params: SqlParam[] } {
  const w = alertWhere(q, ph);
  return {
    sql: `SELECT id, doc FROM alerts ${w.sql} ORDER BY ${q.order === 'desc' ? 'starts_ms DESC, id DESC' : 'starts_ms, id'} LIMIT ${clampLimit(q.limit)}`,
    params: w.params,
  };
}

export function queryActionsSql(q: ActionQuery, ph: Placeholder): { sql: string; params: SqlParam[] } {
  const w = actionWhere(q, ph);
  return {
    sql: `SELECT id, doc FROM actions ${w.sql} ORDER BY ts_ms, id LIMIT ${clampLimit(q.limit)}`,
    params: w.params,
  };
}

/** A stored record: its document plus the row id as the store's string id. */
export function fromRow<T>(r: { id: number | string; doc: string }): T & { id: string } {
  return { ...(JSON.parse(r.doc) as T), id: String(r.id) };
}

/** Silences still in force at `at` (ms): the parameter of RECORD_SQL.silences. */
export function silencesAt(at: string): SqlParam[] {
  return [toMs(at, 'at')];
}
