/**
 * PostgreSQL: the decision records (alerts, silences, acknowledgements, actions) and the transaction
 * helper. Split from postgres.ts to keep each module to one screenful of concerns.
 */
import type pg from 'pg';
import { clampLimit, optMs, toMs } from './codec.js';
import { actionWhere, alertWhere, pgPlaceholder as ph } from './sql.js';
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

  async upsertAlert(a: AlertRecord): Promise<StoredAlert> {
    const r = await this.pool.query<{ id: number }>(
      `INSERT INTO alerts (fingerprint, starts_ms, ends_ms, rule, status, updated_ms, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (fingerprint, starts_ms) DO UPDATE SET ends_ms = excluded.ends_ms, rule = excluded.rule,
       status = excluded.status, updated_ms = excluded.updated_ms, doc = excluded.doc RETURNING id`,
      [
        a.fingerprint,
        toMs(a.startsAt, 'alert.startsAt'),
        optMs(a.endsAt, 'alert.endsAt'),
        a.rule,
        a.status,
        toMs(a.updatedAt, 'alert.updatedAt'),
        JSON.stringify(a),
      ],
    );
    return { ...a, id: String(r.rows[0]?.id) };
  }

  async queryAlerts(q: AlertQuery): Promise<StoredAlert[]> {
    const w = alertWhere(q, ph);
    const r = await this.pool.query<IdDoc>(
      `SELECT id, doc FROM alerts ${w.sql} ORDER BY starts_ms, id LIMIT ${clampLimit(q.limit)}`,
      w.params,
    );
    return r.rows.map((x) => ({ ...(JSON.parse(x.doc) as AlertRecord), id: String(x.id) }));
  }

  async activeAlerts(): Promise<StoredAlert[]> {
    return this.queryAlerts({ status: 'firing', limit: 100_000 });
  }

  async addSilence(s: Silence): Promise<StoredSilence> {
    const r = await this.pool.query<{ id: number }>(
      `INSERT INTO silences (starts_ms, ends_ms, doc) VALUES ($1, $2, $3) RETURNING id`,
      [toMs(s.startsAt, 'silence.startsAt'), optMs(s.endsAt, 'silence.endsAt'), JSON.stringify(s)],
    );
    return { ...s, id: String(r.rows[0]?.id) };
  }

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
    const r = await this.pool.query<IdDoc>(
      `SELECT id, doc FROM silences WHERE ends_ms IS NULL OR ends_ms > $1 ORDER BY id`,
      [toMs(at, 'at')],
    );
    return r.rows.map((x) => ({ ...(JSON.parse(x.doc) as Silence), id: String(x.id) }));
  }

  async addAck(ack: Acknowledgement): Promise<StoredAck> {
    const r = await this.pool.query<{ id: number }>(
      `INSERT INTO acks (fingerprint, ts_ms, doc) VALUES ($1, $2, $3) RETURNING id`,
      [ack.fingerprint, toMs(ack.ts, 'ack.ts'), JSON.stringify(ack)],
    );
    return { ...ack, id: String(r.rows[0]?.id) };
  }

  async acks(fingerprint: string): Promise<StoredAck[]> {
    const r = await this.pool.query<IdDoc>(
      `SELECT id, doc FROM acks WHERE fingerprint = $1 ORDER BY ts_ms, id`,
      [fingerprint],
    );
    return r.rows.map((x) => ({ ...(JSON.parse(x.doc) as Acknowledgement), id: String(x.id) }));
  }

  async recordAction(a: ActionRecord): Promise<StoredAction> {
    const r = await this.pool.query<{ id: number }>(
      `INSERT INTO actions (ts_ms, action, target, doc) VALUES ($1, $2, $3, $4) RETURNING id`,
      [toMs(a.ts, 'action.ts'), a.action, a.target ?? null, JSON.stringify(a)],
    );
    return { ...a, id: String(r.rows[0]?.id) };
  }

  async queryActions(q: ActionQuery): Promise<StoredAction[]> {
    const w = actionWhere(q, ph);
    const r = await this.pool.query<IdDoc>(
      `SELECT id, doc FROM actions ${w.sql} ORDER BY ts_ms, id LIMIT ${clampLimit(q.limit)}`,
      w.params,
    );
    return r.rows.map((x) => ({ ...(JSON.parse(x.doc) as ActionRecord), id: String(x.id) }));
  }
}
