// The login probe against the lab's REAL pptpd 1.4 + pppd 2.4.9 (require-mschap-v2, require-mppe-128):
// a full userspace login with MPPE-128 and a ping through the tunnel, then each failure the server can
// give: wrong password (E=691), unknown user (empty Failure), no MPPE offered (MPPE required but peer
// refused), pppd unable to start (lab fault pppd-broken). Server logs are checked too, so a probe that
// "succeeds" without pppd agreeing fails here. Each scenario holds the lab's exclusive lock, so no other
// test's fault is active meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getLab } from '../lab/lab.js';
import { inPool, probe } from '../pptp/lab-probe.js';

test('healthy server: full login with MPPE 128, tunnel IPs from the pool, ping through, clean hang-up', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const out = await probe('login', lab.net.serverIp, {
      user: lab.users.alice.user,
      password: lab.users.alice.password,
    });
    const r = out.result;
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.mppe, '128 stateless');
    assert.equal(r.remoteIp, lab.net.pppLocal);
    assert.ok(
      inPool(String(r.localIp), lab.net.pppRemote),
      `localIp ${String(r.localIp)} not in ${lab.net.pppRemote}`,
    );
    assert.equal(r.lossPct, 0);
    assert.ok(typeof r.rttMs === 'number' && r.rttMs > 0);
    assert.ok(Number(r.icmpReceived) >= 1, 'no ICMP reply through the MPPE tunnel');
    const stages = r.stages as Record<string, number>;
    for (const s of ['lcp', 'auth', 'ccp', 'ipcp', 'data'])
      assert.ok(typeof stages[s] === 'number', `stage ${s} missing`);
    assert.equal(out.events[0]?.kind, 'probe.login');
    assert.equal(
      JSON.stringify(out).includes(lab.users.alice.password),
      false,
      'password leaked into the result',
    );
    // pppd agrees: it authenticated alice, brought MPPE 128 up, gave our address, saw our clean Terminate.
    const log = await lab.waitForLog(mark, 'pppd', /LCP terminated by peer \(User request\)/);
    assert.match(log, /MPPE 128-bit stateless compression enabled/);
    assert.match(log, new RegExp(`remote IP address ${String(r.localIp).replace(/\./g, '\\.')}`));
  });
});

test('wrong password: stage auth, reason bad_password (E=691)', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const out = await probe('login', lab.net.serverIp, {
      user: lab.users.alice.user,
      password: 'not-the-password',
    });
    assert.equal(out.result.ok, false);
    assert.equal(out.result.stage, 'auth');
    assert.equal(out.result.reason, 'bad_password');
    assert.match(String(out.result.detail), /E=691/);
    assert.equal(JSON.stringify(out).includes('not-the-password'), false);
    await lab.waitForLog(mark, 'pppd', /failed CHAP authentication/);
  });
});

test('unknown user: stage auth, reason unknown_user (pppd has no secret and sends an empty Failure)', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const out = await probe('login', lab.net.serverIp, { user: 'mallory', password: 'whatever' });
    assert.equal(out.result.stage, 'auth');
    assert.equal(out.result.reason, 'unknown_user');
    await lab.waitForLog(mark, 'pppd', /No CHAP secret found for authenticating mallory/);
  });
});

test('client offering no MPPE vs require-mppe-128: stage ccp, reason mppe_refused', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const out = await probe('login', lab.net.serverIp, {
      user: lab.users.alice.user,
      password: lab.users.alice.password,
      options: { mppe: 'none' },
    });
    assert.equal(out.result.ok, false, JSON.stringify(out.result));
    assert.equal(out.result.stage, 'ccp');
    assert.equal(out.result.reason, 'mppe_refused');
    await lab.waitForLog(mark, 'pppd', /MPPE required but peer refused/);
  });
});

test('pppd cannot start (lab fault pppd-broken): stage lcp, not a GRE problem', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const f = await lab.fault('pppd-broken');
    try {
      const out = await probe('login', lab.net.serverIp, {
        user: lab.users.alice.user,
        password: lab.users.alice.password,
      });
      assert.equal(out.result.ok, false);
      assert.equal(out.result.stage, 'lcp', JSON.stringify(out.result));
      assert.match(String(out.result.reason), /^(ctrl_closed|call_disconnected|timeout)$/);
    } finally {
      await f.undo();
    }
  });
});
