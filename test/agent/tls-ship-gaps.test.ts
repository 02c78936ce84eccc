/**
 * TLS shipping with a private CA, real components only: certificates made by the openssl CLI (a CA,
 * a server certificate for 127.0.0.1 signed by it, and an unrelated CA), `pptpmon server` as a
 * process with `server.tls`, the agent's disk spool and shipper (src/agent/ship.ts) with the CA
 * file. The right CA: events stored. A wrong CA: the TLS handshake is refused, the batch stays in the
 * spool (nothing lost); with the right CA again everything arrives, exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/index.js';
import { Shipper } from '../../src/agent/ship.js';
import { openSpool } from '../../src/agent/sinks.js';
import type { AgentItem } from '../../src/agent/items.js';
import { spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'tls-ship-token-0123456789abcdef';

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** ca.pem/ca.key, server.pem/server.key (CN and SAN 127.0.0.1, signed by ca), other-ca.pem. */
function makeCerts(dir: string): void {
  const selfSigned = (name: string, cn: string): void =>
    openssl(
      dir,
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
      '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ); // prettier-ignore
  selfSigned('ca', 'pptpmon test CA');
  selfSigned('other-ca', 'unrelated CA');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'); // prettier-ignore
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    dir,
    'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-out', 'server.pem', '-extfile', 'ext.cnf',
  ); // prettier-ignore
}

const item = (i: number): AgentItem => ({
  e: {
    kind: 'sys.sample',
    id: `tls:${i}`,
    ts: new Date(Date.parse('2026-11-25T01:00:00Z') + i * 1000).toISOString(),
    host: 'vpn-tls',
    severity: 'info',
    attrs: { cpuPct: i % 100, memPct: 40, diskPct: 5, load1: 0.2 },
    source: { collector: 'system' },
  },
});

async function storedIds(db: string): Promise<string[]> {
  const s = new SqliteStore({ path: db });
  try {
    return (await s.queryEvents({ kinds: ['sys.sample'], host: 'vpn-tls' }))
      .map((e) => e.externalId ?? '')
      .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  } finally {
    await s.close();
  }
}

test('agent shipper -> pptpmon server over TLS with caFile: stored; wrong CA refused and spooled; fixed -> delivered', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-tls-ship-'));
  makeCerts(dir);
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  const port = await freePort();
  const db = join(dir, 'server.db');
  writeFileSync(
    join(dir, 'pptpmon.yaml'),
    JSON.stringify({
      host: 'monitor',
      server: {
        listen: `127.0.0.1:${port}`,
        tokenFile: join(dir, 'token'),
        tls: { certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') },
      },
      store: { path: db },
      agent: { stateDir: join(dir, 'state') },
    }),
  );
  const { child, output } = spawnCli(['server', '-c', join(dir, 'pptpmon.yaml')]);
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `https://127.0.0.1:${port}`;
  assert.ok(
    await until(async () => (/listening on .* \(TLS\)/.test(output()) ? true : undefined), 20_000),
    `server did not start with TLS: ${output()}`,
  );
  // Plain HTTP on the TLS port is not served.
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));

  const spool = openSpool(join(dir, 'spool'), 16 << 20, 'vpn-tls');
  const ca = readFileSync(join(dir, 'ca.pem'));
  const notes: string[] = [];
  const ship = (caPem: Buffer): Shipper =>
    new Shipper(spool, { url, token: TOKEN, host: 'vpn-tls', ca: caPem, onNote: (n) => notes.push(n) });

  // Right CA: delivered.
  spool.append(Array.from({ length: 50 }, (_, i) => item(i)));
  const good = ship(ca);
  assert.equal(await good.shipOnce(), 'sent', notes.join('\n'));
  assert.equal(spool.pendingBytes, 0);
  assert.equal((await storedIds(db)).length, 50);

  // Wrong CA: refused by the TLS handshake, kept in the spool.
  spool.append(Array.from({ length: 70 }, (_, i) => item(50 + i)));
  const wrong = ship(readFileSync(join(dir, 'other-ca.pem')));
  for (let k = 0; k < 3; k++) assert.equal(await wrong.shipOnce(), 'failed');
  assert.ok(wrong.outage);
  assert.match(notes.join('\n'), /shipping failed, spooling to disk: .*(self[- ]signed|certificate|issuer)/i);
  assert.ok(spool.pendingBytes > 0, 'the refused batch is still spooled');
  assert.equal((await storedIds(db)).length, 50, 'nothing stored through an untrusted certificate');
  // No CA at all (the system store does not know our private CA): refused too.
  const none = new Shipper(spool, { url, token: TOKEN, host: 'vpn-tls' });
  assert.equal(await none.shipOnce(), 'failed');

  // Fixed: the right CA again ships the spool; every event once.
  const fixed = ship(ca);
  while ((await fixed.shipOnce()) === 'sent');
  assert.equal(spool.pendingBytes, 0);
  const ids = await storedIds(db);
  assert.deepEqual(
    ids,
    Array.from({ length: 120 }, (_, i) => `tls:${i}`),
    'all 120 events stored exactly once',
  );

  child.kill('SIGTERM');
  assert.equal(await new Promise((r) => child.once('exit', r)), 0, output().slice(-2000));
});
