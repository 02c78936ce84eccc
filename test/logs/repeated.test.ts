/**
 * `last message repeated N times` (sysklogd, busybox) and rsyslog's `message repeated N times: [...]`
 * through the real line parser and LogPipeline: every repeat is an event of its own (unique id, the
 * repeat line as source) carrying the raw line it repeats, so rules counting failures see all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineParser } from '../../src/logs/formats/index.js';
import { LogPipeline } from '../../src/logs/index.js';
import type { Event } from '../../src/events/index.js';

function run(lines: string[]): { events: Event[]; p: LogPipeline } {
  const parser = new LineParser({ file: 'syslog', zone: 'UTC', refMs: Date.parse('2026-11-25T12:00:00Z') });
  const p = new LogPipeline({ host: 'vpn1' });
  const events: Event[] = [];
  lines.forEach((l, i) => events.push(...p.push(parser.parse(l, i + 1).rec)));
  return { events, p };
}

const FAIL =
  'Nov 25 11:00:00 radius1 radiusd[1300]: Login incorrect (mschap: MS-CHAP2-Response is incorrect): [bob] (from client vpn1 port 0 cli 198.51.100.23)';

test('a repeated auth failure counts N more times, each event with the repeated raw line', () => {
  const { events, p } = run([FAIL, 'Nov 25 11:00:31 radius1 last message repeated 4 times']);
  const fails = events.filter((e) => e.kind === 'auth.fail');
  assert.equal(fails.length, 5);
  assert.equal(new Set(fails.map((e) => e.id)).size, 5, 'unique ids');
  for (const e of fails) {
    assert.equal(e.raw, FAIL);
    assert.equal(e.user, 'bob');
    assert.equal(e.peer, '198.51.100.23');
  }
  assert.deepEqual(
    fails.map((e) => e.source?.line),
    [1, 2, 2, 2, 2],
  );
  assert.equal(fails[4]?.ts, '2026-11-25T11:00:31.000Z', 'a repeat is dated by its repeat line');
  assert.equal(p.stats().events, 5);
});

test('a repeat after a line of another program, or after a skipped line, adds nothing', () => {
  const { events } = run([
    FAIL,
    'Nov 25 11:00:40 radius1 CRON[2001]: (root) CMD (true)',
    'Nov 25 11:00:41 radius1 last message repeated 9 times',
  ]);
  assert.equal(events.filter((e) => e.kind === 'auth.fail').length, 1);
});

test('a pppd session line repeated does not repeat the session end', () => {
  const { events } = run([
    'Nov 25 11:00:00 vpn1 pppd[77]: pppd 2.4.9 started by root, uid 0',
    'Nov 25 11:00:00 vpn1 pppd[77]: Connect: ppp0 <--> /dev/pts/0',
    'Nov 25 11:00:01 vpn1 pppd[77]: Peer bob failed CHAP authentication',
    'Nov 25 11:00:01 vpn1 pppd[77]: Connection terminated.',
    'Nov 25 11:00:01 vpn1 pppd[77]: Exit.',
    'Nov 25 11:00:02 vpn1 last message repeated 3 times',
  ]);
  assert.equal(events.filter((e) => e.kind === 'ppp.end').length, 1);
});
