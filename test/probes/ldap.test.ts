// The ldap probe against a real OpenLDAP slapd started on loopback with a throw-away slapd.conf and an
// mdb database loaded by slapadd; plus a TCP server that accepts and never answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { LdapProbeOptions, ProbeContext } from '../../src/probes/index.js';
import { freePort } from '../helpers/net.js';
import { probeContext, runNamedProbe } from '../helpers/probe-context.js';

const run = promisify(execFile);
const SUFFIX = 'dc=pptpmon,dc=test';
const USER_DN = `uid=alice,ou=people,${SUFFIX}`;
const USER_PW = 'alice-ldap-pw';

let dir = '';
let url = '';
let proc: ChildProcess | undefined;
let startError = '';

async function waitForPort(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((res) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

before(async () => {
  if (!existsSync('/usr/sbin/slapd') || !existsSync('/etc/ldap/schema/core.schema')) {
    startError = 'slapd is not installed (Debian package slapd, see scripts/debian-packages.txt)';
    return;
  }
  dir = await mkdtemp(path.join(tmpdir(), 'pptpmon-ldap-'));
  await mkdir(path.join(dir, 'db'));
  const conf = path.join(dir, 'slapd.conf');
  await writeFile(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `pidfile ${dir}/slapd.pid`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'database mdb',
      `suffix "${SUFFIX}"`,
      `rootdn "cn=admin,${SUFFIX}"`,
      'rootpw admin-pw',
      `directory ${dir}/db`,
      'access to attrs=userPassword by anonymous auth by * none',
      'access to * by * read',
      '',
    ].join('\n'),
  );
  await writeFile(
    path.join(dir, 'data.ldif'),
    [
      `dn: ${SUFFIX}`,
      'objectClass: dcObject',
      'objectClass: organization',
      'o: pptpmon test',
      'dc: pptpmon',
      '',
      `dn: ou=people,${SUFFIX}`,
      'objectClass: organizationalUnit',
      'ou: people',
      '',
      `dn: ${USER_DN}`,
      'objectClass: inetOrgPerson',
      'uid: alice',
      'cn: Alice',
      'sn: Test',
      `userPassword: ${USER_PW}`,
      '',
    ].join('\n'),
  );
  try {
    await run('/usr/sbin/slapadd', ['-f', conf, '-l', path.join(dir, 'data.ldif')], { timeout: 20_000 });
  } catch (err) {
    startError = `slapadd failed: ${(err as Error).message}`;
    return;
  }
  const port = await freePort();
  url = `ldap://127.0.0.1:${port}`;
  // -d 0: stay in the foreground (so we own the PID) without debug output.
  proc = spawn('/usr/sbin/slapd', ['-f', conf, '-h', `${url}/`, '-d', '0'], { stdio: 'ignore' });
  if (!(await waitForPort(port, 15_000))) startError = 'slapd did not listen within 15 s';
});

after(async () => {
  if (proc?.pid && proc.exitCode === null) proc.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ctx(ldap: Partial<LdapProbeOptions>, timeoutMs = 2000): ProbeContext {
  return probeContext({ timeoutMs, ldap: { url, ...ldap } });
}

async function probe(c: ProbeContext) {
  const out = await runNamedProbe('ldap', c);
  assert.equal(out.events[0]?.kind, 'probe.ldap');
  const text = JSON.stringify(out);
  assert.ok(!text.includes(USER_PW) && !text.includes('not-the-pw'), 'no password in output');
  return out.result;
}

test('slapd: bind as the test user and find it by uid', async (t) => {
  if (startError) return t.skip(startError);
  const r = await probe(ctx({ bindDn: USER_DN, password: USER_PW, base: SUFFIX, filter: '(uid=alice)' }));
  assert.equal(r.ok, true, String(r.detail));
  assert.equal(r.entries, 1);
  assert.equal(typeof r.bindMs, 'number');
  assert.equal(typeof r.searchMs, 'number');
});

test('slapd: anonymous bind and search work too', async (t) => {
  if (startError) return t.skip(startError);
  const r = await probe(ctx({ base: `ou=people,${SUFFIX}` }));
  assert.equal(r.ok, true, String(r.detail));
  assert.equal(r.entries, 2);
});

test('slapd: wrong password is bad_password at the auth stage', async (t) => {
  if (startError) return t.skip(startError);
  const r = await probe(ctx({ bindDn: USER_DN, password: 'not-the-pw', base: SUFFIX }));
  assert.equal(r.ok, false);
  assert.equal(r.stage, 'auth');
  assert.equal(r.reason, 'bad_password');
});

test('slapd: a missing test user is not_found; a missing base is no_such_object', async (t) => {
  if (startError) return t.skip(startError);
  const gone = await probe(ctx({ base: SUFFIX, filter: '(uid=bob)' }));
  assert.equal(gone.reason, 'not_found');
  assert.equal(gone.stage, 'data');
  const nobase = await probe(ctx({ base: `ou=nowhere,${SUFFIX}` }));
  assert.equal(nobase.reason, 'no_such_object');
});

test('nothing listening: refused at the tcp stage', async () => {
  const r = await probe(ctx({ url: `ldap://127.0.0.1:${await freePort()}` }));
  assert.equal(r.stage, 'tcp');
  assert.equal(r.reason, 'refused');
});

test('a server that accepts and never answers: timeout within the deadline', async () => {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((s) => sockets.push(s));
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  try {
    const t0 = performance.now();
    const r = await probe(ctx({ url: `ldap://127.0.0.1:${(srv.address() as net.AddressInfo).port}` }, 500));
    assert.equal(r.reason, 'timeout');
    assert.equal(r.stage, 'auth');
    assert.ok(performance.now() - t0 < 2000);
  } finally {
    for (const s of sockets) s.destroy();
    srv.close();
  }
});
