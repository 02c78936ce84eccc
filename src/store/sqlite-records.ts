/**
 * SQLite: the decision records (alerts, silences, acknowledgements, actions). Split from sqlite.ts to
 * keep each module small; SqliteStore extends this.
 */
import type Database from 'better-sqlite3';
import { clampLimit, optMs, toMs } from './codec.js';
import { actionWhere, alertWhere, sqlitePlaceholder as ph } from './sql.js';
import type {
  Acknowledgement,
  ActionQuery,
  ActionRecord,
  AlertQuery,
  AlertRecord,
  Silence,
  StoredAck,
  StoredAction,
  StoredAlert,
  StoredSilence,
} from './types.js';

export class SqliteRecords {
  constructor(readonly db: Database.Database) {}

  async upsertAlert(a: AlertRecord): Promise<StoredAlert> {
    const startsMs = toMs(a.startsAt, 'alert.startsAt');
    const r = this.db
      .prepare(
        `INSERT INTO alerts (fingerprint, starts_ms, ends_ms, rule, status, updated_ms, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (fingerprint, starts_ms) DO UPDATE SET ends_ms = excluded.ends_ms, rule = excluded.rule,
         status = excluded.status, updated_ms = excluded.updated_ms, doc = excluded.doc RETURNING id`,
      )
      .get(
        a.fingerprint,
        startsMs,
        optMs(a.endsAt, 'alert.endsAt'),
        a.rule,
        a.status,
        toMs(a.updatedAt, 'alert.updatedAt'),
        JSON.stringify(a),
      ) as {
      id: number;
    };
    return { ...a, id: String(r.id) };
  }

  async queryAlerts(q: AlertQuery): Promise<StoredAlert[]> {
    const w = alertWhere(q, ph);
    const rows = this.db
      .prepare(`SELECT id, doc FROM alerts ${w.sql} ORDER BY starts_ms, id LIMIT ${clampLimit(q.limit)}`)
      .all(...w.params) as { id: number; doc: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.doc) as AlertRecord), id: String(r.id) }));
  }

  async activeAlerts(): Promise<StoredAlert[]> {
    return this.queryAlerts({ status: 'firing', limit: 100_000 });
  }

  async addSilence(s: Silence): Promise<StoredSilence> {
    const r = this.db
      .prepare(`INSERT INTO silences (starts_ms, ends_ms, doc) VALUES (?, ?, ?)`)
      .run(toMs(s.startsAt, 'silence.startsAt'), optMs(s.endsAt, 'silence.endsAt'), JSON.stringify(s));
    return { ...s, id: String(r.lastInsertRowid) };
  }

  async expireSilence(id: string, at: string): Promise<boolean> {
    const atMs = toMs(at, 'at');
    return this.db.transaction(() => {
      const r = this.db.prepare(`SELECT doc FROM silences WHERE id = ?`).get(Number(id)) as
        { doc: string } | undefined;
      if (!r) return false;
      const doc = { ...(JSON.parse(r.doc) as Silence), endsAt: at };
      this.db
        .prepare(`UPDATE silences SET ends_ms = ?, doc = ? WHERE id = ?`)
        .run(atMs, JSON.stringify(doc), Number(id));
      return true;
    })();
  }

  async silences(at: string): Promise<StoredSilence[]> {
    const rows = this.db
      .prepare(`SELECT id, doc FROM silences WHERE ends_ms IS NULL OR ends_ms > ? ORDER BY id`)
      .all(toMs(at, 'at')) as { id: number; doc: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.doc) as Silence), id: String(r.id) }));
  }

  async addAck(ack: Acknowledgement): Promise<StoredAck> {
    const r = this.db
      .prepare(`INSERT INTO acks (fingerprint, ts_ms, doc) VALUES (?, ?, ?)`)
      .run(ack.fingerprint, toMs(ack.ts, 'ack.ts'), JSON.stringify(ack));
    return { ...ack, id: String(r.lastInsertRowid) };
  }

  async acks(fingerprint: string): Promise<StoredAck[]> {
    const rows = this.db
      .prepare(`SELECT id, doc FROM acks WHERE fingerprint = ? ORDER BY ts_ms, id`)
      .all(fingerprint) as { id: number; doc: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.doc) as Acknowledgement), id: String(r.id) }));
  }

  async recordAction(a: ActionRecord): Promise<StoredAction> {
    const r = this.db
      .prepare(`INSERT INTO actions (ts_ms, action, target, doc) VALUES (?, ?, ?, ?)`)
      .run(toMs(a.ts, 'action.ts'), a.action, a.target ?? null, JSON.stringify(a));
    return { ...a, id: String(r.lastInsertRowid) };
  }

  async queryActions(q: ActionQuery): Promise<StoredAction[]> {
    const w = actionWhere(q, ph);
    const rows = this.db
      .prepare(`SELECT id, doc FROM actions ${w.sql} ORDER BY ts_ms, id LIMIT ${clampLimit(q.limit)}`)
      .all(...w.params) as { id: number; doc: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.doc) as ActionRecord), id: String(r.id) }));
  }
}
