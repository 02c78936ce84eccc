/**
 * SQLite: the audit chain and retention. Split from sqlite.ts to keep modules small; SqliteStore
 * extends this.
 */
import { AuditVerifier, GENESIS_HASH, sealAudit } from './audit.js';
import { toMs } from './codec.js';
import {
  auditFromRow,
  emptyRetentionReport,
  EXPIRE_EVENTS_CHUNK_SQL,
  RETENTION_CHUNK,
  retentionSteps,
  type AuditRow,
} from './shared.js';
import { SqliteRecords } from './sqlite-records.js';
import type {
  AuditInput,
  AuditRecord,
  AuditVerifyResult,
  RetentionPolicy,
  RetentionReport,
} from './types.js';

export class SqliteMaintenance extends SqliteRecords {
  async appendAudit(entry: AuditInput): Promise<AuditRecord> {
    toMs(entry.ts, 'audit.ts');
    // IMMEDIATE takes the write lock before reading the head, so two writers cannot fork the chain.
    return this.db
      .transaction(() => {
        const head = this.db.prepare(`SELECT seq, hash FROM audit_head WHERE id = 1`).get() as
          { seq: number; hash: string } | undefined;
        const rec = sealAudit(entry, (head?.seq ?? 0) + 1, head?.hash ?? GENESIS_HASH);
        this.db
          .prepare(
            `INSERT INTO audit (seq, ts, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            rec.seq,
            rec.ts,
            rec.actor,
            rec.action,
            rec.subject ?? null,
            rec.detail === undefined ? null : JSON.stringify(rec.detail),
            rec.prevHash,
            rec.hash,
          );
        this.db
          .prepare(
            `INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
          )
          .run(rec.seq, rec.hash);
        return rec;
      })
      .immediate();
  }

  async readAudit(afterSeq = 0, limit = 10_000): Promise<AuditRecord[]> {
    const rows = this.db
      .prepare(`SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`)
      .all(afterSeq, limit) as AuditRow[];
    return rows.map(auditFromRow);
  }

  async verifyAudit(): Promise<AuditVerifyResult> {
    const v = new AuditVerifier();
    // One read transaction: a concurrent append cannot make head and records disagree.
    return this.db.transaction(() => {
      for (const r of this.db
        .prepare(`SELECT * FROM audit ORDER BY seq`)
        .iterate() as IterableIterator<AuditRow>) {
        v.push([auditFromRow(r)]);
      }
      const head = this.db.prepare(`SELECT seq, hash FROM audit_head WHERE id = 1`).get() as
        { seq: number; hash: string } | undefined;
      return v.finish(head);
    })();
  }

  async applyRetention(now: Date, p: RetentionPolicy): Promise<RetentionReport> {
    const t = now.getTime();
    const rep = emptyRetentionReport();
    const chunk = this.db.prepare(EXPIRE_EVENTS_CHUNK_SQL);
    for (let n = RETENTION_CHUNK; n === RETENTION_CHUNK; rep.events += n) {
      n = this.db.transaction(() => chunk.run(t - p.eventsMs).changes).immediate();
    }
    return this.db
      .transaction(() => {
        for (const step of retentionSteps('sqlite', t, p)) {
          if ('insert' in step) this.db.prepare(step.insert).run(step.param);
          rep[step.report] = this.db.prepare(step.sql).run(step.param).changes;
        }
        return rep;
      })
      .immediate();
  }
}
