/**
 * The pppd copy dedup when no pppd logfile exists (ppp.log is a default path, but most Debian hosts
 * run pppd without `logfile`): the syslog copies have nothing to be matched against and must cost
 * nothing (not remembered), and when pppd starts writing ppp.log later (it creates the file when it
 * starts, before logging there) the copies from then on are matched again: each message once.
 * Real files, the writers of dedup-writers.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FollowerSet } from '../../../src/logs/follow/set.js';
import type { FollowedLine } from '../../../src/logs/follow/file.js';
import { Rsyslog, run, SAMPLE, setup } from './dedup-writers.js';

test('no ppp.log: syslog pppd lines are delivered at once and not remembered', (t) => {
  const { ppp, sys } = setup(t);
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 10_000 },
  });
  t.after(() => set.close());
  const rs = new Rsyslog(sys);
  const got: FollowedLine[] = [];
  for (let i = 0; i < SAMPLE.length; i++) {
    rs.log(139, SAMPLE[i]!);
    if (i % 10 === 9) {
      got.push(...set.poll().lines);
      assert.equal(set.dedupStats()?.copies, 0, `no copy remembered after poll ${i}`);
    }
  }
  rs.close();
  got.push(...set.poll().lines);
  assert.equal(got.length, SAMPLE.length);
  assert.deepEqual(set.dedupStats(), { held: 0, copies: 0, dropped: 0, deliveredAlone: 0, forced: 0 });
});

test('ppp.log appearing later (pppd started with logfile): its copies are matched from then on', async (t) => {
  const { ppp, sys } = setup(t);
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 150, lagMs: 300 },
  });
  t.after(() => set.close());
  // Before: syslog only (pppd without logfile), nothing remembered.
  const rs = new Rsyslog(sys);
  const before = SAMPLE.slice(0, 20);
  for (const m of before) rs.log(100, m);
  rs.close();
  const first = set.poll().lines;
  assert.equal(first.length, before.length);
  assert.equal(set.dedupStats()?.copies, 0);
  // Then a pppd with `logfile` writes both copies (creating ppp.log first), interleaved with polls.
  const got = await run(set, ppp, sys, () => true);
  assert.equal(got.filter((l) => l.file === ppp).length, 0, 'no logfile copy delivered');
  assert.equal(got.length, SAMPLE.length, 'every syslog copy once');
  assert.deepEqual(set.dedupStats(), {
    held: 0,
    copies: 0,
    dropped: SAMPLE.length,
    deliveredAlone: 0,
    forced: 0,
  });
});
