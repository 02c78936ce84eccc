// radius and ldap probes against the lab VM's real FreeRADIUS 3 and slapd (the ones pppd's radius
// profile uses), including the `radius-stop` fault under the lab's lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getLab, type LabHandle } from '../lab/lab.js';
import type { ProbeContext } from '../../src/probes/index.js';
import { probeContext, runNamedProbe } from '../helpers/probe-context.js';

function ctx(lab: LabHandle, over: Partial<ProbeContext>): ProbeContext {
  return probeContext({ target: lab.net.serverIp, vantage: 'lab-host', ...over });
}

function radiusCtx(lab: LabHandle, method: 'status' | 'pap' | 'mschapv2', password: string): ProbeContext {
  return ctx(lab, {
    credentials: { user: lab.users.radalice.user, password },
    radius: {
      server: lab.net.radiusServerIp,
      port: 1812,
      secret: lab.radiusSecret,
      method,
      retries: 1,
      nasIdentifier: 'pptpmon-lab-test',
    },
  });
}

async function probe(name: string, c: ProbeContext) {
  return (await runNamedProbe(name, c)).result;
}

test('lab FreeRADIUS: Status-Server, PAP and MS-CHAPv2 accept; a wrong password is rejected', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  // Held so that no other test's fault (radius-stop...) is on while we expect a healthy server.
  t.after(await lab.lock());
  const pw = lab.users.radalice.password;
  for (const method of ['status', 'pap', 'mschapv2'] as const) {
    const r = await probe('radius', radiusCtx(lab, method, pw));
    assert.equal(r.ok, true, `${method}: ${String(r.detail)}`);
  }
  const bad = await probe('radius', radiusCtx(lab, 'mschapv2', 'wrong-password'));
  assert.equal(bad.reason, 'bad_password');
});

test('lab FreeRADIUS stopped: the radius probe fails at auth (refused or timeout)', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const fault = await lab.fault('radius-stop');
    try {
      const r = await probe('radius', radiusCtx(lab, 'status', lab.users.radalice.password));
      assert.equal(r.ok, false);
      assert.equal(r.stage, 'auth');
      assert.ok(r.reason === 'refused' || r.reason === 'timeout', String(r.reason));
    } finally {
      await fault.undo();
    }
  });
});

test('lab slapd: the LDAP-backed user binds and is found', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  // Held so that no other test's fault (radius-stop...) is on while we expect a healthy server.
  t.after(await lab.lock());
  const r = await probe(
    'ldap',
    ctx(lab, {
      ldap: {
        url: lab.ldap.url,
        bindDn: lab.ldap.userDn,
        password: lab.ldap.userPassword,
        base: lab.ldap.base,
        filter: '(uid=ldapuser)',
      },
    }),
  );
  assert.equal(r.ok, true, String(r.detail));
  assert.equal(r.entries, 1);
  const bad = await probe(
    'ldap',
    ctx(lab, { ldap: { url: lab.ldap.url, bindDn: lab.ldap.userDn, password: 'nope', base: lab.ldap.base } }),
  );
  assert.equal(bad.reason, 'bad_password');
});
