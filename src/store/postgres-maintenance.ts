/**
 * PostgreSQL: the audit chain and retention. Split from postgres.ts to keep modules small;
 * PostgresStore extends this.
 */
import { AuditVerifier, sealAudit } from './audit.js';
import { toMs } from './codec.js';
import { PgRecords } from './postgres-records.js';
import { pgSql } from './sql.js';
import {
  auditFromRow,
  emptyRetentionReport,
  EXPIRE_EVENTS_CHUNK_SQL,
  RETENTION_CHUNK,
  retentionSteps,
  type AuditRow,
} from './shared.js';
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
    const rep = emptyRetentionReport();
    // Each chunk its own statement (autocommit): see shared.ts.
    const chunk = pgSql(EXPIRE_EVENTS_CHUNK_SQL);
    for (let n = RETENTION_CHUNK; n === RETENTION_CHUNK; rep.events += n) {
      n = (await this.pool.query(chunk, [t - p.eventsMs])).rowCount ?? 0;
    }
    return this.tx(async (c) => {
      for (const step of retentionSteps('postgres', t, p)) {
        if ('insert' in step) await c.query(pgSql(step.insert), [step.param]);
        rep[step.report] = (await c.query(pgSql(step.sql), [step.param])).rowCount ?? 0;
      }
      return rep;
    });
  }
}
