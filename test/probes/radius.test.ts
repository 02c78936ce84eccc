// The radius probe against a real FreeRADIUS 3 started on loopback with a throw-away config (copied from
// the Debian package's, with one client, one user and a minimal virtual server), plus loopback UDP
// servers that never answer or forge replies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProbeContext, RadiusProbeOptions } from '../../src/probes/index.js';
import { decodePacket, encodePacket, hidePassword } from '../../src/probes/radius/codec.js';
import { probeContext, runNamedProbe } from '../helpers/probe-context.js';

const SECRET = 'testing123';
const USER = 'alice';
const PASSWORD = 's3cret pw';
const DEBIAN_CONF = '/etc/freeradius/3.0';

let dir = '';
let port = 0;
let proc: ChildProcess | undefined;
let startError = '';

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', res));
  const p = s.address().port;
  await new Promise<void>((res) => s.close(() => res()));
  return p;
}

const SITE = (p: number) => `server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = ${p}
	}
	authorize {
		preprocess
		mschap
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		Auth-Type MS-CHAP {
			mschap
		}
	}
	post-auth {
		Post-Auth-Type REJECT {
			attr_filter.access_reject
		}
	}
}
`;

before(async () => {
  if (!existsSync('/usr/sbin/freeradius') || !existsSync(DEBIAN_CONF)) {
    startError = 'freeradius is not installed (Debian package freeradius, see scripts/debian-packages.txt)';
    return;
  }
  dir = await mkdtemp(path.join(tmpdir(), 'pptpmon-radius-'));
  await cp(DEBIAN_CONF, dir, { recursive: true, dereference: true });
  let conf = await readFile(path.join(dir, 'radiusd.conf'), 'utf8');
  conf = conf
    .replace(/^raddbdir = .*$/m, `raddbdir = ${dir}`)
    .replace(/^logdir = .*$/m, `logdir = ${dir}/log`)
    .replace(/^run_dir = .*$/m, `run_dir = ${dir}/run`)
    // Stay root in the test: the temp dir is not readable by the freerad user.
    .replace(/^(\s*)(user|group) = freerad$/gm, '$1#$2 = freerad');
  await writeFile(path.join(dir, 'radiusd.conf'), conf);
  await mkdir(path.join(dir, 'log'));
  await mkdir(path.join(dir, 'run'));
  for (const f of await readdir(path.join(dir, 'sites-enabled')))
    await rm(path.join(dir, 'sites-enabled', f));
  // EAP needs generated certificates; the probe never uses EAP.
  await rm(path.join(dir, 'mods-enabled', 'eap'), { force: true });
  port = await freeUdpPort();
  await writeFile(path.join(dir, 'sites-enabled', 'probe'), SITE(port));
  await writeFile(
    path.join(dir, 'clients.conf'),
    `client loopback {\n\tipaddr = 127.0.0.1\n\tsecret = ${SECRET}\n}\n`,
  );
  await writeFile(
    path.join(dir, 'mods-config', 'files', 'authorize'),
    `${USER}\tCleartext-Password := "${PASSWORD}"\n`,
  );
  const child = spawn('/usr/sbin/freeradius', ['-X', '-d', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc = child;
  let out = '';
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      startError = `freeradius did not get ready in 20 s: ${out.slice(-500)}`;
      resolve();
    }, 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to process requests')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('Ready to process requests'))
        startError = `freeradius exited ${code}: ${out.slice(-800)}`;
      resolve();
    });
  });
});

