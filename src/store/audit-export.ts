/**
 * Sealed daily audit segments: one NDJSON file per UTC day of records, ending with a seal line that
 * names the day's chain head. Kept outside the database (another disk, WORM storage, a ticket), they
 * anchor the chain: someone who rewrites the whole chain in the database and its head row still
 * cannot make it match a segment sealed earlier. A sealed file is never rewritten.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditProblem, AuditRecord, Store } from './types.js';

export interface AuditSeal {
  day: string;
  firstSeq: number;
  lastSeq: number;
  count: number;
  /** Hash of the day's last record: the chain head at the end of that day. */
  head: string;
  sealedAt: string;
}

const SEGMENT_RE = /^audit-(\d{4}-\d{2}-\d{2})\.ndjson$/;

function dayOf(r: AuditRecord): string {
  return new Date(Date.parse(r.ts)).toISOString().slice(0, 10);
}

export interface ExportResult {
  written: string[];
  /** Days already sealed in the directory (left as they are). */
  existing: string[];
}

/**
 * Writes a segment for every complete UTC day (before `now`'s day) not yet in `dir`. Atomic per file
 * (write to a temp name, then rename), so a crash never leaves half a sealed segment.
 */
export async function exportAuditSegments(store: Store, dir: string, now: Date): Promise<ExportResult> {
  await mkdir(dir, { recursive: true });
  const today = now.toISOString().slice(0, 10);
  const have = new Set((await readdir(dir)).flatMap((f) => SEGMENT_RE.exec(f)?.[1] ?? []));
  const byDay = new Map<string, AuditRecord[]>();
  for (let after = 0; ;) {
    const chunk = await store.readAudit(after, 5000);
    if (chunk.length === 0) break;
    for (const r of chunk) {
      const d = dayOf(r);
      if (d >= today || have.has(d)) continue;
      let list = byDay.get(d);
      if (!list) byDay.set(d, (list = []));
      list.push(r);
    }
    after = chunk[chunk.length - 1]?.seq ?? after;
  }
  const written: string[] = [];
  for (const [day, recs] of [...byDay.entries()].sort()) {
    const last = recs[recs.length - 1] as AuditRecord;
    const seal: AuditSeal = {
      day,
      firstSeq: (recs[0] as AuditRecord).seq,
      lastSeq: last.seq,
      count: recs.length,
      head: last.hash,
      sealedAt: now.toISOString(),
    };
    const file = join(dir, `audit-${day}.ndjson`);
    const text = recs.map((r) => JSON.stringify(r)).join('\n') + `\n${JSON.stringify({ seal })}\n`;
    await writeFile(`${file}.tmp`, text, { mode: 0o640 });
    await rename(`${file}.tmp`, file);
    written.push(file);
  }
  return { written, existing: [...have].sort() };
}

/** Compares the database against every sealed segment in `dir`: each sealed record must be there, unchanged. */
export async function verifyAuditSegments(store: Store, dir: string): Promise<AuditProblem[]> {
  const problems: AuditProblem[] = [];
  const files = (await readdir(dir)).filter((f) => SEGMENT_RE.test(f)).sort();
  for (const f of files) {
    const lines = (await readFile(join(dir, f), 'utf8')).split('\n').filter((l) => l !== '');
    const sealLine = lines.pop();
    const seal = sealLine ? (JSON.parse(sealLine) as { seal?: AuditSeal }).seal : undefined;
    const recs = lines.map((l) => JSON.parse(l) as AuditRecord);
    if (!seal || seal.count !== recs.length || recs[recs.length - 1]?.hash !== seal.head) {
      problems.push({
        seq: recs[0]?.seq ?? 0,
        problem: 'head',
        detail: `${f}: the segment itself is damaged (seal does not match its records)`,
      });
      continue;
    }
    const inDb = new Map<number, AuditRecord>();
    for (let after = seal.firstSeq - 1; after < seal.lastSeq;) {
      const chunk = await store.readAudit(after, Math.min(5000, seal.lastSeq - after));
      if (chunk.length === 0) break;
      for (const r of chunk) inDb.set(r.seq, r);
      after = chunk[chunk.length - 1]?.seq ?? seal.lastSeq;
    }
    for (const r of recs) {
      const db = inDb.get(r.seq);
      if (!db) {
        problems.push({
          seq: r.seq,
          problem: 'deleted',
          detail: `sealed in ${f} but missing from the store`,
        });
      } else if (db.hash !== r.hash || db.prevHash !== r.prevHash) {
        problems.push({ seq: r.seq, problem: 'edited', detail: `differs from the record sealed in ${f}` });
      }
    }
  }
  return problems;
}
