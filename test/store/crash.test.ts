/**
 * Crash safety, for real: a child process writes event batches as fast as it can and acknowledges each
 * on stdout; we SIGKILL it mid-burst, then count. Every acknowledged event must be in the store, and
 * batches are all-or-nothing (the one in flight at the kill is either wholly there or absent).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { storeDrivers, type TestStore } from './drivers.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const WRITER = join(import.meta.dirname, 'fixtures/writer.ts');
const BATCH = 200;

interface KillResult {
  acked: number[];
  signal: NodeJS.Signals | null;
}

/** Runs the writer and kills it after `killAfterAcks` acknowledged batches (plus a little more). */
function runAndKill(spec: object, host: string, killAfterAcks: number): Promise<KillResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', WRITER, JSON.stringify(spec), String(BATCH), host],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acked: number[] = [];
    let buf = '';
    let err = '';
    let killed = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach ${killAfterAcks} acks in 60 s: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (m) acked.push(Number(m[1]));
      }
      if (!killed && acked.length >= killAfterAcks) {
        killed = true;
        // A few ms later, so the kill lands inside a transaction rather than right after an ack.
        setTimeout(() => child.kill('SIGKILL'), (killAfterAcks * 7) % 13);
      }
    });
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      resolve({ acked, signal });
    });
    child.on('error', reject);
  });
}

async function check(ts: TestStore, host: string, r: KillResult): Promise<void> {
  assert.equal(r.signal, 'SIGKILL', 'the writer was killed, not finished');
  const store = await ts.reopen();
  const total = await store.countEvents({ host });
  const ackedEvents = r.acked.length * BATCH;
  assert.ok(total >= ackedEvents, `lost acknowledged events: ${total} stored < ${ackedEvents} acknowledged`);
  assert.ok(
    total <= ackedEvents + BATCH,
    `more than the one in-flight batch extra: ${total} vs ${ackedEvents}`,
  );
  assert.equal(total % BATCH, 0, `a batch was half-written: ${total} events`);
  // Every acknowledged batch, by the ids the writer gave it.
  const ids = new Set<string>();
  for (let after: string | undefined; ;) {
    const page = await store.queryEvents({
      host,
      limit: 50_000,
      ...(after ? { afterId: after } : {}),
    });
    if (page.length === 0) break;
    for (const e of page) ids.add(e.externalId ?? '');
    after = page[page.length - 1]?.id;
  }
  for (const b of r.acked) {
    assert.ok(ids.has(`w:${b}:0`) && ids.has(`w:${b}:${BATCH - 1}`), `acknowledged batch ${b} is missing`);
  }
}

for (const driver of storeDrivers()) {
  describe(`kill -9 during a write burst on ${driver.name}`, { skip: driver.skip ?? false }, () => {
    const variants: { name: string; extra: object }[] =
      driver.name === 'sqlite'
        ? [
            { name: 'synchronous=FULL (default)', extra: { synchronous: 'full' } },
            { name: 'synchronous=NORMAL', extra: { synchronous: 'normal' } },
          ]
        : [{ name: 'default', extra: {} }];
    for (const v of variants) {
      it(`loses nothing acknowledged (${v.name}), over repeated kills`, { timeout: 180_000 }, async () => {
        const ts = await driver.open();
        try {
          await ts.store.close();
          // Kill, count, and go again on the same data: recovery after one crash must survive the next.
          for (const after of [5, 17, 40]) {
            const host = `crash-${after}`;
            const r = await runAndKill({ ...ts.spec, ...v.extra }, host, after);
            await check(ts, host, r);
          }
          if (ts.spec.driver === 'sqlite') {
            const db = new SqliteStore({ path: ts.spec.path });
            assert.deepEqual(db.db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
            await db.close();
          }
        } finally {
          await ts.cleanup();
        }
      });
    }
  });
}
