/**
 * Audit trail: tampering done directly in the real database (as someone with write access to it
 * would: drop the append-only trigger, then edit) must be found and named by seq, on both drivers;
 * the CLI reports it with exit code 1; sealed segments catch a rewrite of the whole chain.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { auditHash, sealAudit } from '../../src/store/audit.js';
import { exportAuditSegments, verifyAuditSegments } from '../../src/store/audit-export.js';
import type { AuditRecord, Store } from '../../src/store/types.js';
import { storeDrivers, type TestStore } from './drivers.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const day = (d: number, h = 12): string => new Date(Date.UTC(2026, 10, d, h)).toISOString();

async function seed(store: Store, n: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (let i = 1; i <= n; i++) {
    out.push(
      await store.appendAudit({
        ts: day(20 + Math.floor((i - 1) / 2)),
        actor: 'ops',
        action: 'ack.add',
        subject: `fp${i}`,
        detail: { i },
      }),
    );
  }
  return out;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
      cwd: ROOT,
      timeout: 60_000,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

for (const driver of storeDrivers()) {
  describe(`audit on ${driver.name}`, { skip: driver.skip ?? false }, () => {
    let ts: TestStore;
    let store: Store;
    let recs: AuditRecord[];
    beforeEach(async () => {
      ts = await driver.open();
      store = ts.store;
      recs = await seed(store, 6);
      // What an attacker with database access does first.
      if (driver.name === 'sqlite') {
        await ts.raw('DROP TRIGGER audit_no_update');
        await ts.raw('DROP TRIGGER audit_no_delete');
      } else await ts.raw('DROP TRIGGER audit_no_update ON audit');
    });
    afterEach(async () => ts.cleanup());

    it('finds an edited record by its own hash', async () => {
      await ts.raw(`UPDATE audit SET actor = 'mallory' WHERE seq = 3`);
      const res = await store.verifyAudit();
      assert.equal(res.ok, false);
      assert.deepEqual(
        res.problems.map((p) => [p.seq, p.problem]),
        [[3, 'edited']],
      );
    });

    it('finds an edited record whose hash was recomputed, through the next link', async () => {
      const r3 = recs[2] as AuditRecord;
      const forged = { ...r3, actor: 'mallory' };
      await ts.raw(`UPDATE audit SET actor = 'mallory', hash = ? WHERE seq = 3`, [
        auditHash(forged, r3.prevHash),
      ]);
      const res = await store.verifyAudit();
      assert.deepEqual(
        res.problems.map((p) => [p.seq, p.problem]),
        [[3, 'edited']],
      );
    });

    it('finds a deleted record in the middle and a deleted tail', async () => {
      await ts.raw(`DELETE FROM audit WHERE seq = 4`);
      let res = await store.verifyAudit();
      assert.deepEqual(
        res.problems.map((p) => [p.seq, p.problem]),
        [[4, 'deleted']],
      );
      await ts.raw(`DELETE FROM audit WHERE seq = 6`);
      res = await store.verifyAudit();
      assert.deepEqual(
        res.problems.map((p) => [p.seq, p.problem]),
        [
          [4, 'deleted'],
          [6, 'deleted'],
        ],
      );
    });

    it('finds a record inserted in the middle (rest renumbered) and one appended past the head', async () => {
      const r2 = recs[1] as AuditRecord;
      await ts.raw(`UPDATE audit SET seq = seq + 1000 WHERE seq >= 3`);
      await ts.raw(`UPDATE audit SET seq = seq - 999 WHERE seq >= 1000`);
      const x = sealAudit({ ts: r2.ts, actor: 'mallory', action: 'silence.add', subject: 'all' }, 3, r2.hash);
      const ins = `INSERT INTO audit (seq, ts, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
      await ts.raw(ins, [x.seq, x.ts, x.actor, x.action, x.subject, null, x.prevHash, x.hash]);
      let res = await store.verifyAudit();
      assert.deepEqual(
        res.problems.map((p) => [p.seq, p.problem]),
        [[3, 'inserted']],
      );
      const last = (await store.readAudit()).at(-1) as AuditRecord;
      const y = sealAudit({ ts: last.ts, actor: 'mallory', action: 'x' }, last.seq + 1, last.hash);
      await ts.raw(ins, [y.seq, y.ts, y.actor, y.action, null, null, y.prevHash, y.hash]);
      res = await store.verifyAudit();
      assert.deepEqual(
        res.problems.map((p) => [p.seq, p.problem]),
        [
          [3, 'inserted'],
          [8, 'inserted'],
        ],
      );
    });

    it('sealed daily segments catch a whole chain rewritten with its head', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pptpmon-audit-seg-'));
      try {
        const res = await exportAuditSegments(store, dir, new Date(day(23, 0)));
        // Records are on Nov 20, 21 (2 each) and 22 (2): all complete days before Nov 23.
        assert.deepEqual(readdirSync(dir).sort(), [
          'audit-2026-11-20.ndjson',
          'audit-2026-11-21.ndjson',
          'audit-2026-11-22.ndjson',
        ]);
        assert.equal(res.written.length, 3);
        const seal = JSON.parse(
          readFileSync(join(dir, 'audit-2026-11-21.ndjson'), 'utf8').trim().split('\n').at(-1) as string,
        );
        assert.deepEqual(
          { ...seal.seal, sealedAt: 'x' },
          { day: '2026-11-21', firstSeq: 3, lastSeq: 4, count: 2, head: recs[3]?.hash, sealedAt: 'x' },
        );
        // Exporting again seals nothing new and leaves the files alone.
        assert.deepEqual((await exportAuditSegments(store, dir, new Date(day(23, 0)))).written, []);
        assert.deepEqual(await verifyAuditSegments(store, dir), []);
        // Rewrite record 3 and re-chain everything after it, head included: the chain itself verifies.
        let prev = (recs[1] as AuditRecord).hash;
        for (const r of recs.slice(2)) {
          const content = r.seq === 3 ? { ...r, actor: 'mallory' } : r;
          const h = auditHash(content, prev);
          await ts.raw(`UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?`, [
            content.actor,
            prev,
            h,
            r.seq,
          ]);
          prev = h;
        }
        await ts.raw(`UPDATE audit_head SET hash = ? WHERE id = 1`, [prev]);
        assert.equal((await store.verifyAudit()).ok, true, 'a consistent rewrite fools the chain alone');
        const seg = await verifyAuditSegments(store, dir);
        assert.deepEqual(
          seg.map((p) => [p.seq, p.problem]),
          [
            [3, 'edited'],
            [4, 'edited'],
            [5, 'edited'],
            [6, 'edited'],
          ],
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('`pptpmon audit verify` exits 0 on an intact chain, 1 naming the record after tampering', async () => {
      const cfgDir = mkdtempSync(join(tmpdir(), 'pptpmon-audit-cli-'));
      try {
        const cfg = join(cfgDir, 'pptpmon.yaml');
        if (ts.spec.driver === 'sqlite')
          writeFileSync(cfg, `store:\n  driver: sqlite\n  path: ${ts.spec.path}\n`);
        else {
          // The password goes through passwordFile, as an operator would configure it.
          const pw = join(cfgDir, 'pg.pw');
          writeFileSync(pw, `${ts.spec.password ?? ''}\n`, { mode: 0o600 });
          writeFileSync(
            cfg,
            `store:\n  driver: postgres\n  url: ${ts.spec.url}\n  schema: ${ts.spec.schema}\n  passwordFile: ${pw}\n`,
          );
        }
        let r = await cli(['audit', 'verify', '-c', cfg]);
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /6 records, chain intact/);
        await ts.raw(`DELETE FROM audit WHERE seq = 2`);
        r = await cli(['audit', 'verify', '-c', cfg]);
        assert.equal(r.code, 1, r.err);
        assert.match(r.out, /seq 2: deleted: /);
        r = await cli(['audit', 'verify', '-c', cfg, '--json']);
        assert.equal(r.code, 1);
        assert.deepEqual(
          JSON.parse(r.out).problems.map((p: { seq: number }) => p.seq),
          [2],
        );
        r = await cli(['audit', 'verify', '-c', join(cfgDir, 'missing.yaml')]);
        assert.equal(r.code, 2);
        assert.match(r.err, /missing\.yaml/);
        // A store that is not there is an error, and verify does not create an empty one.
        const nowhere = join(cfgDir, 'nowhere', 'p.db');
        writeFileSync(cfg, `store:\n  driver: sqlite\n  path: ${nowhere}\n`);
        r = await cli(['audit', 'verify', '-c', cfg]);
        assert.equal(r.code, 2);
        assert.match(r.err, /cannot open .*nowhere\/p\.db/);
        assert.equal(existsSync(join(cfgDir, 'nowhere')), false);
      } finally {
        rmSync(cfgDir, { recursive: true, force: true });
      }
    });
  });
}

for (const driver of storeDrivers()) {
  describe(`audit under concurrent writers on ${driver.name}`, { skip: driver.skip ?? false }, () => {
    it('two processes appending at once keep one unbroken chain', { timeout: 120_000 }, async () => {
      const ts = await driver.open();
      try {
        const child = (actor: string) =>
          run(
            process.execPath,
            [
              '--import',
              'tsx',
              join(import.meta.dirname, 'fixtures/auditor.ts'),
              JSON.stringify(ts.spec),
              '60',
              actor,
            ],
            {
              timeout: 100_000,
            },
          );
        await Promise.all([
          child('a'),
          child('b'),
          ...Array.from({ length: 20 }, (_, i) =>
            ts.store.appendAudit({ ts: day(24), actor: 'parent', action: 'x', subject: String(i) }),
          ),
        ]);
        const res = await ts.store.verifyAudit();
        assert.deepEqual(res, { ok: true, checked: 140, problems: [] });
        const recs = await ts.store.readAudit();
        assert.deepEqual(
          recs.map((r) => r.seq),
          Array.from({ length: 140 }, (_, i) => i + 1),
        );
        assert.deepEqual(new Set(recs.map((r) => r.actor)), new Set(['a', 'b', 'parent']));
      } finally {
        await ts.cleanup();
      }
    });
  });
}
