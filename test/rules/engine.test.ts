/** The rule engine with an injected clock: sustain, windows, absence, state quorum, baseline, users. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/index.js';
import { RuleEngine, parseRulesText, type RuleTransition } from '../../src/rules/index.js';
import { DURATION_SCAN_CHUNK } from '../../src/rules/eval/user-limit.js';
import { RateEvaluator } from '../../src/rules/eval/rate.js';
import { SessionTracker, parseRules } from '../../src/rules/index.js';
import { MIN, SEC, T0, ev } from './events.js';

function engine(yaml: string): RuleEngine {
  return new RuleEngine(parseRulesText(`rules:\n${yaml}`));
}
/** Level changes only (refreshes of a firing alert's value are not transitions). */
const brief = (ts: RuleTransition[]) =>
  ts.filter((t) => !t.refresh).map((t) => `${t.status}:${t.severity}:${t.rule}`);

test('duplicate rule names are refused', () => {
  assert.throws(
    () =>
      engine(`  - { name: a, type: rate, match: { kind: auth.fail }, window: 1m, warning: 1 }
  - { name: a, type: rate, match: { kind: auth.fail }, window: 1m, warning: 1 }`),
    (e: unknown) =>
      e instanceof ConfigError && /rules\[1\]\.name: duplicate name \(also rules\[0\]\)/.test(e.message),
  );
});

test('threshold with for: fires only after the level held, escalates, and resolves', () => {
  const e = engine(
    `  - { name: cpu, type: threshold, match: { kind: sys.sample }, value: attrs.cpuPct, warning: 80, critical: 95, for: 2m, summary: 'CPU {{value}}% on {{host}}' }`,
  );
  const s = (at: number, cpu: number) =>
    e.ingest(ev('sys.sample', at, { cpuPct: cpu, memPct: 1, diskPct: 1, load1: 0 }));
  assert.deepEqual(s(0, 85), []);
  assert.deepEqual(s(60 * SEC, 90), []);
  assert.deepEqual(brief(e.tick(T0 + 119 * SEC)), [], 'not yet 2m');
  const fired = e.tick(T0 + 120 * SEC);
  assert.deepEqual(brief(fired), ['firing:warning:cpu']);
  assert.equal(fired[0]?.summary, 'CPU 90% on vpn1');
  assert.deepEqual(fired[0]?.labels, { host: 'vpn1', alertname: 'cpu' });
  // A dip below resets the sustain: a transient spike never pages.
  assert.deepEqual(s(130 * SEC, 97), []);
  assert.deepEqual(brief(e.tick(T0 + 249 * SEC)), [], 'critical pending its own 2m');
  assert.deepEqual(brief(e.tick(T0 + 250 * SEC)), ['firing:critical:cpu']);
  assert.deepEqual(brief(s(260 * SEC, 10)), ['resolved:critical:cpu']);
  assert.deepEqual(brief(e.tick(T0 + 600 * SEC)), []);
});

test('threshold mode increase: counter rises alert, counter resets do not', () => {
  const e = engine(
    `  - { name: nic, type: threshold, match: { kind: net.iface.sample }, value: attrs.rxErrors, mode: increase, groupBy: [host, attrs.iface], warning: 0, critical: 100 }`,
  );
  const s = (at: number, rx: number, iface = 'eth0') =>
    brief(
      e.ingest(
        ev('net.iface.sample', at, {
          iface,
          rxBytes: 0,
          txBytes: 0,
          rxErrors: rx,
          txErrors: 0,
          rxDropped: 0,
          txDropped: 0,
        }),
      ),
    );
  assert.deepEqual(s(0, 1000), [], 'first sample has no increase');
  assert.deepEqual(s(10 * SEC, 1000), []);
  assert.deepEqual(s(20 * SEC, 1005), ['firing:warning:nic']);
  assert.deepEqual(s(30 * SEC, 1500), ['firing:critical:nic']);
  assert.deepEqual(s(40 * SEC, 3), ['resolved:critical:nic'], 'a reset is not a rise');
  assert.deepEqual(s(50 * SEC, 10, 'eth1'), [], 'other iface is its own group');
});

