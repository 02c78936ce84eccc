// Pure tests of the Nagios formatter: threshold parsing, state precedence, loss/RTT thresholds for login
// results, perfdata syntax (Nagios plugin guidelines), and one-line output whatever the detail holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NAGIOS, checkState, nagiosReport, parseThreshold } from '../../src/probes/nagios.js';
import type { CheckResult } from '../../src/probes/types.js';

test('thresholds: ms, ms with loss, loss only; bad input is an error string', () => {
  assert.deepEqual(parseThreshold('500'), { ms: 500 });
  assert.deepEqual(parseThreshold('250.5,20%'), { ms: 250.5, lossPct: 20 });
  assert.deepEqual(parseThreshold(',5%'), { lossPct: 5 });
  assert.equal(typeof parseThreshold('fast'), 'string');
  assert.equal(typeof parseThreshold(''), 'string');
  assert.equal(typeof parseThreshold('10,150%'), 'string');
});

const ok = (check: CheckResult['check'], ms: number, extra: Partial<CheckResult> = {}): CheckResult => ({
  check,
  ok: true,
  ms,
  ...extra,
});

test('state: failure is CRITICAL, probe trouble is UNKNOWN, thresholds give WARNING/CRITICAL', () => {
  const w = { ms: 100, lossPct: 10 };
  const c = { ms: 200, lossPct: 50 };
  assert.equal(checkState(ok('tcp', 50), w, c), NAGIOS.OK);
  assert.equal(checkState(ok('tcp', 150), w, c), NAGIOS.WARNING);
  assert.equal(checkState(ok('tcp', 250), w, c), NAGIOS.CRITICAL);
  assert.equal(checkState(ok('login', 50, { lossPct: 20 }), w, c), NAGIOS.WARNING);
  assert.equal(checkState(ok('login', 50, { lossPct: 60 }), w, c), NAGIOS.CRITICAL);
  assert.equal(checkState(ok('login', 50, { rttMs: 300 }), w, c), NAGIOS.CRITICAL);
  assert.equal(
    checkState({ check: 'gre', ok: false, ms: 1, stage: 'gre', reason: 'gre_blocked' }, w, c),
    NAGIOS.CRITICAL,
  );
  assert.equal(
    checkState({ check: 'gre', ok: false, ms: 1, stage: 'tcp', reason: 'internal_error' }, w, c),
    NAGIOS.UNKNOWN,
  );
});

test('report: worst state wins (CRITICAL over UNKNOWN), failures first, perfdata per check', () => {
  const r = nagiosReport(
    'vpn.example',
    [
      ok('tcp', 1.5),
      {
        check: 'control',
        ok: false,
        ms: 5000,
        stage: 'sccrq',
        reason: 'timeout',
        detail: 'no SCCRP within 5000 ms',
      },
      { check: 'radius', ok: false, ms: 1, stage: 'tcp', reason: 'deadline' },
      ok('login', 2100, { rttMs: 12.5, lossPct: 0 }),
    ],
    { ms: 3000 },
    { ms: 6000 },
  );
  assert.equal(r.state, NAGIOS.CRITICAL);
  assert.match(
    r.line,
    /^PPTP CRITICAL - vpn\.example: control failed at sccrq: timeout \(no SCCRP within 5000 ms\); radius failed/,
  );
  const perf = r.line.split(' | ')[1] ?? '';
  assert.equal(
    perf,
    "'tcp'=1.5ms;3000;6000;0 'control'=5000ms;3000;6000;0 'radius'=1ms;3000;6000;0 'login'=2100ms;3000;6000;0 'login_rtt'=12.5ms;3000;6000;0 'login_loss'=0%;;;0;100",
  );
});

test('report: one line even when details hold newlines or pipes; UNKNOWN without checks', () => {
  const r = nagiosReport(
    'h',
    [{ check: 'control', ok: false, ms: 1, stage: 'sccrq', reason: 'protocol', detail: 'a\nb|c' }],
    {},
    {},
  );
  assert.equal(r.line.split('\n').length, 1);
  assert.equal(r.line.split('|').length, 2);
  assert.equal(nagiosReport('h', [], {}, {}).state, NAGIOS.UNKNOWN);
  const unknownOnly = nagiosReport(
    'h',
    [{ check: 'tcp', ok: false, ms: 1, stage: 'tcp', reason: 'internal_error' }, ok('control', 1)],
    {},
    {},
  );
  assert.equal(unknownOnly.state, NAGIOS.UNKNOWN);
});
