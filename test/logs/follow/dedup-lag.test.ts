/**
 * The pppd copy dedup when the syslog side trails: rsyslog's queue or journalctl's pipe may be seconds
 * behind pppd's synchronous logfile write under load. A held logfile line must wait for the source to
 * show newer lines (or for its lag bound), not for the poll clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FollowerSet } from '../../../src/logs/follow/set.js';
import type { FollowedLine } from '../../../src/logs/follow/file.js';
import { isDebug, PppdLogfile, SAMPLE, setup } from './dedup-writers.js';

test('rsyslog trailing 1 s behind pppd (its queue under load): the logfile copies wait for the file, not the clock', async (t) => {
  const { ppp, sys } = setup(t);
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    dedup: { windowMs: 150, lagMs: 5000 },
  });
  t.after(() => set.close());
  const lf = new PppdLogfile(ppp);
  const sysFd = openSync(sys, 'a');
  t.after(() => closeSync(sysFd));
  // Debian 12's rsyslog format (RSYSLOG_FileFormat: RFC 3339 with microseconds), stamped on receipt,
  // written when the queue gets to it.
  const queue: Array<{ at: number; line: string }> = [];
  const got: FollowedLine[] = [];
  const msgs = SAMPLE.filter((m) => !isDebug(m)).slice(0, 20);
  const flush = (now: number): void => {
    while (queue.length > 0 && queue[0]!.at + 1000 <= now) writeSync(sysFd, queue.shift()!.line);
  };
  for (const m of msgs) {
    const now = Date.now();
    queue.push({
      at: now,
      line: `${new Date(now).toISOString().replace('Z', '000+00:00')} vpn pppd[139]: ${m}\n`,
    });
    lf.log(m);
    flush(now);
    got.push(...set.poll().lines);
    await sleep(100);
  }
  lf.close();
  for (let i = 0; i < 40 && (queue.length > 0 || set.dedupStats()!.held > 0); i++) {
    flush(Date.now());
    got.push(...set.poll().lines);
    await sleep(100);
  }
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    [],
    'no logfile copy ingested',
  );
  assert.equal(got.filter((l) => l.file === sys).length, msgs.length);
  assert.equal(set.dedupStats()!.dropped, msgs.length);
});

test('a lagging stream (logread -f stand-in 700 ms behind): logfile copies wait for it, not for the poll clock', async (t) => {
  const { dir, ppp } = setup(t);
  const ring = join(dir, 'ring');
  writeFileSync(ring, '');
  // Stand-in for OpenWrt's logread -f (see logread.test.ts) whose output trails the log by 700 ms,
  // as journalctl's does on a loaded machine: coreutils tail follows the buffer file, node delays it.
  const exe = join(dir, 'logread');
  writeFileSync(
    exe,
    `#!${process.execPath}\n` +
      `const { spawn } = require('node:child_process');\n` +
      `const tail = spawn('tail', ['-n', '+1', '-f', ${JSON.stringify(ring)}], { stdio: ['ignore', 'pipe', 'inherit'] });\n` +
      `require('node:readline').createInterface({ input: tail.stdout }).on('line', (l) => setTimeout(() => process.stdout.write(l + '\\n'), 700));\n` +
      `process.on('SIGTERM', () => { tail.kill(); process.exit(0); });\n`,
  );
  chmodSync(exe, 0o755);
  const set = new FollowerSet({
    paths: [ppp],
    startAtEnd: false,
    logread: { logread: exe, restartMs: 100 },
    dedup: { windowMs: 200, lagMs: 5000 },
  });
  t.after(() => set.close());
  const lf = new PppdLogfile(ppp);
  const got: FollowedLine[] = [];
  const msgs = SAMPLE.filter((m) => /^[A-Z]/.test(m)).slice(0, 15);
  for (const m of msgs) {
    const d = new Date();
    const day = String(d.getDate()).padStart(2, ' ');
    const stamp = `${d.toString().slice(0, 8)}${day} ${d.toTimeString().slice(0, 8)} ${d.getFullYear()}`;
    appendFileSync(ring, `${stamp} daemon.notice pppd[139]: ${m}\n`);
    lf.log(m);
    got.push(...set.poll().lines);
    await sleep(100);
  }
  lf.close();
  for (let i = 0; i < 60 && got.filter((l) => l.file === 'logread').length < msgs.length; i++) {
    got.push(...set.poll().lines);
    await sleep(100);
  }
  await sleep(400);
  got.push(...set.poll().lines);
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    [],
    'no logfile copy ingested',
  );
  assert.equal(got.filter((l) => l.file === 'logread').length, msgs.length);
  assert.equal(set.dedupStats()!.dropped, msgs.length);
});