test('rate per peer over a sliding 1m window: warning, critical, decay to resolved', () => {
  const e = engine(
    `  - { name: af, type: rate, match: { kind: auth.fail }, groupBy: [host, peer], window: 1m, warning: 10, critical: 50 }`,
  );
  const fail = (at: number, peer: string) =>
    e.ingest(ev('auth.fail', at, { reason: 'bad_password' }, { peer, raw: `fail from ${peer}` }));
  const out: RuleTransition[] = [];
  for (let i = 0; i < 10; i++) out.push(...fail(i * 100, '198.51.100.7'));
  assert.equal(out.length, 0, '10 is not more than 10');
  out.push(...fail(1100, '198.51.100.7'));
  assert.deepEqual(brief(out), ['firing:warning:af']);
  assert.deepEqual(out[0]?.labels, { host: 'vpn1', peer: '198.51.100.7', alertname: 'af' });
  assert.equal(out[0]?.evidence.at(-1)?.raw, 'fail from 198.51.100.7');
  // Another peer is counted apart; a failure without a peer is not attributed to anyone.
  for (let i = 0; i < 10; i++) assert.deepEqual(fail(2000 + i, '203.0.113.9'), []);
  assert.deepEqual(e.ingest(ev('auth.fail', 3000, { reason: 'bad_password' })), []);
  const burst: RuleTransition[] = [];
  for (let i = 0; i < 40; i++) burst.push(...fail(5000 + i, '198.51.100.7'));
  assert.deepEqual(brief(burst), ['firing:critical:af']);
  assert.deepEqual(fail(6000, '198.51.100.7'), [], 'a 52nd failure changes no level');
  const refresh = e.tick(T0 + 50 * SEC);
  assert.deepEqual(brief(refresh), [], 'still inside the window');
  assert.deepEqual(
    refresh.map((t) => [t.refresh, t.value]),
    [[true, 52]],
    'a firing alert is refreshed with its newest count (at most every 5 s)',
  );
  assert.deepEqual(e.tick(T0 + 51 * SEC), [], 'nothing moved: no refresh');
  const later = e.tick(T0 + 2 * MIN);
  assert.deepEqual(brief(later), ['resolved:critical:af'], 'the window emptied: resolved');
});

test('rate: counts carry across counter generations; a firing group resolves by decay after rotations', () => {
  const e = engine(
    `  - { name: af, type: rate, match: { kind: auth.fail }, groupBy: [host, peer], window: 1m, warning: 5 }`,
  );
  const fail = (at: number, peer: string) =>
    e.ingest(ev('auth.fail', at, { reason: 'bad_password' }, { peer }));
  // 4 failures late in one generation, 2 early in the next (another peer's event rotates it):
  // all 6 are inside one window, so the level is crossed.
  fail(0, '203.0.113.1');
  for (let i = 0; i < 4; i++) fail(50 * SEC + i, '198.51.100.7');
  assert.deepEqual(fail(61 * SEC, '203.0.113.1'), []);
  assert.deepEqual(fail(62 * SEC, '198.51.100.7'), []);
  assert.deepEqual(brief(fail(63 * SEC, '198.51.100.7')), ['firing:warning:af']);
  // Many one-off peers rotate generations twice; the firing group stays known and resolves by decay.
  for (let g = 0; g < 2; g++)
    for (let i = 0; i < 500; i++) fail((130 + g * 61) * SEC + i, `10.0.${g}.${i % 250}`);
  const later = e.tick(T0 + 4 * MIN);
  assert.deepEqual(brief(later), ['resolved:warning:af']);
  assert.equal(later[0]?.labels.peer, '198.51.100.7');
});

test('rate: one-off groups leave with their generation; memory stays bounded', () => {
  const [spec] = parseRules({
    rules: [
      {
        name: 'af',
        type: 'rate',
        match: { kind: 'auth.fail' },
        groupBy: ['host', 'peer'],
        window: '1m',
        warning: 100,
      },
    ],
  });
  if (spec?.type !== 'rate') throw new Error('rate spec expected');
  const r = new RateEvaluator(spec, { sessions: new SessionTracker(), maxGroups: 100_000 });
  // 20 new peers a second for 10 minutes: 1,200 peers active in any 1-minute window.
  let maxSize = 0;
  for (let i = 0; i < 12_000; i++) {
    const peer = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    r.onEvent(ev('auth.fail', i * 50, { reason: 'bad_password' }, { peer }), T0 + i * 50, []);
    maxSize = Math.max(maxSize, r.size);
  }
  assert.ok(maxSize <= 2 * 1200 + 20, `at most two windows of groups, saw ${maxSize}`);
  // A quiet rule still sheds them: two rotations on ticks.
  r.tick(T0 + 11 * MIN, []);
  r.tick(T0 + 12 * MIN + 1, []);
  assert.equal(r.size, 0);
});

