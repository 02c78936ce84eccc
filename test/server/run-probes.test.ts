/**
 * `pptpmon run` with a `probes:` section: the scheduler probes a real TCP port on loopback every
 * second, the probe.tcp events go into the same store and rules as the log events, so a closed
 * port fires tcp-1723-down (one vantage: all of them down, critical) and a listener on it resolves
 * it. A bad probes section stops `run` with the config path named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/index.js';
import { firingAlert } from '../helpers/api.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'probes-token-0123456789abcdef';

function config(dir: string, port: number, probePort: number, checks = ['tcp']): string {
  const off = { enabled: false };
  const file = join(dir, 'pptpmon.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      host: 'vpn-probed',
      logs: { defaults: false, files: [join(dir, 'syslog')] },
      server: { listen: `127.0.0.1:${port}`, tokenFile: join(dir, 'token') },
      store: { path: join(dir, 'pptpmon.db') },
      alerts: { groupWait: '1s' },
      probes: {
        vantage: 'local',
        targets: [{ host: '127.0.0.1', port: probePort, checks, every: '1s', timeout: '1s' }],
      },
      agent: {
        stateDir: join(dir, 'state'),
        collectors: { processes: off, sessions: off, system: off, netstat: off, 'config-drift': off },
      },
    }),
  );
  return file;
}

test('pptpmon run probes its configured target: closed port fires tcp-1723-down, a listener resolves it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-run-probes-'));
  writeFileSync(join(dir, 'syslog'), '');
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  const port = await freePort();
  let probePort = await freePort();
  while (probePort === port) probePort = await freePort();
  const { child, output } = spawnCli(['run', '-c', config(dir, port, probePort)]);
  const listener: Server = createServer((c) => c.destroy());
  t.after(() => {
    child.kill('SIGKILL');
    if (listener.listening) listener.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  const tcpAlert = () => firingAlert(base, TOKEN, 'tcp-1723-down');
  const fired = await until(tcpAlert, 20_000);
  assert.ok(fired, `no tcp-1723-down from the scheduled probe: ${output().slice(-2000)}`);
  assert.equal(fired.severity, 'critical', 'the only vantage fails: all vantages down');
  assert.equal(fired.labels.target, '127.0.0.1');

  await new Promise<void>((r) => listener.listen(probePort, '127.0.0.1', r));
  assert.ok(
    await until(async () => ((await tcpAlert()) === undefined ? true : undefined), 10_000),
    'resolved',
  );

  child.kill('SIGTERM');
  assert.equal(await new Promise((r) => child.once('exit', r)), 0, output().slice(-2000));
  const store = new SqliteStore({ path: join(dir, 'pptpmon.db') });
  try {
    const probes = await store.queryEvents({ kinds: ['probe.tcp'] });
    const oks = probes.map((e) => (e.attrs as { ok: boolean; vantage: string }).ok);
    assert.ok(oks.includes(false) && oks.includes(true), 'failed and passing probes stored');
    assert.ok(probes.every((e) => (e.attrs as { vantage?: string }).vantage === 'local'));
  } finally {
    await store.close();
  }
});

test('pptpmon run with an unknown probe check exits 2 naming probes.targets[0].checks[1]', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-run-probes-'));
  try {
    writeFileSync(join(dir, 'syslog'), '');
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    const file = config(dir, await freePort(), await freePort(), ['tcp', 'nope']);
    const r = await runCli(['run', '-c', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /probes\.targets\[0\]\.checks\[1\]: unknown check "nope"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
