/** Enrichment: sessions, users, source IPs, probe stage, last log lines, dashboard link; no secrets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, redactText } from '../../src/alerts/index.js';
import type { Evidence } from '../../src/rules/index.js';
import { SEC, T0, run, setup, tr } from './helpers.js';

// Real pppd 2.4.9 debug lines (lab-captures/syslog): the CHAP response and authenticator are
// crackable MS-CHAPv2 material.
const CHAP_RESPONSE =
  'Nov 24 21:58:28 pppd[162]: rcvd [CHAP Response id=0x6 <d0433ac415506307323fa597245e658500000000000000000545d969a0369f22606702f69047dc2512553a0e91c138b200>, name = "test"]';
const CHAP_SUCCESS =
  'Nov 24 21:58:28 pppd[162]: sent [CHAP Success id=0x6 "S=D2995CE87BDB8B41B6201541E621683B390BD1BD M=Access granted"]';

test('redaction removes passwords, tokens and MS-CHAPv2 material, keeps the rest', () => {
  assert.equal(
    redactText('radius: User-Password = "hunter2" for alice'),
    `radius: User-Password = ${REDACTED} for alice`,
  );
  assert.equal(redactText('login password=s3cr3t user=bob'), `login password=${REDACTED} user=bob`);
  assert.equal(redactText('Authorization: Bearer abc.def'), `Authorization: ${REDACTED}`);
  assert.equal(redactText('authorization=Basic dXNlcjpwYXNz, next'), `authorization=${REDACTED}, next`);
  const r = redactText(CHAP_RESPONSE);
  assert.ok(!r.includes('d0433ac4'), r);
  assert.match(r, /name = "test"\]$/, 'the user name stays: it is what on-call needs');
  assert.ok(!redactText(CHAP_SUCCESS).includes('D2995CE8'));
  assert.match(redactText(CHAP_SUCCESS), /M=Access granted/);
});

test('a notification carries sessions, users, peers, probe stage, the last N log lines and a link', () => {
  const { am, sent } = setup({ groupWait: '0s', logLines: 3, dashboardUrl: 'http://127.0.0.1:9723/' });
  const evidence: Evidence[] = [
    {
      ts: '2026-11-24T10:00:00Z',
      kind: 'auth.fail',
      host: 'vpn1',
      session: 's1',
      user: 'alice',
      peer: '198.51.100.7',
      raw: CHAP_RESPONSE,
    },
    {
      ts: '2026-11-24T10:00:01Z',
      kind: 'auth.fail',
      host: 'vpn1',
      session: 's2',
      user: 'bob',
      peer: '198.51.100.7',
      raw: 'line two password=abc',
    },
    { ts: '2026-11-24T10:00:02Z', kind: 'probe.login', host: 'vpn1', stage: 'auth', raw: 'line three' },
    {
      ts: '2026-11-24T10:00:03Z',
      kind: 'auth.fail',
      host: 'vpn1',
      session: 's3',
      user: 'alice',
      peer: '203.0.113.5',
      raw: 'line four',
    },
  ];
  am.receive([
    tr('auth-fail-per-peer', 'firing', T0, {
      labels: { peer: '198.51.100.7', token: 'abc123' },
      evidence,
      summary: 'failures with secret=xyz',
    }),
  ]);
  run(am, T0, T0 + SEC);
  const v = sent[0]?.root;
  assert.ok(v);
  assert.deepEqual(v.sessions, ['s1', 's2', 's3']);
  assert.deepEqual(v.users, ['alice', 'bob']);
  assert.deepEqual(v.peers, ['198.51.100.7', '203.0.113.5']);
  assert.deepEqual(v.probeStages, ['auth']);
  assert.deepEqual(v.logLines, [`line two password=${REDACTED}`, 'line three', 'line four']);
  assert.equal(v.dashboardUrl, `http://127.0.0.1:9723/alerts/${v.fingerprint}`);
  assert.equal(v.labels.token, REDACTED);
  assert.equal(v.summary, `failures with secret=${REDACTED}`);
  const all = JSON.stringify(sent);
  for (const secret of ['abc123', 'xyz', 'password=abc', 'd0433ac4'])
    assert.ok(!all.includes(secret), secret);
});