test('rate: at maxGroups older groups make room (never more than maxGroups); a hot group keeps its count', () => {
  const [spec] = parseRules({
    rules: [
      {
        name: 'af',
        type: 'rate',
        match: { kind: 'auth.fail' },
        groupBy: ['host', 'peer'],
        window: '1m',
        warning: 2,
      },
    ],
  });
  if (spec?.type !== 'rate') throw new Error('rate spec expected');
  const r = new RateEvaluator(spec, { sessions: new SessionTracker(), maxGroups: 3 });
  const out: RuleTransition[] = [];
  const fail = (at: number, peer: string) =>
    r.onEvent(ev('auth.fail', at, { reason: 'bad_password' }, { peer }), T0 + at, out);
  for (let i = 0; i < 3; i++) fail(i, 'hot');
  assert.deepEqual(brief(out), ['firing:warning:af']);
  for (let i = 0; i < 10; i++) {
    fail(100 + i, `cold${i}`);
    assert.ok(r.size <= 3, `never more than maxGroups, saw ${r.size}`);
  }
  fail(200, 'hot');
  const refresh: RuleTransition[] = [];
  r.tick(T0 + 6 * SEC, refresh);
  assert.deepEqual(
    refresh.map((t) => [t.labels.peer, t.value]),
    [['hot', 4]],
    'the hot group kept its count through the evictions',
  );
});

test('absence: no successful probe of a target for 2m fires and a success clears it', () => {
  const e = engine(
    `  - { name: silent, type: absence, match: { kind: probe.*, where: { attrs.ok: true } }, groupBy: [host, attrs.target], for: 2m }`,
  );
  const probe = (at: number, ok: boolean) =>
    e.ingest(
      ev(
        'probe.login',
        at,
        { ok, ms: 10, vantage: 'v1', target: '192.0.2.1', ...(ok ? {} : { stage: 'lcp' as const }) },
        { raw: ok ? 'ok' : 'lcp timeout' },
      ),
    );
  assert.deepEqual(brief(e.tick(T0 + 10 * MIN)), [], 'an unknown target cannot be missing');
  assert.deepEqual(probe(0, true), []);
  assert.deepEqual(probe(60 * SEC, false), []);
  assert.deepEqual(brief(e.tick(T0 + 119 * SEC)), []);
  const fired = e.tick(T0 + 120 * SEC);
  assert.deepEqual(brief(fired), ['firing:critical:silent']);
  assert.equal(fired[0]?.evidence[0]?.stage, 'lcp', 'the failing stage is evidence');
  assert.deepEqual(brief(probe(130 * SEC, true)), ['resolved:critical:silent']);
});

test('state with quorum: all vantages down is critical, some is a warning', () => {
  const e = engine(
    `  - { name: tcp, type: state, down: { kind: probe.tcp, where: { attrs.ok: false } }, up: { kind: probe.tcp, where: { attrs.ok: true } }, across: attrs.vantage, groupBy: [host, attrs.target] }`,
  );
  const p = (at: number, vantage: string, ok: boolean) =>
    brief(e.ingest(ev('probe.tcp', at, { ok, ms: 5, vantage, target: '192.0.2.1' })));
  assert.deepEqual(p(0, 'a', true), []);
  assert.deepEqual(p(1, 'b', true), []);
  assert.deepEqual(p(2, 'a', false), ['firing:warning:tcp']);
  assert.deepEqual(p(3, 'b', false), ['firing:critical:tcp']);
  assert.deepEqual(p(4, 'a', true), ['firing:warning:tcp']);
  assert.deepEqual(p(5, 'b', true), ['resolved:warning:tcp']);
});

