/**
 * PostgreSQL: the audit chain and retention. Split from postgres.ts to keep modules small;
 * PostgresStore extends this.
 */
import { AuditVerifier, sealAudit } from './audit.js';
import { toMs } from './codec.js';
import { PgRecords } from './postgres-records.js';
import { auditFromRow, RETENTION_CHUNK, rollupSql, type AuditRow } from './shared.js';
import type {
  AuditInput,
  AuditRecord,
  AuditVerifyResult,
  RetentionPolicy,
  RetentionReport,
} from './types.js';

export class PgMaintenance extends PgRecords {
  async appendAudit(entry: AuditInput): Promise<AuditRecord> {
    toMs(entry.ts, 'audit.ts');
    return this.tx(async (c) => {
      // The head row lock serialises appenders across connections and servers: the chain never forks.
      const head = (
        await c.query<{ seq: number; hash: string }>(
          `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`,
        )
      ).rows[0];
      if (!head) throw new Error('audit_head row is missing: run `pptpmon audit verify`');
      const rec = sealAudit(entry, head.seq + 1, head.hash);
      await c.query(
        `INSERT INTO audit (seq, ts, actor, action, subject, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          rec.seq,
          rec.ts,
          rec.actor,
          rec.action,
          rec.subject ?? null,
          rec.detail === undefined ? null : JSON.stringify(rec.detail),
          rec.prevHash,
          rec.hash,
        ],
      );
      await c.query(`UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, [rec.seq, rec.hash]);
      return rec;
    });
  }

  async readAudit(afterSeq = 0, limit = 10_000): Promise<AuditRecord[]> {
    const r = await this.pool.query<AuditRow>(`SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, [
      afterSeq,
      limit,
    ]);
    return r.rows.map(auditFromRow);
  }

  async verifyAudit(): Promise<AuditVerifyResult> {
    const v = new AuditVerifier();
    // REPEATABLE READ: records and head from one snapshot, while appends carry on.
    return this.tx(async (c) => {
      let after = 0;
      for (;;) {
        const r = await c.query<AuditRow>(`SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT 5000`, [
          after,
        ]);
        if (r.rows.length === 0) break;
        const recs = r.rows.map(auditFromRow);
        v.push(recs);
        after = recs[recs.length - 1]?.seq ?? after;
      }
      const head = (
        await c.query<{ seq: number; hash: string }>(`SELECT seq, hash FROM audit_head WHERE id = 1`)
      ).rows[0];
      return v.finish(head);
    }, 'REPEATABLE READ');
  }

  async applyRetention(now: Date, p: RetentionPolicy): Promise<RetentionReport> {
    const t = now.getTime();
    // Events in chunks, each its own statement (autocommit): see sqlite-maintenance.ts.
    let events = 0;
    for (let n = RETENTION_CHUNK; n === RETENTION_CHUNK; events += n) {
      const r = await this.pool.query(
        `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts_ms < $1 ORDER BY ts_ms LIMIT ${RETENTION_CHUNK})`,
        [t - p.eventsMs],
      );
      n = r.rowCount ?? 0;
    }
    return this.tx(async (c) => {
      const run = async (sql: string, v: number): Promise<number> => (await c.query(sql, [v])).rowCount ?? 0;
      const rep: RetentionReport = {
        events,
        sessions: await run(
          `DELETE FROM sessions WHERE end_ms IS NOT NULL AND end_ms < $1`,
          t - p.sessionsMs,
        ),
        samplesRolledTo1m: 0,
        samples1mRolledTo1h: 0,
        samples1hDeleted: 0,
        alerts: await run(`DELETE FROM alerts WHERE status = 'resolved' AND ends_ms < $1`, t - p.alertsMs),
        silences: await run(
          `DELETE FROM silences WHERE ends_ms IS NOT NULL AND ends_ms < $1`,
          t - p.alertsMs,
        ),
        acks: await run(`DELETE FROM acks WHERE ts_ms < $1`, t - p.alertsMs),
        actions: await run(`DELETE FROM actions WHERE ts_ms < $1`, t - p.actionsMs),
      };
      const rawCut = Math.floor((t - p.samplesRawMs) / 60_000) * 60_000;
      const r1 = rollupSql('postgres', 'samples', 'samples_1m', 60_000);
      await run(r1.insert, rawCut);
      rep.samplesRolledTo1m = await run(r1.del, rawCut);
      const mCut = Math.floor((t - p.samples1mMs) / 3_600_000) * 3_600_000;
      const r2 = rollupSql('postgres', 'samples_1m', 'samples_1h', 3_600_000);
      await run(r2.insert, mCut);
      rep.samples1mRolledTo1h = await run(r2.del, mCut);
      rep.samples1hDeleted = await run(`DELETE FROM samples_1h WHERE bucket_ms < $1`, t - p.samples1hMs);
      return rep;
    });
  }
}
