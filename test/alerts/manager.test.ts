/** Alert lifecycle with an injected clock: dedup, group wait, root-cause grouping, repeat, escalation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/index.js';
import { parseAlertPolicy } from '../../src/alerts/index.js';
import { MIN, SEC, T0, run, setup, tr } from './helpers.js';

test('firing -> one notification after group wait, deduplicated, then resolved', () => {
  const { am, sent } = setup({ groupWait: '30s' });
  am.receive([tr('cpu-high', 'firing', T0, { severity: 'warning' })]);
  am.receive([tr('cpu-high', 'firing', T0 + 5 * SEC, { severity: 'warning' })]);
  run(am, T0, T0 + 29 * SEC);
  assert.equal(sent.length, 0, 'held for group wait');
  run(am, T0 + 30 * SEC, T0 + 2 * MIN);
  assert.equal(sent.length, 1, 'the same fingerprint twice is one alert');
  assert.equal(sent[0]?.reason, 'new');
  assert.equal(sent[0]?.severity, 'warning');
  assert.deepEqual(sent[0]?.receivers, ['default']);
  am.receive([tr('cpu-high', 'firing', T0 + 3 * MIN, { severity: 'critical' })]);
  am.tick(T0 + 3 * MIN);
  assert.equal(sent.at(-1)?.reason, 'update', 'escalating severity is told at once');
  assert.equal(sent.at(-1)?.severity, 'critical');
  am.receive([tr('cpu-high', 'resolved', T0 + 4 * MIN)]);
  am.tick(T0 + 4 * MIN);
  assert.equal(sent.at(-1)?.reason, 'resolved');
  assert.equal(sent.at(-1)?.status, 'resolved');
  assert.equal(sent.length, 3);
  assert.equal(am.list()[0]?.status, 'resolved', 'resolved alerts stay visible');
  run(am, T0 + 5 * MIN, T0 + 70 * MIN, MIN);
  assert.equal(am.list().length, 0, 'and are dropped after keepResolved');
});

test('an alert resolved within group wait is never notified', () => {
  const { am, sent } = setup();
  am.receive([tr('cpu-high', 'firing', T0)]);
  am.tick(T0 + 10 * SEC);
  am.receive([tr('cpu-high', 'resolved', T0 + 20 * SEC)]);
  run(am, T0 + 20 * SEC, T0 + 5 * MIN);
  assert.equal(sent.length, 0);
});

test('pptpd down explains session drops, TCP 1723 and login probes: one notification, root first', () => {
  const { am, sent } = setup();
  // The symptoms arrive first (logs are faster than the process collector).
  am.receive([tr('session-drop', 'firing', T0, { severity: 'critical' })]);
  am.receive([tr('tcp-1723-down', 'firing', T0 + 2 * SEC, { labels: { target: '192.0.2.1' } })]);
  am.receive([
    tr('login-probe-fail', 'firing', T0 + 3 * SEC, { severity: 'warning', labels: { target: '192.0.2.1' } }),
  ]);
  am.receive([tr('pptpd-down', 'firing', T0 + 5 * SEC)]);
  // Another host's session drop is not explained by this host's pptpd.
  am.receive([tr('session-drop', 'firing', T0 + 5 * SEC, { labels: { host: 'vpn2' }, severity: 'warning' })]);
  run(am, T0, T0 + 2 * MIN);
  assert.equal(sent.length, 2);
  const n = sent.find((x) => x.root.labels.host === 'vpn1');
  assert.ok(n);
  assert.equal(n.root.rule, 'pptpd-down');
  assert.deepEqual(n.explains.map((e) => e.rule).sort(), [
    'login-probe-fail',
    'session-drop',
    'tcp-1723-down',
  ]);
  assert.match(n.title, /^\[CRITICAL\] pptpd-down on vpn1: .*\(explains 3: /);
  const other = sent.find((x) => x.root.labels.host === 'vpn2');
  assert.equal(other?.root.rule, 'session-drop');
  assert.deepEqual(other?.explains, []);
  const explained = am.list().filter((a) => a.explainedBy !== undefined);
  assert.equal(explained.length, 3, 'explained alerts are kept and shown');
});

test('when the root resolves, what it explained gets a fresh group wait, then stands alone', () => {
  const { am, sent } = setup({ groupWait: '30s' });
  am.receive([tr('pptpd-down', 'firing', T0), tr('session-drop', 'firing', T0)]);
  run(am, T0, T0 + MIN);
  assert.equal(sent.length, 1);
  am.receive([tr('pptpd-down', 'resolved', T0 + 2 * MIN)]);
  am.tick(T0 + 2 * MIN);
  assert.equal(sent.at(-1)?.reason, 'resolved');
  assert.deepEqual(
    sent.at(-1)?.explains.map((e) => e.rule),
    ['session-drop'],
  );
  am.receive([tr('session-drop', 'resolved', T0 + 2 * MIN + 10 * SEC)]);
  run(am, T0 + 2 * MIN, T0 + 5 * MIN);
  assert.equal(sent.length, 2, 'the session drop that cleared within the new group wait is not paged alone');
});

test('RADIUS down groups the auth-failure spike; host down groups everything on the host', () => {
  const { am, sent } = setup();
  am.receive([
    tr('auth-fail-per-peer', 'firing', T0, { labels: { peer: '198.51.100.7' } }),
    tr('auth-fail-per-user', 'firing', T0, { severity: 'warning', labels: { user: 'alice' } }),
    tr('radius-down', 'firing', T0 + SEC, { labels: { target: '127.0.0.1' } }),
  ]);
  run(am, T0, T0 + MIN);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.root.rule, 'radius-down');
  assert.deepEqual(sent[0]?.explains.map((e) => e.rule).sort(), ['auth-fail-per-peer', 'auth-fail-per-user']);

  const h = setup();
  h.am.receive([
    tr('pptpd-down', 'firing', T0),
    tr('session-drop', 'firing', T0),
    tr('cpu-high', 'firing', T0, { severity: 'warning' }),
    tr('host-down', 'firing', T0 + 10 * SEC),
  ]);
  run(h.am, T0, T0 + MIN);
  assert.equal(h.sent.length, 1);
  assert.equal(h.sent[0]?.root.rule, 'host-down');
  assert.deepEqual(h.sent[0]?.explains.map((e) => e.rule).sort(), ['cpu-high', 'pptpd-down', 'session-drop']);
});

test('repeat interval reminds while firing and unacknowledged', () => {
  const { am, sent } = setup({ groupWait: '0s', repeatInterval: '1h' });
  am.receive([tr('pptpd-down', 'firing', T0)]);
  run(am, T0, T0 + 3 * 60 * MIN + SEC, MIN);
  assert.deepEqual(
    sent.map((n) => n.reason),
    ['new', 'repeat', 'repeat', 'repeat'],
  );
  assert.deepEqual(
    sent.map((n) => Date.parse(n.ts) - T0),
    [0, 60 * MIN, 120 * MIN, 180 * MIN],
  );
  assert.ok(am.acknowledge({ fingerprint: sent[0]?.groupKey ?? '', by: 'ops', atMs: T0 + 181 * MIN }));
  run(am, T0 + 181 * MIN, T0 + 6 * 60 * MIN, MIN);
  assert.equal(sent.length, 4, 'acknowledged: no more reminders');
});

test('escalation walks the chain with its delays and stops at acknowledgement; a lapsed ack resumes it', () => {
  const { am, sent } = setup({
    groupWait: '0s',
    repeatInterval: '24h',
    routes: [
      {
        match: ['component="pptpd"'],
        chain: [
          { receiver: 'oncall', after: '0s' },
          { receiver: 'team-lead', after: '15m' },
          { receiver: 'head-of-ops', after: '30m' },
        ],
      },
    ],
  });
  am.receive([tr('pptpd-down', 'firing', T0, { labels: { component: 'pptpd' } })]);
  run(am, T0, T0 + 14 * MIN, MIN);
  assert.deepEqual(
    sent.map((n) => n.receivers),
    [['oncall']],
  );
  run(am, T0 + 15 * MIN, T0 + 16 * MIN, MIN);
  assert.deepEqual(
    sent.map((n) => [n.reason, n.receivers, n.escalationStep]),
    [
      ['new', ['oncall'], 0],
      ['escalation', ['team-lead'], 1],
    ],
  );
  const fp = sent[0]?.groupKey ?? '';
  am.acknowledge({ fingerprint: fp, by: 'lead', atMs: T0 + 20 * MIN, untilMs: T0 + 45 * MIN });
  run(am, T0 + 20 * MIN, T0 + 44 * MIN, MIN);
  assert.equal(sent.length, 2, 'acknowledged before the 30m step: nobody else paged');
  am.tick(T0 + 45 * MIN);
  assert.deepEqual(sent.at(-1)?.receivers, ['head-of-ops'], 'the ack lapsed at 45m while still firing');
  am.receive([tr('pptpd-down', 'resolved', T0 + 50 * MIN, { labels: { component: 'pptpd' } })]);
  am.tick(T0 + 50 * MIN);
  assert.deepEqual(
    sent.at(-1)?.receivers,
    ['oncall', 'team-lead', 'head-of-ops'],
    'resolution goes to everyone paged',
  );
});

test('acknowledging an explained alert acknowledges its root', () => {
  const { am, sent } = setup({ groupWait: '0s', repeatInterval: '10m' });
  am.receive([tr('pptpd-down', 'firing', T0), tr('session-drop', 'firing', T0)]);
  am.tick(T0);
  const explained = am.list().find((a) => a.rule === 'session-drop');
  assert.ok(explained && am.acknowledge({ fingerprint: explained.fingerprint, by: 'ops', atMs: T0 + MIN }));
  run(am, T0, T0 + 60 * MIN, MIN);
  assert.equal(sent.length, 1);
});

test('policy errors name the field', () => {
  assert.throws(
    () =>
      parseAlertPolicy({
        groupWait: '30 seconds',
        inhibit: [{ source: ['alertname~foo'], target: ['x="y"'] }],
      }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /groupWait: expected a duration like "2m", got "30 seconds"/.test(e.message) &&
      /inhibit\[0\]\.source\[0\]: expected a matcher like/.test(e.message),
  );
  assert.throws(
    () =>
      parseAlertPolicy({
        silences: [
          {
            id: 'm',
            matchers: ['host="vpn1"'],
            schedule: { cron: '30 2 * *', timezone: 'Europe/Berlin', duration: '1h' },
          },
        ],
      }),
    /silences\[0\]\.schedule: cron "30 2 \* \*": expected 5 fields/,
  );
  assert.throws(
    () =>
      parseAlertPolicy({
        silences: [
          {
            id: 'm',
            matchers: ['host="vpn1"'],
            schedule: { cron: '30 2 * * 0', timezone: 'Europe/Berlinn', duration: '1h' },
          },
        ],
      }),
    /unknown time zone "Europe\/Berlinn"/,
  );
});
