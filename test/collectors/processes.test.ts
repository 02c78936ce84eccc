/**
 * processes collector against real processes in this host's /proc: copies of /bin/bash named pptpd,
 * pptpctrl and pppd (comm is the executable's name, like the real daemons'), killed with SIGKILL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProcessesCollector, decodeWaitStatus, parseProcStat } from '../../src/collectors/processes.js';
import { defaultContext } from '../../src/collectors/types.js';
import type { Event } from '../../src/events/index.js';

function fakeBin(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-proc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const n of ['pptpd', 'pptpctrl', 'pppd']) copyFileSync('/bin/bash', join(dir, n));
  return dir;
}

function run(bin: string, script: string, kids: ChildProcess[]): ChildProcess {
  const c = spawn(bin, ['-c', script], { stdio: 'ignore' });
  kids.push(c);
  return c;
}

const ofKind = (evs: Event[], kind: string, name: string, pid?: number): Event[] =>
  evs.filter(
    (e) =>
      e.kind === kind &&
      'name' in e.attrs &&
      e.attrs.name === name &&
      (pid === undefined || ('pid' in e.attrs && e.attrs.pid === pid)),
  );

test('parseProcStat copes with spaces and parentheses in comm; wait statuses decode', () => {
  const st = parseProcStat(
    '42 (a) b (c)) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 768',
  );
  assert.equal(st?.comm, 'a) b (c)');
  assert.equal(st?.ppid, 1);
  assert.equal(st?.startTime, 777);
  assert.equal(st?.exitStatus, 768);
  assert.deepEqual(decodeWaitStatus(768), { exitCode: 3 });
  assert.deepEqual(decodeWaitStatus(9), { signal: 'SIGKILL' });
});

test('pptpd killed -9 is seen within 1 s; a restart is counted; an orphaned pppd is reported', async (t) => {
  const dir = fakeBin(t);
  const kids: ChildProcess[] = [];
  t.after(() => kids.forEach((k) => k.kill('SIGKILL')));
  const c = createProcessesCollector(defaultContext({ stateDir: dir }), { scanMs: 250 });
  await c.collect(); // baseline: whatever already runs on this host
  const pptpd = run(join(dir, 'pptpd'), 'sleep 60; :', kids);
  // pptpctrl forks pppd, like pptpd's pptpctrl.c does for each call
  const ctrl = run(join(dir, 'pptpctrl'), `${join(dir, 'pppd')} -c 'sleep 60; :' & wait`, kids);
  await sleep(400);
  const up = await c.collect();
  assert.equal(ofKind(up, 'proc.up', 'pptpd', pptpd.pid).length, 1);
  assert.equal(ofKind(up, 'proc.up', 'pptpctrl', ctrl.pid).length, 1);
  assert.equal(ofKind(up, 'proc.up', 'pppd').length, 1);

  const killedAt = Date.now();
  pptpd.kill('SIGKILL');
  let seenMs = -1;
  while (Date.now() - killedAt < 2000) {
    const evs = await c.collect();
    const down = ofKind(evs, 'proc.down', 'pptpd', pptpd.pid);
    if (down.length) {
      seenMs = Date.now() - killedAt;
      assert.equal(down[0]?.severity, 'critical');
      break;
    }
    await sleep(c.intervalMs);
  }
  t.diagnostic(`pptpd death seen after ${seenMs} ms`);
  assert.ok(seenMs >= 0 && seenMs <= 1000, `seen after ${seenMs} ms`);

  const again = run(join(dir, 'pptpd'), 'sleep 60; :', kids);
  await sleep(300);
  const evs = await c.collect();
  assert.equal(ofKind(evs, 'proc.up', 'pptpd', again.pid).length, 1);
  const restart = ofKind(evs, 'proc.restart', 'pptpd');
  assert.equal(restart.length, 1);
  assert.equal(restart[0]?.kind === 'proc.restart' && restart[0].attrs.count, 1);

  ctrl.kill('SIGKILL');
  await sleep(300);
  const after = await c.collect();
  assert.equal(ofKind(after, 'proc.down', 'pptpctrl', ctrl.pid).length, 1);
  assert.equal(ofKind(after, 'proc.orphan', 'pppd').length, 1);
});

test('exit code of a dead daemon is read from its zombie while the parent has not reaped it', async (t) => {
  const dir = fakeBin(t);
  const kids: ChildProcess[] = [];
  t.after(() => kids.forEach((k) => k.kill('SIGKILL')));
  const c = createProcessesCollector(defaultContext({ stateDir: dir }), { scanMs: 100 });
  await c.collect();
  // The parent execs `sleep`, which never wait()s: the exited pptpd stays a zombie with its status.
  run('/bin/bash', `${join(dir, 'pptpd')} -c 'sleep 0.8; exit 3' & exec sleep 30`, kids);
  await sleep(400);
  const up = await c.collect();
  assert.equal(ofKind(up, 'proc.up', 'pptpd').length, 1);
  await sleep(800);
  const down = ofKind(await c.collect(), 'proc.down', 'pptpd');
  assert.equal(down.length, 1);
  assert.equal(down[0]?.kind === 'proc.down' && down[0].attrs.exitCode, 3);
});