test('state: process down is immediately critical; one-shot events clear after clearAfter', () => {
  const e =
    engine(`  - { name: pptpd-down, type: state, down: { kind: proc.down, where: { attrs.name: pptpd } }, up: { kind: proc.up, where: { attrs.name: pptpd } } }
  - { name: cfg, type: state, down: { kind: sec.config.change }, groupBy: [host, attrs.file], clearAfter: 30m, severity: warning }`);
  assert.deepEqual(brief(e.ingest(ev('proc.down', 0, { name: 'pppd', pid: 9 }))), []);
  assert.deepEqual(brief(e.ingest(ev('proc.down', 0, { name: 'pptpd', pid: 1 }))), [
    'firing:critical:pptpd-down',
  ]);
  assert.deepEqual(brief(e.ingest(ev('proc.up', SEC, { name: 'pptpd', pid: 2 }))), [
    'resolved:critical:pptpd-down',
  ]);
  const c = e.ingest(ev('sec.config.change', 0, { file: '/etc/ppp/chap-secrets', summary: '+1 line' }));
  assert.deepEqual(c[0]?.labels.file, '/etc/ppp/chap-secrets');
  assert.deepEqual(brief(e.tick(T0 + 29 * MIN)), []);
  assert.deepEqual(brief(e.tick(T0 + 30 * MIN)), ['resolved:warning:cfg']);
});

/** Opens `n` sessions on vpn1 at `at` (ids prefixed by `tag`), each with a user. */
function openSessions(
  e: RuleEngine,
  at: number,
  n: number,
  tag: string,
  user = (i: number) => `u${i}`,
): RuleTransition[] {
  const out: RuleTransition[] = [];
  for (let i = 0; i < n; i++) {
    const session = `${tag}-${i}`;
    out.push(...e.ingest(ev('auth.ok', at, { user: user(i) }, { session, user: user(i) })));
    out.push(...e.ingest(ev('ppp.ipcp.up', at, { local: '10.0.0.1', remote: '10.0.0.2' }, { session })));
  }
  return out;
}
function closeSessions(e: RuleEngine, at: number, n: number, tag: string): RuleTransition[] {
  const out: RuleTransition[] = [];
  for (let i = 0; i < n; i++)
    out.push(...e.ingest(ev('ppp.end', at, { cause: 'user_disconnect' }, { session: `${tag}-${i}` })));
  return out;
}

test('baseline: silent without 5 days of history, then a drop of 3 sigma alerts', () => {
  const e = engine(`  - { name: base, type: baseline, sigma: 3, minDays: 5, minDelta: 5 }`);
  const HOUR = 60 * MIN;
  const DAY = 24 * HOUR;
  const counts = [100, 104, 98, 102, 96, 101];
  // Day -6 .. -1 at 10:00-11:00, sampled each minute by tick.
  counts.forEach((n, d) => {
    const start = (d - 6) * DAY;
    openSessions(e, start, n, `d${d}`);
    for (let m = 0; m < 60; m++) e.tick(T0 + start + m * MIN);
    closeSessions(e, start + HOUR, n, `d${d}`);
  });
  openSessions(e, 0, 100, 'today');
  assert.deepEqual(brief(e.tick(T0 + MIN)), [], 'normal load');
  const drop = closeSessions(e, 2 * MIN, 70, 'today');
  // Same hour of the last 6 days: mean 100.2, sd 2.9; 3 sigma is 8.8 sessions, so 91 is the first
  // count that fires (92 does not).
  assert.deepEqual(brief(drop), ['firing:warning:base']);
  assert.equal(drop[0]?.value, 91);

  const fresh = engine(`  - { name: base, type: baseline, sigma: 3, minDays: 5 }`);
  counts.slice(0, 4).forEach((n, d) => {
    openSessions(fresh, (d - 4) * DAY, n, `d${d}`);
    for (let m = 0; m < 60; m++) fresh.tick(T0 + (d - 4) * DAY + m * MIN);
    closeSessions(fresh, (d - 4) * DAY + HOUR, n, `d${d}`);
  });
  openSessions(fresh, 0, 5, 'today');
  assert.deepEqual(fresh.tick(T0 + MIN), [], 'minimum-data rule: 4 days is not enough');
});

test('baseline history can be seeded from the store after a restart', () => {
  const e = engine(`  - { name: base, type: baseline, direction: spike, sigma: 3, minDays: 5 }`);
  const HOUR = 60 * MIN;
  const points = [1, 2, 3, 4, 5, 6, 7].map((d) => ({ hourStartMs: T0 - d * 24 * HOUR, avg: 10 + (d % 2) }));
  assert.equal(e.seedBaseline('base', 'vpn1', points), true);
  assert.deepEqual(brief(openSessions(e, 0, 40, 's')).at(-1), 'firing:warning:base');
});

