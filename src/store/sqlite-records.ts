/**
 * SQLite: the decision records (alerts, silences, acknowledgements, actions). The SQL and the row
 * mapping are records.ts, shared with PostgreSQL; SqliteStore extends this.
 */
import type Database from 'better-sqlite3';
import { toMs } from './codec.js';
import {
  ackParams,
  actionParams,
  alertParams,
  fromRow,
  queryActionsSql,
  queryAlertsSql,
  RECORD_SQL,
  silenceParams,
  silencesAt,
} from './records.js';
import { sqlitePlaceholder as ph, type SqlParam } from './sql.js';
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

type IdDoc = { id: number; doc: string };

export class SqliteRecords {
  constructor(readonly db: Database.Database) {}

  private insert(sql: string, params: SqlParam[]): string {
    return String((this.db.prepare(sql).get(...params) as { id: number }).id);
  }

  private rows<T>(sql: string, params: SqlParam[]): (T & { id: string })[] {
    return (this.db.prepare(sql).all(...params) as IdDoc[]).map((r) => fromRow<T>(r));
  }

  async upsertAlert(a: AlertRecord): Promise<StoredAlert> {
    return { ...a, id: this.insert(RECORD_SQL.upsertAlert, alertParams(a)) };
  }

  async queryAlerts(q: AlertQuery): Promise<StoredAlert[]> {
    const { sql, params } = queryAlertsSql(q, ph);
    return this.rows<AlertRecord>(sql, params);
  }

  async activeAlerts(): Promise<StoredAlert[]> {
    return this.queryAlerts({ status: 'firing', limit: 100_000 });
  }

  async addSilence(s: Silence): Promise<StoredSilence> {
    return { ...s, id: this.insert(RECORD_SQL.addSilence, silenceParams(s)) };
  }

  // PostgreSQL edits the document in SQL (jsonb_set); here it is read and rewritten in one transaction.
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
    return this.rows<Silence>(RECORD_SQL.silences, silencesAt(at));
  }

  async addAck(ack: Acknowledgement): Promise<StoredAck> {
    return { ...ack, id: this.insert(RECORD_SQL.addAck, ackParams(ack)) };
  }

  async acks(fingerprint: string): Promise<StoredAck[]> {
    return this.rows<Acknowledgement>(RECORD_SQL.acks, [fingerprint]);
  }

  async recordAction(a: ActionRecord): Promise<StoredAction> {
    return { ...a, id: this.insert(RECORD_SQL.recordAction, actionParams(a)) };
  }

  async queryActions(q: ActionQuery): Promise<StoredAction[]> {
    const { sql, params } = queryActionsSql(q, ph);
    return this.rows<ActionRecord>(sql, params);
  }
}
