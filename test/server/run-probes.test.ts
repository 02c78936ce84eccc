/**
 * `pptpmon run` with a `probes:` section: the scheduler probes a real TCP port on loopback every
 * second, the probe.tcp events go into the same store and rules as the log events, so a closed
 * port fires tcp-1723-down (one vantage: all of them down, critical) and a listener on it resolves
 * it. A bad probes section stops `run` with the config path named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteStore } from '../../src/store/index.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const TOKEN = 'probes-token-0123456789abcdef';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function until<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(250);
  }
  return undefined;
}

function config(dir: string, port: number, probePort: number, checks = ['tcp']): string {
  const off = { enabled: false };
  const file = join(dir, 'pptpmon.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      host: 'vpn-probed',
      logs: { files: [join(dir, 'syslog')] },
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
  const out: string[] = [];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'run', '-c', config(dir, port, probePort)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
  const listener: Server = createServer((c) => c.destroy());
  t.after(() => {
    child.kill('SIGKILL');
    if (listener.listening) listener.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  type A = { rule: string; severity: string; labels: Record<string, string> };
  const tcpAlert = async (): Promise<A | undefined> => {
    const r = await fetch(`${base}/api/v1/alerts`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (!r.ok) return undefined;
    return ((await r.json()) as { alerts: A[] }).alerts.find((a) => a.rule === 'tcp-1723-down');
  };
  const fired = await until(tcpAlert, 20_000);
  assert.ok(fired, `no tcp-1723-down from the scheduled probe: ${out.join('').slice(-2000)}`);
  assert.equal(fired.severity, 'critical', 'the only vantage fails: all vantages down');
  assert.equal(fired.labels.target, '127.0.0.1');

  await new Promise<void>((r) => listener.listen(probePort, '127.0.0.1', r));
  assert.ok(
    await until(async () => ((await tcpAlert()) === undefined ? true : undefined), 10_000),
    'resolved',
  );

  child.kill('SIGTERM');
  assert.equal(await new Promise((r) => child.once('exit', r)), 0, out.join('').slice(-2000));
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
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', MAIN, 'run', '-c', file],
        { timeout: 30_000 },
        (err, _o, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
      ),
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /probes\.targets\[0\]\.checks\[1\]: unknown check "nope"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
