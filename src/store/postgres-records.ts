/**
 * PostgreSQL: the decision records (alerts, silences, acknowledgements, actions) and the transaction
 * helper. The SQL and the row mapping are records.ts, shared with SQLite; PostgresStore extends this.
 */
import type pg from 'pg';
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
import { pgPlaceholder as ph, pgSql, type SqlParam } from './sql.js';
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

/** The shared statements with PostgreSQL placeholders, numbered once. */
const SQL = Object.fromEntries(Object.entries(RECORD_SQL).map(([k, v]) => [k, pgSql(v)])) as Record<
  keyof typeof RECORD_SQL,
  string
>;

export class PgRecords {
  constructor(protected readonly pool: pg.Pool) {}

  /** Runs `fn` in one transaction on one connection; rolls back on any error. */
  protected async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, isolation?: 'REPEATABLE READ'): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query(isolation ? `BEGIN ISOLATION LEVEL ${isolation}` : 'BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  private async insert(sql: string, params: SqlParam[]): Promise<string> {
    const r = await this.pool.query<{ id: number }>(sql, params);
    return String(r.rows[0]?.id);
  }

  private async rows<T>(sql: string, params: SqlParam[]): Promise<(T & { id: string })[]> {
    return (await this.pool.query<IdDoc>(sql, params)).rows.map((r) => fromRow<T>(r));
  }

  async upsertAlert(a: AlertRecord): Promise<StoredAlert> {
    return { ...a, id: await this.insert(SQL.upsertAlert, alertParams(a)) };
  }

  async queryAlerts(q: AlertQuery): Promise<StoredAlert[]> {
    const { sql, params } = queryAlertsSql(q, ph);
    return this.rows<AlertRecord>(sql, params);
  }

  async activeAlerts(): Promise<StoredAlert[]> {
    return this.queryAlerts({ status: 'firing', limit: 100_000 });
  }

  async addSilence(s: Silence): Promise<StoredSilence> {
    return { ...s, id: await this.insert(SQL.addSilence, silenceParams(s)) };
  }

  // One statement edits the stored document (SQLite reads and rewrites it in a transaction).
  async expireSilence(id: string, at: string): Promise<boolean> {
    const atMs = toMs(at, 'at');
    if (!/^\d+$/.test(id)) return false;
    const r = await this.pool.query(
      `UPDATE silences SET ends_ms = $1, doc = jsonb_set(doc::jsonb, '{endsAt}', to_jsonb($2::text))::text WHERE id = $3`,
      [atMs, at, Number(id)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async silences(at: string): Promise<StoredSilence[]> {
    return this.rows<Silence>(SQL.silences, silencesAt(at));
  }

  async addAck(ack: Acknowledgement): Promise<StoredAck> {
    return { ...ack, id: await this.insert(SQL.addAck, ackParams(ack)) };
  }

  async acks(fingerprint: string): Promise<StoredAck[]> {
    return this.rows<Acknowledgement>(SQL.acks, [fingerprint]);
  }

  async recordAction(a: ActionRecord): Promise<StoredAction> {
    return { ...a, id: await this.insert(SQL.recordAction, actionParams(a)) };
  }

  async queryActions(q: ActionQuery): Promise<StoredAction[]> {
    const { sql, params } = queryActionsSql(q, ph);
    return this.rows<ActionRecord>(sql, params);
  }
}
