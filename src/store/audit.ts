/**
 * The audit hash chain (pure). Each record's hash is sha256 over its canonical content followed by the
 * previous record's hash, so editing, inserting or deleting any record breaks the chain at a place we
 * can name. `seq` is deliberately NOT hashed: the chain itself fixes the order, which lets verification
 * tell an inserted record (the next link skips it) from an edited one (its own hash no longer matches).
 * The store also keeps the chain head (last seq and hash) in a separate row written in the same
 * transaction, so a deleted or appended tail is caught too; sealed daily exports anchor it outside.
 */
import { createHash } from 'node:crypto';
import type { AuditInput, AuditProblem, AuditRecord, AuditVerifyResult } from './types.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function auditContent(e: AuditInput): string {
  return canonicalJson({
    ts: e.ts,
    actor: e.actor,
    action: e.action,
    subject: e.subject ?? null,
    detail: e.detail ?? null,
  });
}

export function auditHash(e: AuditInput, prevHash: string): string {
  return createHash('sha256').update(auditContent(e)).update(prevHash).digest('hex');
}

/**
 * Seals an entry as the store will keep it. `detail` is normalised through JSON first: the record
 * is verified later from its stored JSON, so a Date (stored as its ISO string) or an undefined field
 * must hash the same now as it will then, or an honest record would read as edited.
 */
export function sealAudit(e: AuditInput, seq: number, prevHash: string): AuditRecord {
  const entry: AuditInput = { ts: e.ts, actor: e.actor, action: e.action };
  if (e.subject !== undefined) entry.subject = e.subject;
  if (e.detail !== undefined) entry.detail = JSON.parse(JSON.stringify(e.detail)) as Record<string, unknown>;
  return { ...entry, seq, prevHash, hash: auditHash(entry, prevHash) };
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/**
 * Walks records in seq order and names every break. Streaming-friendly: feed chunks with `push`,
 * then `finish` with the stored head.
 */
export class AuditVerifier {
  private expectedPrev = GENESIS_HASH;
  private lastSeq = 0;
  private lastStoredHash = GENESIS_HASH;
  private checked = 0;
  /** hash -> seq of every record seen, to recognise a link that skips inserted records. */
  private readonly seen = new Map<string, number>();
  readonly problems: AuditProblem[] = [];

  push(records: readonly AuditRecord[]): void {
    for (const r of records) this.check(r);
  }

  private check(r: AuditRecord): void {
    this.checked++;
    const ownOk = auditHash(r, r.prevHash) === r.hash;
    if (!ownOk) {
      this.problems.push({
        seq: r.seq,
        problem: 'edited',
        detail: `content or hash changed: stored hash ${r.hash.slice(0, 12)}… does not match its content`,
      });
    } else if (r.prevHash !== this.expectedPrev) {
      this.explainBrokenLink(r);
    }
    this.seen.set(r.hash, r.seq);
    // Continue from the stored hash: one bad record is reported once, not as a cascade.
    this.expectedPrev = r.hash;
    this.lastSeq = r.seq;
    this.lastStoredHash = r.hash;
  }

  private explainBrokenLink(r: AuditRecord): void {
    const linkedSeq = this.seen.get(r.prevHash);
    if (linkedSeq !== undefined) {
      // r links to an older record: everything after that one and before r was inserted.
      this.problems.push({
        seq: this.lastSeq,
        problem: 'inserted',
        detail: `record(s) after seq ${linkedSeq} up to seq ${this.lastSeq} are not in the chain: seq ${r.seq} links to seq ${linkedSeq}`,
      });
    } else if (r.seq > this.lastSeq + 1) {
      this.problems.push({
        seq: this.lastSeq + 1,
        problem: 'deleted',
        detail: `seq ${this.lastSeq + 1}${r.seq - 1 > this.lastSeq + 1 ? `..${r.seq - 1}` : ''} missing before seq ${r.seq}`,
      });
    } else if (this.lastSeq === 0) {
      this.problems.push({
        seq: r.seq,
        problem: 'deleted',
        detail: `first record links to a record that is gone`,
      });
    } else {
      // The previous record verifies on its own but is not what r was chained to: it was rewritten and
      // rehashed, or records were deleted and the rest renumbered.
      this.problems.push({
        seq: this.lastSeq,
        problem: 'edited',
        detail: `seq ${this.lastSeq} was rewritten or records before seq ${r.seq} were deleted: seq ${r.seq} links to an unknown hash ${r.prevHash.slice(0, 12)}…`,
      });
    }
  }

  finish(head: AuditHead | undefined): AuditVerifyResult {
    if (head === undefined) {
      if (this.checked > 0) {
        this.problems.push({ seq: this.lastSeq, problem: 'head', detail: 'chain head row is missing' });
      }
    } else if (head.hash === this.lastStoredHash) {
      // Intact tail (seq numbers may have shifted by an insertion already reported above).
    } else if (this.seen.has(head.hash)) {
      const headSeq = this.seen.get(head.hash) ?? head.seq;
      this.problems.push({
        seq: headSeq + 1,
        problem: 'inserted',
        detail: `records after the chain head (seq ${headSeq}) up to seq ${this.lastSeq} were appended outside the store`,
      });
    } else if (head.seq > this.lastSeq) {
      this.problems.push({
        seq: this.lastSeq + 1,
        problem: 'deleted',
        detail: `the chain head is seq ${head.seq} but the last record is seq ${this.lastSeq}: the tail was deleted`,
      });
    } else {
      this.problems.push({
        seq: this.lastSeq,
        problem: 'edited',
        detail: `the last record's hash does not match the chain head`,
      });
    }
    return { ok: this.problems.length === 0, checked: this.checked, problems: this.problems };
  }
}
