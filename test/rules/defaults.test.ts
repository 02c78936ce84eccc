/**
 * The default PPTP rule pack: every rule in defaults.yaml has a scenario here, made of the events that
 * should fire it, and must fire (a rule added without a scenario fails the coverage test). Each
 * scenario runs on the whole pack, so it also shows which other rules the same events fire.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../src/events/index.js';
import { RuleEngine, loadDefaultRules, type RuleTransition } from '../../src/rules/index.js';
import { MIN, SEC, T0, ev } from './events.js';

type Step = Event | { tick: number };
interface Scenario {
  steps: () => Step[];
  severity: 'warning' | 'critical';
}

const probe = (
  kind: 'probe.tcp' | 'probe.gre' | 'probe.login' | 'probe.radius',
  at: number,
  vantage: string,
  ok: boolean,
  extra = {},
) => ev(kind, at, { ok, ms: 20, vantage, target: '192.0.2.1', ...extra });
const times = <T>(n: number, f: (i: number) => T[]): T[] => Array.from({ length: n }, (_, i) => f(i)).flat();
const iface = (at: number, rx: number, tx: number) =>
  ev('net.iface.sample', at, {
    iface: 'eth0',
    rxBytes: 0,
    txBytes: 0,
    rxErrors: rx,
    txErrors: tx,
    rxDropped: 0,
    txDropped: 0,
  });
const ipSample = (at: number, fragFails: number, reasmFails: number) =>
  ev('net.ip.sample', at, { fragCreates: 0, fragFails, reasmFails, reasmOks: 0 });
const end = (at: number, session: string, cause: 'ctrl_closed' | 'pppd_crash' | 'link_dead') =>
  ev('ppp.end', at, { cause }, { session });
const session = (at: number, id: string, user: string): Event[] => [
  ev('auth.ok', at, { user }, { session: id, user }),
  ev('ppp.ipcp.up', at, {}, { session: id, user }),
];

const SCENARIOS: Record<string, Scenario> = {
  'tcp-1723-down': {
    severity: 'critical',
    steps: () => [probe('probe.tcp', 0, 'a', false), probe('probe.tcp', 1, 'b', false)],
  },
  'gre-blocked': { severity: 'critical', steps: () => [probe('probe.gre', 0, 'a', false, { stage: 'gre' })] },
  'lcp-timeouts': {
    severity: 'critical',
    steps: () => times(11, (i) => [ev('ppp.lcp.timeout', i * SEC, {})]),
  },
  'login-probe-fail': {
    severity: 'warning',
    steps: () => [probe('probe.login', 0, 'a', true), probe('probe.login', 1, 'b', false, { stage: 'auth' })],
  },
  'probes-silent': {
    severity: 'critical',
    steps: () => [
      probe('probe.tcp', 0, 'a', true),
      probe('probe.tcp', 60 * SEC, 'a', false),
      { tick: 2 * MIN },
    ],
  },
  'pptpd-down': {
    severity: 'critical',
    steps: () => [ev('proc.down', 0, { name: 'pptpd', pid: 700, signal: 'SIGSEGV' })],
  },
  'pptpd-crash': {
    severity: 'critical',
    steps: () => times(11, (i) => [end(i * 100, `s${i}`, 'ctrl_closed')]),
  },
  'pppd-orphans': {
    severity: 'critical',
    steps: () => times(11, (i) => [ev('proc.orphan', i * 100, { name: 'pppd', pid: 3000 + i, ppid: 1 })]),
  },
  'pptpd-restart-storm': {
    severity: 'critical',
    steps: () => times(5, (i) => [ev('pptp.server.start', i * MIN, {})]),
  },
  'process-restart-storm': {
    severity: 'critical',
    steps: () => [ev('proc.restart', 0, { name: 'pptpd', count: 6, windowSeconds: 600 })],
  },
  'pppd-crash': { severity: 'warning', steps: () => [end(0, 'x', 'pppd_crash')] },
  'connection-limit': {
    severity: 'warning',
    steps: () => [
      ev(
        'pptp.limit',
        0,
        { message: 'MGR: No free connection slots or IPs - no more clients can connect!' },
        { severity: 'critical' },
      ),
    ],
  },
  'host-down': {
    severity: 'critical',
    steps: () => [ev('sys.sample', 0, { cpuPct: 5, memPct: 10, diskPct: 10, load1: 0.1 }), { tick: 3 * MIN }],
  },
  'session-drop': {
    severity: 'critical',
    steps: () => times(21, (i) => [end(i * 100, `s${i}`, 'link_dead')]),
  },
  'sessions-anomaly': {
    severity: 'warning',
    // 6 previous days with ~100 sessions in this hour, today 20: the baseline rule after its `for`.
    steps: () => [
      ...times(6, (d) => [
        ...times(100 + (d % 3), (i) => session((d - 6) * 24 * 60 * MIN, `d${d}-${i}`, `u${i}`)),
        ...times(60, (m) => [{ tick: (d - 6) * 24 * 60 * MIN + m * MIN }]),
        ...times(100 + (d % 3), (i) => [end((d - 6) * 24 * 60 * MIN + 61 * MIN, `d${d}-${i}`, 'link_dead')]),
      ]),
      ...times(20, (i) => session(0, `t-${i}`, `u${i}`)),
      { tick: 6 * MIN },
    ],
  },
  'session-latency': {
    severity: 'critical',
    steps: () => [...times(7, (m) => [probe('probe.login', m * MIN, 'a', true, { rttMs: 650, lossPct: 0 })])],
  },
  'session-loss': {
    severity: 'critical',
    steps: () => [...times(7, (m) => [probe('probe.login', m * MIN, 'a', true, { rttMs: 20, lossPct: 15 })])],
  },
  'auth-fail-per-peer': {
    severity: 'critical',
    steps: () =>
      times(51, (i) => [
        ev('auth.fail', i * 100, { reason: 'bad_password' }, { peer: '198.51.100.7', user: `u${i}` }),
      ]),
  },
  'auth-fail-per-user': {
    severity: 'critical',
    steps: () =>
      times(21, (i) => [
        ev(
          'auth.fail',
          i * SEC,
          { reason: 'bad_password', user: 'alice' },
          { peer: `203.0.113.${i}`, user: 'alice' },
        ),
      ]),
  },
  'radius-down': {
    severity: 'critical',
    steps: () => [probe('probe.radius', 0, 'a', false, { reason: 'timeout' })],
  },
  'radius-timeouts': {
    severity: 'critical',
    steps: () =>
      times(11, (i) => [ev('auth.backend.timeout', i * SEC, { backend: 'radius', server: '127.0.0.1' })]),
  },
  'radius-latency': {
    severity: 'critical',
    steps: () => times(4, (i) => [probe('probe.radius', i * MIN, 'a', true, { ms: 3500 })]),
  },
  'user-concurrent-sessions': {
    severity: 'critical',
    steps: () => times(11, (i) => session(i, `a${i}`, 'alice')),
  },
  'session-duration-anomaly': {
    severity: 'warning',
    steps: () => [...session(0, 'long', 'bob'), { tick: 24 * 60 * MIN + SEC }],
  },
  'cpu-high': {
    severity: 'critical',
    steps: () =>
      times(3, (i) => [ev('sys.sample', i * MIN, { cpuPct: 97, memPct: 10, diskPct: 10, load1: 4 })]),
  },
  'nic-rx-errors': { severity: 'critical', steps: () => [iface(0, 10, 0), iface(10 * SEC, 500, 0)] },
  'nic-tx-errors': { severity: 'warning', steps: () => [iface(0, 0, 10), iface(10 * SEC, 0, 12)] },
  'fragmentation-failures': {
    severity: 'warning',
    steps: () => [ipSample(0, 5, 0), ipSample(10 * SEC, 9, 0)],
  },
  'reassembly-failures': { severity: 'warning', steps: () => [ipSample(0, 0, 5), ipSample(10 * SEC, 0, 60)] },
  'mppe-downgrade': {
    severity: 'warning',
    steps: () => [ev('sec.mppe.downgrade', 0, { detail: 'client offered no MPPE' })],
  },
  'mppe-refused': {
    severity: 'warning',
    steps: () =>
      times(3, (i) => [
        ev(
          'ppp.mppe.failed',
          i * SEC,
          { reason: 'MPPE required but peer refused' },
          { peer: '198.51.100.9' },
        ),
      ]),
  },
  'config-change': {
    severity: 'warning',
    steps: () => [ev('sec.config.change', 0, { file: '/etc/ppp/chap-secrets', summary: '1 line changed' })],
  },
  bruteforce: {
    severity: 'critical',
    steps: () => [ev('sec.bruteforce', 0, { ip: '198.51.100.7', count: 60, windowSeconds: 60 })],
  },
};

function run(s: Scenario): RuleTransition[] {
  const engine = new RuleEngine(loadDefaultRules());
  const out: RuleTransition[] = [];
  for (const step of s.steps()) {
    if ('tick' in step) out.push(...engine.tick(T0 + step.tick));
    else {
      out.push(...engine.ingest(step));
      out.push(...engine.tick(Date.parse(step.ts)));
    }
  }
  return out;
}

test('every default rule has a firing scenario', () => {
  const names = loadDefaultRules().map((r) => r.name);
  assert.deepEqual(
    names.filter((n) => !(n in SCENARIOS)),
    [],
    'rules without a scenario',
  );
  assert.deepEqual(
    Object.keys(SCENARIOS).filter((n) => !names.includes(n)),
    [],
    'scenarios without a rule',
  );
});

for (const [name, scenario] of Object.entries(SCENARIOS)) {
  test(`default rule ${name} fires (${scenario.severity}) from its events`, () => {
    const fired = run(scenario).filter((t) => t.rule === name && t.status === 'firing');
    assert.ok(fired.length > 0, `${name} did not fire`);
    assert.equal(fired.at(-1)?.severity, scenario.severity);
  });
}

test('healthy traffic fires nothing', () => {
  const steps: Step[] = [
    ...times(10, (m) => [
      probe('probe.tcp', m * MIN, 'a', true),
      probe('probe.login', m * MIN, 'a', true, { rttMs: 30, lossPct: 0 }),
      ev('sys.sample', m * MIN, { cpuPct: 20, memPct: 30, diskPct: 40, load1: 0.3 }),
      iface(m * MIN, 3, 3),
      { tick: m * MIN + 30 * SEC },
    ]),
    ...times(5, (i) => session(i * SEC, `ok${i}`, `u${i}`)),
    ev('auth.fail', 0, { reason: 'bad_password' }, { peer: '198.51.100.7', user: 'u1' }),
  ];
  assert.deepEqual(
    run({ severity: 'warning', steps: () => steps }).map((t) => t.rule),
    [],
  );
});