test('per-user limits: concurrent sessions and sessions far longer than the user mean', () => {
  const e = engine(`  - { name: conc, type: user_limit, maxConcurrent: 2, criticalConcurrent: 4 }
  - { name: long, type: user_limit, maxDuration: 24h, durationFactor: 10, minSessions: 3 }`);
  const out = openSessions(e, 0, 3, 'a', () => 'alice');
  assert.deepEqual(brief(out), ['firing:warning:conc']);
  assert.deepEqual(out[0]?.labels.user, 'alice');
  assert.deepEqual(brief(openSessions(e, SEC, 2, 'b', () => 'alice')), ['firing:critical:conc']);
  assert.deepEqual(brief(closeSessions(e, 2 * SEC, 2, 'b')), ['firing:warning:conc']);
  assert.deepEqual(brief(closeSessions(e, 3 * SEC, 3, 'a')), ['resolved:warning:conc']);
  // bob: three 10-minute sessions, then one open for 101 minutes (> 10 x mean).
  for (let i = 0; i < 3; i++) {
    openSessions(e, i * 20 * MIN, 1, `bob${i}`, () => 'bob');
    e.ingest(
      ev(
        'ppp.end',
        i * 20 * MIN + 10 * MIN,
        { seconds: 600, cause: 'user_disconnect' },
        { session: `bob${i}-0` },
      ),
    );
  }
  openSessions(e, 60 * MIN, 1, 'bobx', () => 'bob');
  assert.deepEqual(brief(e.tick(T0 + 159 * MIN)), []);
  const long = e.tick(T0 + 161 * MIN);
  assert.deepEqual(brief(long), ['firing:warning:long']);
  assert.equal(long[0]?.labels.session, 'bobx-0');
  assert.deepEqual(
    brief(e.ingest(ev('ppp.end', 162 * MIN, { cause: 'user_disconnect' }, { session: 'bobx-0' }))),
    ['resolved:warning:long'],
  );
});

test('the duration scan covers every open session in chunks across ticks', () => {
  const e = engine(`  - { name: long, type: user_limit, maxDuration: 1h }`);
  const n = 2 * DURATION_SCAN_CHUNK + 500;
  openSessions(e, 0, n, 's');
  const perTick: number[] = [];
  for (let k = 0; k < 4; k++) perTick.push(brief(e.tick(T0 + 61 * MIN + k * 50)).length);
  assert.deepEqual(perTick, [DURATION_SCAN_CHUNK, DURATION_SCAN_CHUNK, 500, 0]);
});

test('bad event time is counted, not evaluated', () => {
  const e = engine(`  - { name: d, type: state, down: { kind: proc.down }, up: { kind: proc.up } }`);
  const bad = { ...ev('proc.down', 0, { name: 'x', pid: 1 }), ts: 'yesterday' };
  assert.deepEqual(e.ingest(bad), []);
  assert.equal(e.stats.badTime, 1);
});

test('baseline in a time zone compares the same local hour across a DST change', () => {
  // Days before 29 March 2026 (CET, UTC+1): 10 sessions at 08:00 local, 100 at 09:00 local.
  const seed = (e: RuleEngine) => {
    for (let d = 23; d <= 28; d++) {
      const day = `2026-03-${String(d).padStart(2, '0')}`;
      e.seedBaseline('base', 'vpn1', [
        { hourStartMs: Date.parse(`${day}T07:00:00Z`), avg: 10 + (d % 2) },
        { hourStartMs: Date.parse(`${day}T08:00:00Z`), avg: 100 + (d % 2) },
      ]);
    }
  };
  const open100 = (e: RuleEngine) => {
    const at = Date.parse('2026-03-29T07:30:00Z') - T0; // 09:30 CEST on the DST day
    return brief(openSessions(e, at, 100, 'x'));
  };
  const local = engine(
    `  - { name: base, type: baseline, direction: spike, sigma: 3, minDays: 5, timezone: Europe/Berlin }`,
  );
  seed(local);
  assert.deepEqual(open100(local), [], '100 at 09:30 local is the usual for 09:00 local');
  const utc = engine(`  - { name: base, type: baseline, direction: spike, sigma: 3, minDays: 5 }`);
  seed(utc);
  assert.deepEqual(open100(utc).at(-1), 'firing:warning:base', 'in UTC hours 07:00Z used to be 08:00 local');
  assert.throws(
    () => engine(`  - { name: b, type: baseline, timezone: Europe/Berlinn }`),
    /rules\[0\]\.timezone: unknown time zone "Europe\/Berlinn"/,
  );
});
