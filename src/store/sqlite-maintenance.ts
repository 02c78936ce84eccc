/**
 * SQLite: the audit chain and retention. Split from sqlite.ts to keep modules small; SqliteStore
 * extends this.
 */
import { AuditVerifier, GENESIS_HASH, sealAudit } from './audit.js';
import { toMs } from './codec.js';
import { auditFromRow, RETENTION_CHUNK, rollupSql, type AuditRow } from './shared.js';
import { SqliteRecords } from './sqlite-records.js';
import type {
  AuditInput,
  AuditRecord,
  AuditVerifyResult,
  RetentionPolicy,
  RetentionReport,
} from './types.js';

export function floorTo(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}

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
    const run = (sql: string, ...params: number[]): number => this.db.prepare(sql).run(...params).changes;
    // Events go in chunks, each its own transaction: the first pass over a large, old database must
    // not hold the write lock (and stall ingest) for the whole delete.
    let events = 0;
    const chunk = this.db.prepare(
      `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts_ms < ? ORDER BY ts_ms LIMIT ${RETENTION_CHUNK})`,
    );
    for (let n = RETENTION_CHUNK; n === RETENTION_CHUNK; events += n) {
      n = this.db.transaction(() => chunk.run(t - p.eventsMs).changes).immediate();
    }
    return this.db
      .transaction(() => {
        const rep: RetentionReport = {
          events,
          sessions: run(`DELETE FROM sessions WHERE end_ms IS NOT NULL AND end_ms < ?`, t - p.sessionsMs),
          samplesRolledTo1m: 0,
          samples1mRolledTo1h: 0,
          samples1hDeleted: 0,
          alerts: run(`DELETE FROM alerts WHERE status = 'resolved' AND ends_ms < ?`, t - p.alertsMs),
          silences: run(`DELETE FROM silences WHERE ends_ms IS NOT NULL AND ends_ms < ?`, t - p.alertsMs),
          acks: run(`DELETE FROM acks WHERE ts_ms < ?`, t - p.alertsMs),
          actions: run(`DELETE FROM actions WHERE ts_ms < ?`, t - p.actionsMs),
        };
        const rawCut = floorTo(t - p.samplesRawMs, 60_000);
        const r1 = rollupSql('sqlite', 'samples', 'samples_1m', 60_000);
        this.db.prepare(r1.insert).run(rawCut);
        rep.samplesRolledTo1m = run(r1.del, rawCut);
        const mCut = floorTo(t - p.samples1mMs, 3_600_000);
        const r2 = rollupSql('sqlite', 'samples_1m', 'samples_1h', 3_600_000);
        this.db.prepare(r2.insert).run(mCut);
        rep.samples1mRolledTo1h = run(r2.del, mCut);
        rep.samples1hDeleted = run(`DELETE FROM samples_1h WHERE bucket_ms < ?`, t - p.samples1hMs);
        return rep;
      })
      .immediate();
  }
}
