/**
 * Path and server fault switches, each proven against the real lab: a real pptp-linux client, real
 * pptpd/pppd, real FreeRADIUS, nftables in the lab's host netns. Each test holds the lab's exclusive lock
 * and undoes its fault in `finally`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { getLab, type LabHandle } from './lab.js';

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 5000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });
}

async function nftTables(lab: LabHandle): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  return execFileSync('ip', ['netns', 'exec', lab.net.netns, 'nft', 'list', 'tables'], { encoding: 'utf8' });
}

async function ping(lab: LabHandle, ifname: string, dst: string, size: number): Promise<boolean> {
  const r = await lab.exec([
    'ip',
    'netns',
    'exec',
    lab.net.clientNetns,
    'ping',
    '-c',
    '2',
    '-W',
    '3',
    '-s',
    String(size),
    '-I',
    ifname,
    dst,
  ]);
  return r.code === 0;
}

test('gre-drop: control connection works but the real client LCP times out', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const f = await lab.fault('gre-drop');
    try {
      const s = await lab.session({ user: 'alice', timeoutS: 60 });
      assert.equal(s.ok, false);
      const { readFileSync } = await import('node:fs');
      assert.match(readFileSync(s.clientLog, 'utf8'), /LCP: timeout sending Config-Requests/);
      // TCP 1723 passed (the call was set up), GRE did not: the server never heard the client's LCP.
      assert.match(lab.logSince(mark, 'syslog'), /CTRL: Client 10\.77\.1\.2 control connection started/);
      assert.doesNotMatch(lab.logSince(mark, 'pppd'), /rcvd \[LCP ConfReq/);
    } finally {
      await f.undo();
    }
    assert.doesNotMatch(await nftTables(lab), /pptpmon_gre_drop/);
  });
});

test('mtu 1000: small pings through the tunnel pass, large ones are black-holed; undo restores', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const s = await lab.session({ user: 'alice' });
    try {
      assert.equal(s.ok, true, s.output);
      const iface = s.ifname ?? '';
      const peer = s.peer ?? '';
      assert.equal(await ping(lab, iface, peer, 1200), true, 'large ping before the fault');
      const f = await lab.fault('mtu', ['1000']);
      try {
        assert.equal(await ping(lab, iface, peer, 500), true, 'small ping under mtu 1000');
        assert.equal(await ping(lab, iface, peer, 1200), false, 'large ping under mtu 1000');
      } finally {
        await f.undo();
      }
      assert.equal(await ping(lab, iface, peer, 1200), true, 'large ping after undo');
    } finally {
      await s.stop();
    }
  });
});

test('pptpd-stop closes TCP 1723 and undo reopens it; pptpd-kill all drops a live session', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const stop = await lab.fault('pptpd-stop');
    try {
      assert.equal(await tcpOpen(lab.net.serverIp, 1723), false);
    } finally {
      await stop.undo();
    }
    assert.equal(await tcpOpen(lab.net.serverIp, 1723), true);

    const s = await lab.session({ user: 'bob' });
    assert.equal(s.ok, true, s.output);
    const mark = lab.logMark();
    const kill = await lab.fault('pptpd-kill', ['all']);
    try {
      // pptpctrl gone: the server pppd loses its pty and hangs up; the client's pppd exits too.
      await lab.waitForLog(mark, 'pppd', /Modem hangup/, 30_000);
      assert.equal(await tcpOpen(lab.net.serverIp, 1723), false);
    } finally {
      await kill.undo();
      await s.stop();
    }
    assert.equal(await tcpOpen(lab.net.serverIp, 1723), true);
  });
});

test('pppd-broken: every new call fails because pppd exits at start', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const f = await lab.fault('pppd-broken');
    try {
      const s = await lab.session({ user: 'alice', timeoutS: 40 });
      assert.equal(s.ok, false);
      await lab.waitForLog(
        mark,
        'syslog',
        /pppd\[\d+\]: In file \/etc\/ppp\/pptpd-options: unrecognized option 'lab-broken-option'/,
      );
    } finally {
      await f.undo();
    }
    const ok = await lab.session({ user: 'alice' });
    await ok.stop();
    assert.equal(ok.ok, true, ok.output);
  });
});

test('radius-stop: the RADIUS profile fails with pppd logging no reply from the RADIUS server', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const f = await lab.fault('radius-stop');
    try {
      const s = await lab.session({ user: 'radalice', timeoutS: 60 });
      assert.equal(s.ok, false);
      const log = await lab.waitForLog(mark, 'pppdRadius', /rc_send_server: no reply from RADIUS server/);
      assert.match(log, /Peer radalice failed CHAP authentication/);
      assert.doesNotMatch(lab.logSince(mark, 'radius'), /Login OK: \[radalice\]/);
    } finally {
      await f.undo();
    }
  });
});

test('radius-slow: FreeRADIUS answers but too late for pppd (3 s timeout); undo restores logins', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const f = await lab.fault('radius-slow', ['8000']);
    try {
      const s = await lab.session({ user: 'radalice', timeoutS: 60 });
      assert.equal(s.ok, false);
      await lab.waitForLog(mark, 'pppdRadius', /no reply from RADIUS server/);
      // Unlike radius-stop, the server did get and accept the request: only the answer was late.
      await lab.waitForLog(mark, 'radius', /Login OK: \[radalice\]/, 20_000);
    } finally {
      await f.undo();
    }
    const ok = await lab.session({ user: 'radalice' });
    await ok.stop();
    assert.equal(ok.ok, true, ok.output);
  });
});
