/**
 * Client-side fault switches and config edits against the real lab: wrong password, unknown user,
 * client without MPPE, a flood of failed logins from chosen sources, many concurrent sessions, and
 * live edits of chap-secrets / pptpd.conf. pppd exit codes are pppd(8)'s (19 = auth failed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getLab } from './lab.js';

test('bad-password and unknown user: pppd exit 19 and the server says why', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const bad = await lab.fault('bad-password', ['alice']);
    assert.equal(bad.sessions[0]?.rc, 19, bad.sessions[0]?.output);
    await lab.waitForLog(mark, 'pppd', /Peer alice failed CHAP authentication/);
    const unknown = await lab.session({ user: 'mallory', password: 'x' });
    assert.equal(unknown.rc, 19, unknown.output);
    const log = await lab.waitForLog(mark, 'pppd', /Peer mallory failed CHAP authentication/);
    assert.match(log, /No CHAP secret found for authenticating mallory/);
  });
});

test('no-mppe: a client refusing MPPE is cut off by require-mppe-128', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const r = await lab.fault('no-mppe');
    const s = r.sessions[0];
    assert.ok(s);
    assert.equal(s.ok, false);
    assert.equal(s.rc, 16, s.output); // pppd EXIT_HANGUP: the server terminated the link
    await lab.waitForLog(mark, 'pppd', /MPPE required but peer refused/);
  });
});

test('flood 3: three failed logins, each from its own chosen source address', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const srcs = ['10.77.2.21', '10.77.2.22', '10.77.2.23'];
    const r = await lab.fault('flood', ['3', ...srcs]);
    assert.equal(r.sessions.length, 3);
    assert.deepEqual(
      r.sessions.map((s) => s.rc),
      [19, 19, 19],
    );
    const sys = await lab.waitForLog(mark, 'syslog', /Client 10\.77\.2\.23 control connection started/);
    for (const a of srcs)
      assert.match(sys, new RegExp(`CTRL: Client ${a.replace(/\./g, '\\.')} control connection started`));
    const fails = lab.logSince(mark, 'pppd').match(/Peer alice failed CHAP authentication/g) ?? [];
    assert.equal(fails.length, 3);
  });
});

test('sessions 6: six concurrent real sessions with distinct addresses; undo hangs them all up', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const r = await lab.fault('sessions', ['6']);
    try {
      const up = r.sessions.filter((s) => s.ok);
      assert.equal(up.length, 6, r.sessions.map((s) => s.output).join('\n'));
      assert.equal(new Set(up.map((s) => s.local)).size, 6);
      const ifs = await lab.exec(['ip', '-n', lab.net.clientNetns, '-o', 'link', 'show', 'type', 'ppp']);
      assert.equal(ifs.stdout.trim().split('\n').length, 6);
    } finally {
      await r.undo();
    }
    const after = await lab.exec(['ip', '-n', lab.net.clientNetns, '-o', 'link', 'show', 'type', 'ppp']);
    assert.equal(after.stdout.trim(), '');
  });
});

test('config-edit: a user added to chap-secrets logs in at once; undo removes it again', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const f = await lab.fault('config-edit', ['chap-add', 'carol', 'carol-pass']);
    try {
      const s = await lab.session({ user: 'carol', password: 'carol-pass' });
      await s.stop();
      assert.equal(s.ok, true, s.output);
    } finally {
      await f.undo();
    }
    const again = await lab.session({ user: 'carol', password: 'carol-pass' });
    assert.equal(again.rc, 19);
    // pptpd.conf edits restart pptpd with the new setting.
    const g = await lab.fault('config-edit', ['pptpd-set', 'connections', '7']);
    try {
      const conf = await lab.exec(['cat', '/etc/pptpd.conf']);
      assert.match(conf.stdout, /^connections 7$/m);
    } finally {
      await g.undo();
    }
    const conf = await lab.exec(['cat', '/etc/pptpd.conf']);
    assert.match(conf.stdout, /^connections 150$/m);
  });
});
