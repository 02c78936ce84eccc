/**
 * Silences and maintenance windows: one-off and recurring (cron in an IANA zone), across the DST
 * changes of Europe/Berlin (last Sunday of March: 02:00 CET -> 03:00 CEST; last Sunday of October:
 * 03:00 CEST -> 02:00 CET). Muted alerts are kept and shown, never notified.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronWindow, parseMatcher } from '../../src/alerts/index.js';
import { MIN, SEC, T0, run, setup, tr } from './helpers.js';

const at = (iso: string) => Date.parse(iso);

test('weekly Sunday 02:30 Berlin window, 1h: normal week, spring forward, fall back', () => {
  const w = new CronWindow('30 2 * * 0', 'Europe/Berlin', 60 * MIN);
  // A normal winter Sunday: 02:30 CET = 01:30Z, until 02:30Z.
  assert.equal(w.activeAt(at('2026-03-22T01:29:00Z')), false);
  assert.equal(w.activeAt(at('2026-03-22T01:30:00Z')), true);
  assert.equal(w.activeAt(at('2026-03-22T02:29:59Z')), true);
  assert.equal(w.activeAt(at('2026-03-22T02:30:00Z')), false);
  // 29 March 2026: 02:30 local does not exist; the window starts when the gap ends, 03:00 CEST = 01:00Z.
  assert.equal(w.activeAt(at('2026-03-29T00:59:00Z')), false);
  assert.equal(w.activeAt(at('2026-03-29T01:00:00Z')), true, 'not skipped on the DST day');
  assert.equal(w.activeAt(at('2026-03-29T01:59:00Z')), true);
  assert.equal(w.activeAt(at('2026-03-29T02:00:00Z')), false);
  // A summer Sunday: 02:30 CEST = 00:30Z.
  assert.equal(w.activeAt(at('2026-04-05T00:30:00Z')), true);
  assert.equal(w.activeAt(at('2026-04-05T01:30:00Z')), false);
  // 25 October 2026: 02:30 happens twice (00:30Z CEST and 01:30Z CET); the window runs from the
  // first until an hour after the second.
  assert.equal(w.activeAt(at('2026-10-25T00:29:00Z')), false);
  assert.equal(w.activeAt(at('2026-10-25T00:30:00Z')), true);
  assert.equal(w.activeAt(at('2026-10-25T01:45:00Z')), true);
  assert.equal(w.activeAt(at('2026-10-25T02:29:00Z')), true);
  assert.equal(w.activeAt(at('2026-10-25T02:30:00Z')), false);
  // Weekdays are local weekdays: Saturday 23:30Z is already Sunday in Berlin but not 02:30.
  assert.equal(w.activeAt(at('2026-03-21T23:30:00Z')), false);
});

test('daily window in another zone and day-of-month/day-of-week OR rule', () => {
  const ny = new CronWindow('0 22 * * *', 'America/New_York', 2 * 60 * MIN);
  // 22:00 EST (UTC-5) = 03:00Z next day; after 1 Nov 2026 fall back.
  assert.equal(ny.activeAt(at('2026-11-24T03:00:00Z')), true);
  assert.equal(ny.activeAt(at('2026-11-24T04:59:00Z')), true);
  assert.equal(ny.activeAt(at('2026-11-24T05:00:00Z')), false);
  // 22:00 EDT (UTC-4) in summer = 02:00Z.
  assert.equal(ny.activeAt(at('2026-07-01T02:00:00Z')), true);
  assert.equal(ny.activeAt(at('2026-07-01T01:59:00Z')), false);
  const orRule = new CronWindow('0 12 1 * 1', 'UTC', 30 * MIN);
  assert.equal(orRule.activeAt(at('2026-12-01T12:10:00Z')), true, 'day 1 (a Tuesday)');
  assert.equal(orRule.activeAt(at('2026-11-30T12:10:00Z')), true, 'a Monday');
  assert.equal(orRule.activeAt(at('2026-12-02T12:10:00Z')), false);
});

test('a one-off silence mutes matching alerts: kept and shown, not notified; notified once it ends', () => {
  const { am, sent } = setup({ groupWait: '10s' });
  am.silences.add({
    id: 's1',
    matchers: [parseMatcher('alertname=~"cpu-.*"'), parseMatcher('host="vpn1"')],
    startsAt: new Date(T0).toISOString(),
    endsAt: new Date(T0 + 30 * MIN).toISOString(),
    createdBy: 'alice',
    createdAt: new Date(T0).toISOString(),
  });
  am.receive([tr('cpu-high', 'firing', T0, { severity: 'warning' })]);
  am.receive([tr('cpu-high', 'firing', T0, { severity: 'warning', labels: { host: 'vpn2' } })]);
  run(am, T0, T0 + 29 * MIN, 30 * SEC);
  assert.deepEqual(
    sent.map((n) => n.root.labels.host),
    ['vpn2'],
  );
  const muted = am.list().find((a) => a.labels.host === 'vpn1');
  assert.deepEqual(muted?.silencedBy, ['s1'], 'shown with the silence that mutes it');
  run(am, T0 + 30 * MIN, T0 + 31 * MIN, 30 * SEC);
  assert.deepEqual(
    sent.map((n) => n.root.labels.host),
    ['vpn2', 'vpn1'],
  );
  assert.deepEqual(muted?.silencedBy, []);
});

test('a recurring maintenance window from config mutes only inside its windows (across DST)', () => {
  const { am, sent } = setup({
    groupWait: '0s',
    repeatInterval: '24h',
    silences: [
      {
        id: 'sunday-maintenance',
        matchers: ['host="vpn1"'],
        schedule: { cron: '30 2 * * 0', timezone: 'Europe/Berlin', duration: '1h' },
        comment: 'weekly patching',
      },
    ],
  });
  // The DST Sunday: pptpd restarted during the maintenance hour (03:00-04:00 CEST = 01:00-02:00Z).
  const start = at('2026-03-29T01:05:00Z');
  am.receive([tr('pptpd-down', 'firing', start)]);
  run(am, start, at('2026-03-29T01:59:00Z'), MIN);
  assert.equal(sent.length, 0, 'inside the window');
  am.receive([tr('pptpd-down', 'resolved', at('2026-03-29T01:30:00Z'))]);
  am.receive([tr('pptpd-down', 'firing', at('2026-03-29T01:40:00Z'))]);
  run(am, at('2026-03-29T01:40:00Z'), at('2026-03-29T01:59:00Z'), MIN);
  assert.equal(sent.length, 0);
  am.tick(at('2026-03-29T02:00:00Z'));
  assert.equal(sent.length, 1, 'still down when the window closed: now notified');
  assert.equal(sent[0]?.root.rule, 'pptpd-down');
});
