/**
 * pppd's `logfile` and syslog carry the same pppd messages; the agent must ingest each once, keeping
 * the syslog copy (pid and time), without losing the messages only the logfile has (RHEL's
 * /var/log/messages takes *.info, so pppd's debug lines are in the logfile alone). Real files, written
 * the way the writers write them: pppd's log_write() writes the bare message and then "\n" in a second
 * write(2); rsyslog writes `Mmm dd hh:mm:ss host pppd[pid]: message\n` in one. The lines come from the
 * lab's real server pppd logfile (samples/ppp-server.log).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FollowerSet } from '../../../src/logs/follow/set.js';
import type { FollowedLine } from '../../../src/logs/follow/file.js';
import { LineIntake } from '../../../src/agent/intake.js';
import { isDebug, PppdLogfile, Rsyslog, run, SAMPLE, setup } from './dedup-writers.js';

test('pppd logfile + syslog carrying every line (Debian): only the syslog copies are ingested', async (t) => {
  const { ppp, sys } = setup(t);
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 150, lagMs: 300 },
  });
  t.after(() => set.close());
  const got = await run(set, ppp, sys, () => true);
  assert.equal(got.filter((l) => l.file === ppp).length, 0, 'no logfile copy delivered');
  assert.deepEqual(
    got.map((l) => l.text.replace(/^.*? pppd\[139\]: /, '')),
    SAMPLE,
    'every syslog copy once, in order',
  );
  assert.equal(new Set(got.map((l) => l.id)).size, got.length);
  assert.deepEqual(set.dedupStats(), {
    held: 0,
    copies: 0,
    dropped: SAMPLE.length,
    deliveredAlone: 0,
    forced: 0,
  });

  // The sessions the agent builds equal those from syslog alone; without the dedup they do not.
  const kinds = (lines: FollowedLine[]): string[] => {
    const intake = new LineIntake({ host: 'vpn', timezone: 'UTC' });
    return intake.push(lines).map((e) => e.kind);
  };
  const naive = new FollowerSet({ paths: [ppp, sys], startAtEnd: false, timezone: 'UTC', dedup: false });
  t.after(() => naive.close());
  const both = naive.poll().lines;
  assert.equal(both.length, 2 * SAMPLE.length);
  assert.deepEqual(kinds(got), kinds(both.filter((l) => l.file === sys)));
  assert.notDeepEqual(kinds(both), kinds(got), 'the naive reading ingests pppd twice');
});

test('RHEL: syslog without the debug lines; the logfile-only lines arrive once, after the window', async (t) => {
  const { ppp, sys } = setup(t);
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 150, lagMs: 300 },
  });
  t.after(() => set.close());
  const got = await run(set, ppp, sys, (m) => !isDebug(m));
  const debug = SAMPLE.filter(isDebug);
  assert.ok(debug.length > 20);
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    debug,
    'the debug lines, each once, in file order',
  );
  assert.deepEqual(
    got.filter((l) => l.file === sys).map((l) => l.text.replace(/^.*? pppd\[139\]: /, '')),
    SAMPLE.filter((m) => !isDebug(m)),
  );
  const s = set.dedupStats()!;
  assert.equal(s.dropped, SAMPLE.length - debug.length);
  assert.equal(s.deliveredAlone, debug.length);
  assert.equal(s.held, 0);
});

test('a quiet auth.log (never carries pppd) does not delay the logfile-only lines; messages does', async (t) => {
  const { dir, ppp } = setup(t);
  const messages = join(dir, 'messages');
  const auth = join(dir, 'auth.log');
  writeFileSync(auth, 'Nov 24 03:00:00 vpn sshd[9]: Accepted publickey for root\n');
  const set = new FollowerSet({
    paths: [ppp, messages, auth],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 150, lagMs: 5000 },
  });
  t.after(() => set.close());
  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(messages);
  const debug = SAMPLE.filter(isDebug).slice(0, 10);
  for (const m of debug) lf.log(m);
  lf.close();
  const got: FollowedLine[] = [...set.poll().lines];
  // Any line in messages stamped (to the second) after the window shows rsyslog wrote all before it.
  await sleep(1200);
  rs.log(1, 'IPCP: timeout sending Config-Requests');
  rs.close();
  const t0 = Date.now();
  while (got.filter((l) => l.file === ppp).length < debug.length && Date.now() - t0 < 4000) {
    got.push(...set.poll().lines);
    await sleep(50);
  }
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    debug,
  );
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms: waited for auth.log's lag`);
});

test("syslog's repeat lines (rsyslog 'message repeated N times: [...]', sysklogd 'last message repeated N times') stand for N copies", async (t) => {
  const { ppp, sys } = setup(t);
  const lf = new PppdLogfile(ppp);
  const m1 = 'LCP: timeout sending Config-Requests';
  const m2 = 'No response to 4 echo-requests';
  for (let i = 0; i < 4; i++) lf.log(m1);
  for (let i = 0; i < 3; i++) lf.log(m2);
  lf.close();
  writeFileSync(
    sys,
    `Nov 24 21:58:26 vpn pppd[139]: ${m1}\n` +
      `Nov 24 21:58:56 vpn pppd[139]: message repeated 3 times: [ ${m1}]\n` +
      `Nov 24 21:59:00 vpn pppd[139]: ${m2}\n` +
      'Nov 24 21:59:30 vpn last message repeated 2 times\n',
  );
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 50 },
  });
  t.after(() => set.close());
  const got: FollowedLine[] = [];
  for (let i = 0; i < 5; i++) {
    got.push(...set.poll().lines);
    await sleep(30);
  }
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    [],
  );
  assert.equal(got.length, 4);
  assert.equal(set.dedupStats()!.dropped, 7);
});

test('a single followed file is passed through at once (nothing to dedup against)', (t) => {
  const { ppp } = setup(t);
  const lf = new PppdLogfile(ppp);
  for (const m of SAMPLE.slice(0, 10)) lf.log(m);
  lf.close();
  const set = new FollowerSet({ paths: [ppp], startAtEnd: false });
  t.after(() => set.close());
  assert.equal(set.poll().lines.length, 10);
  assert.equal(set.dedupStats(), undefined);
});

test('catch-up after downtime: a small ppp.log waits for a big syslog instead of holding unbounded', async (t) => {
  const { ppp, sys } = setup(t);
  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(sys);
  const N = 6000;
  const other = openSync(sys, 'a');
  for (let i = 0; i < N; i++) {
    const m = `Connect: ppp${i} <--> /dev/pts/${i % 40}`;
    lf.log(m);
    rs.log(1000 + (i % 40), m);
    // Other programs fill the syslog: it takes many polls to read, the logfile few.
    for (let k = 0; k < 4; k++) writeSync(other, `Dec  5 18:30:00 vpn kernel: [1.0] other line ${i}.${k}\n`);
  }
  closeSync(other);
  lf.close();
  rs.close();
  // A hard bound below the logfile's size: only pausing the logfile keeps the copies matched.
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    maxReadBytes: 32 * 1024,
    dedup: { windowMs: 50, pauseAt: 200, maxEntries: 1500 },
  });
  t.after(() => set.close());
  const got: FollowedLine[] = [];
  for (let i = 0; i < 400; i++) {
    const r = set.poll().lines;
    got.push(...r);
    if (r.length === 0 && set.dedupStats()!.held === 0) break;
    if (r.length === 0) await sleep(20);
  }
  assert.equal(got.filter((l) => l.file === ppp).length, 0, 'no logfile copy delivered');
  assert.equal(got.filter((l) => l.text.includes('pppd[')).length, N);
  const s = set.dedupStats()!;
  assert.equal(s.forced, 0);
  assert.equal(s.dropped, N);
});