after(async () => {
  if (proc?.pid && proc.exitCode === null) proc.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ctx(radius: Partial<RadiusProbeOptions>, password = PASSWORD, timeoutMs = 2500): ProbeContext {
  return probeContext({
    timeoutMs,
    credentials: { user: USER, password },
    radius: {
      server: '127.0.0.1',
      port,
      secret: SECRET,
      method: 'status',
      retries: 0,
      nasIdentifier: 'pptpmon-test',
      ...radius,
    },
  });
}

async function probe(c: ProbeContext) {
  const out = await runNamedProbe('radius', c);
  assert.equal(out.events[0]?.kind, 'probe.radius');
  // The password and the shared secret never leak into results or events.
  const text = JSON.stringify(out);
  assert.ok(!text.includes(PASSWORD) && !text.includes(SECRET) && !text.includes('wrong-pw'), text);
  return out.result;
}

for (const method of ['status', 'pap', 'mschapv2'] as const) {
  test(`FreeRADIUS accepts ${method}`, async (t) => {
    if (startError) return t.skip(startError);
    const r = await probe(ctx({ method }));
    assert.equal(r.ok, true, String(r.detail));
    assert.equal(r.code, 'Access-Accept');
    assert.equal(r.method, method);
    assert.ok(r.ms > 0);
  });
}

test('FreeRADIUS rejects a wrong PAP password', async (t) => {
  if (startError) return t.skip(startError);
  const r = await probe(ctx({ method: 'pap' }, 'wrong-pw'));
  assert.equal(r.ok, false);
  assert.equal(r.stage, 'auth');
  assert.equal(r.reason, 'rejected');
  assert.equal(r.code, 'Access-Reject');
});

test('FreeRADIUS rejects a wrong MS-CHAPv2 password with E=691, reported as bad_password', async (t) => {
  if (startError) return t.skip(startError);
  const r = await probe(ctx({ method: 'mschapv2' }, 'wrong-pw'));
  assert.equal(r.reason, 'bad_password');
  assert.equal(r.mschapError, 691);
});

test('a wrong shared secret makes FreeRADIUS drop the request: timeout after the retries', async (t) => {
  if (startError) return t.skip(startError);
  const r = await probe(ctx({ method: 'status', secret: 'not-the-secret', retries: 1 }, PASSWORD, 400));
  assert.equal(r.reason, 'timeout');
  assert.equal(r.attempts, 2);
  assert.ok(r.ms >= 800 && r.ms < 2000, `ms ${r.ms}`);
});

test('nothing listening: refused from the ICMP port unreachable', async () => {
  const r = await probe(ctx({ port: await freeUdpPort() }, PASSWORD, 1000));
  assert.equal(r.reason, 'refused');
  assert.ok(r.ms < 1000);
});

test('a server that answers with forged or garbage replies is not believed', async () => {
  const srv = dgram.createSocket('udp4');
  await new Promise<void>((res) => srv.bind(0, '127.0.0.1', res));
  srv.on('message', (msg, rinfo) => {
    const d = decodePacket(msg);
    if (!d.ok) return;
    // Garbage, a reply to another id, and an Accept signed with the wrong secret.
    srv.send(Buffer.from('garbage'), rinfo.port, rinfo.address);
    const forged = encodePacket({
      code: 2,
      identifier: d.packet.identifier,
      authenticator: hidePassword('x', 'y', d.packet.authenticator),
      attributes: [],
    });
    srv.send(forged, rinfo.port, rinfo.address);
    srv.send(
      encodePacket({
        code: 2,
        identifier: (d.packet.identifier + 1) & 0xff,
        authenticator: Buffer.alloc(16),
        attributes: [],
      }),
      rinfo.port,
      rinfo.address,
    );
  });
  try {
    const r = await probe(ctx({ port: srv.address().port }, PASSWORD, 400));
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'bad_authenticator');
    assert.match(String(r.detail), /wrong shared secret, or a forged reply/);
  } finally {
    srv.close();
  }
});

test('RADIUS decoder: seeded random and mutated datagrams never throw; lengths are always respected', () => {
  let seed = 0x2865;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const valid = encodePacket({
    code: 2,
    identifier: 7,
    authenticator: Buffer.alloc(16, 1),
    attributes: [
      { type: 18, value: Buffer.from('hello') },
      { type: 26, value: Buffer.from([0, 0, 1, 55, 26, 4, 65, 66]) },
    ],
  });
  let ok = 0;
  for (let i = 0; i < 20_000; i++) {
    const b =
      rand() < 0.5
        ? Buffer.from(valid)
        : Buffer.from(Array.from({ length: Math.floor(rand() * 80) }, () => Math.floor(rand() * 256)));
    for (let k = 0; k < 1 + rand() * 3; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    const d = decodePacket(b);
    if (d.ok) {
      ok++;
      assert.ok(d.raw.length <= b.length);
      const total = d.packet.attributes.reduce((n, a) => n + a.value.length + 2, 20);
      assert.equal(total, d.raw.length);
    }
  }
  assert.ok(ok > 0);
});
