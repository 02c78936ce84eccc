/**
 * The lab itself, against the real VM: pptpd reachable from the host, a real MS-CHAPv2 + MPPE session
 * between pptp-linux and pptpd/pppd with traffic through the tunnel, logs arriving on the host, the
 * RADIUS profile through FreeRADIUS, and the LDAP user for the LDAP probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { execFile } from 'node:child_process';
import { getLab } from './lab.js';

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 5000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });
}

test('exec runs commands in the VM and returns their output and exit code', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  const r = await lab.exec(['sh', '-c', 'echo "$1"; exit 3', 'x', "it's quoted; $(not run)"]);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, "it's quoted; $(not run)\n");
  const v = await lab.exec(['pppd', '--version']);
  assert.match(v.stdout + v.stderr, /pppd version 2\.4\.9/);
});

test('pptpd listens on TCP 1723 for both profiles, reachable from the host root netns', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  assert.equal(await tcpOpen(lab.net.serverIp, 1723), true);
  assert.equal(await tcpOpen(lab.net.radiusServerIp, 1723), true);
  // A closed port on the same VM is refused (the check can fail).
  assert.equal(await tcpOpen(lab.net.serverIp, 1724), false);
});

test('a real pptp-linux session comes up (MS-CHAPv2, MPPE-128), carries pings, and is logged', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const s = await lab.session({ user: 'alice' });
    try {
      assert.equal(s.ok, true, s.output);
      assert.equal(s.peer, lab.net.pppLocal);
      assert.match(s.local ?? '', /^10\.78\.0\.\d+$/);
      const ping = await lab.exec([
        'ip',
        'netns',
        'exec',
        lab.net.clientNetns,
        'ping',
        '-c',
        '2',
        '-W',
        '3',
        '-I',
        s.ifname ?? '',
        s.peer ?? '',
      ]);
      assert.equal(ping.code, 0, ping.stdout);
      const log = await lab.waitForLog(mark, 'pppd', /MPPE 128-bit stateless compression enabled/);
      assert.match(log, /peer from calling number 10\.77\.1\.2 authorized/);
      await lab.waitForLog(
        mark,
        'syslog',
        /pptpd\[\d+\]: CTRL: Client 10\.77\.1\.2 control connection started/,
      );
    } finally {
      await s.stop();
    }
    await lab.waitForLog(mark, 'pppd', /LCP terminated by peer/);
    // The client's pppd logs to its own file, never into the server's syslog.
    assert.doesNotMatch(lab.logSince(mark, 'syslog'), new RegExp(`pppd\\[${s.clientPid}\\]`));
  });
});

test('the RADIUS profile authenticates through FreeRADIUS and FreeRADIUS logs it', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const s = await lab.session({ user: 'radalice' });
    try {
      assert.equal(s.ok, true, s.output);
      assert.equal(s.peer, lab.net.radiusPppLocal);
      await lab.waitForLog(mark, 'radius', /Auth: \(\d+\) Login OK: \[radalice\]/);
    } finally {
      await s.stop();
    }
  });
});

test('slapd serves the LDAP user: the right password binds, a wrong one is refused', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  const whoami = (pw: string): Promise<number> =>
    new Promise((resolve) => {
      execFile('ldapwhoami', ['-x', '-H', lab.ldap.url, '-D', lab.ldap.userDn, '-w', pw], (err) =>
        resolve(err ? (typeof err.code === 'number' ? err.code : 1) : 0),
      );
    });
  assert.equal(await whoami(lab.ldap.userPassword), 0);
  assert.equal(await whoami('not-the-password'), 49); // LDAP_INVALID_CREDENTIALS
});

test('the agent can run inside the VM: host node binary and the project tree over 9p', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  const r = await lab.exec([
    'node',
    '-e',
    'const fs=require("fs");console.log(process.version, JSON.parse(fs.readFileSync("/mnt/project/package.json","utf8")).name)',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${process.version} pptpmon`);
  // It sees pptpd's host: the processes and interfaces are the VM's own.
  const ps = await lab.exec([
    'node',
    '-e',
    'console.log(require("fs").readdirSync("/proc").filter(p=>/^\\d+$/.test(p)).some(p=>{try{return require("fs").readFileSync("/proc/"+p+"/comm","utf8").trim()==="pptpd"}catch{return false}}))',
  ]);
  assert.equal(ps.stdout.trim(), 'true', ps.stderr);
});

test('up reuses the running lab, and a host-netns capture sees the real client GRE', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  const { up } = await import('../../lab/src/lab.js');
  const again = await up();
  assert.equal(again.started, false);
  await lab.exclusive(async () => {
    const cap = await lab.capture(`lab-test-${process.pid}`);
    let s;
    try {
      s = await lab.session({ user: 'alice' });
      assert.equal(s.ok, true, s.output);
    } finally {
      await s?.stop();
      await cap.stop();
    }
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('tcpdump', ['-n', '-r', cap.file, 'ip proto 47'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.match(out, /10\.77\.1\.2 > 10\.77\.0\.2: GREv1, call \d+/);
    assert.match(out, /10\.77\.0\.2 > 10\.77\.1\.2: GREv1/);
    const { rmSync } = await import('node:fs');
    rmSync(cap.file, { force: true });
  });
});
