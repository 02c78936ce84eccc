/**
 * `pptpmon server` with alerting, fed by `pptpmon probe --push` from two vantages (real processes,
 * real TCP probes on loopback, real SQLite): the default tcp-1723-down rule (quorum across
 * attrs.vantage) says warning while one vantage fails and critical when every vantage fails. The
 * "path" failure of one vantage is its probe meeting a closed port (a firewall's RST) for the same
 * target name, since loopback has no second network path.
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
const TOKEN = 'vantage-token-0123456789abcdef';

async function listen(): Promise<Server> {
  const s = createServer((c) => c.destroy());
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}
const portOf = (s: Server): number => (s.address() as AddressInfo).port;

async function closedPort(): Promise<number> {
  const s = await listen();
  const p = portOf(s);
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

function probe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, 'probe', ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('probe --push from two vantages: some down is a warning, all down is critical', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-vantage-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  writeFileSync(join(dir, 'wrong'), 'not-the-token-0123456789\n');
  const open = await listen();
  const closed = await closedPort();
  let port = await closedPort();
  while (port === closed) port = await closedPort();
  writeFileSync(
    join(dir, 'server.yaml'),
    JSON.stringify({
      server: { listen: `127.0.0.1:${port}`, tokenFile },
      store: { path: join(dir, 'server.db') },
      alerts: { groupWait: '1s' },
    }),
  );
  const out: string[] = [];
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'server', '-c', join(dir, 'server.yaml')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout.on('data', (d: Buffer) => out.push(d.toString()));
  server.stderr.on('data', (d: Buffer) => out.push(d.toString()));
  t.after(() => {
    server.kill('SIGKILL');
    open.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  assert.ok(
    await until(async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), 20_000),
    `server did not start: ${out.join('')}`,
  );
  const from = (vantage: string, p: number, tf = tokenFile) =>
    probe([
      '127.0.0.1',
      '--check',
      'tcp',
      '--port',
      String(p),
      '--timeout',
      '2000',
      '--vantage',
      vantage,
      '--state-file',
      join(dir, `state-${vantage}.json`),
      '--json',
      '--push',
      base,
      '--token-file',
      tf,
    ]);
  type A = { rule: string; severity: string; labels: Record<string, string> };
  const tcpAlert = async (): Promise<A | undefined> => {
    const r = await fetch(`${base}/api/v1/alerts`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return ((await r.json()) as { alerts: A[] }).alerts.find((a) => a.rule === 'tcp-1723-down');
  };

  // Bad push setups fail before probing, naming the flag; a wrong token is refused and never echoed.
  const noToken = await probe([
    '127.0.0.1',
    '--check',
    'tcp',
    '--port',
    String(portOf(open)),
    '--push',
    base,
  ]);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /--push needs --token-file/);
  const wrong = await from('v9', portOf(open), join(dir, 'wrong'));
  assert.equal(wrong.code, 2, wrong.stderr);
  assert.match(wrong.stderr, /refused: HTTP 401/);
  assert.ok(!wrong.stderr.includes('not-the-token'), 'the token is not echoed');
  assert.equal(JSON.parse(wrong.stdout).ok, true, 'the report is still printed');

  // Both vantages reach the server: no alert.
  for (const v of ['v1', 'v2']) {
    const r = await from(v, portOf(open));
    assert.equal(r.code, 0, r.stderr);
  }
  assert.equal(await tcpAlert(), undefined);

  // v2's path fails: down from some vantages is a warning.
  const v2 = await from('v2', closed);
  assert.equal(v2.code, 1, 'probe failed from v2');
  const partial = await until(async () => {
    const a = await tcpAlert();
    return a?.severity === 'warning' ? a : undefined;
  }, 10_000);
  assert.ok(partial, `no warning tcp-1723-down: ${out.join('').slice(-1500)}`);
  assert.equal(partial.labels.target, '127.0.0.1');

  // v1 fails too: down from every vantage is the server, critical.
  const v1 = await from('v1', closed);
  assert.equal(v1.code, 1);
  const all = await until(async () => {
    const a = await tcpAlert();
    return a?.severity === 'critical' ? a : undefined;
  }, 10_000);
  assert.ok(all, 'critical once every vantage fails');

  // Both back: resolved (not listed as active any more), and the decisions are stored events.
  for (const v of ['v1', 'v2']) assert.equal((await from(v, portOf(open))).code, 0);
  assert.ok(
    await until(async () => ((await tcpAlert()) === undefined ? true : undefined), 10_000),
    'resolved',
  );
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  const store = new SqliteStore({ path: join(dir, 'server.db') });
  try {
    const probes = await store.queryEvents({ kinds: ['probe.tcp'] });
    assert.deepEqual([...new Set(probes.map((e) => (e.attrs as { vantage?: string }).vantage))].sort(), [
      'v1',
      'v2',
    ]);
    const kinds = (await store.queryEvents({ kindPrefix: 'alert.' })).map(
      (e) => `${e.kind}:${(e.attrs as { rule?: string }).rule}`,
    );
    assert.ok(
      kinds.includes('alert.firing:tcp-1723-down') && kinds.includes('alert.resolved:tcp-1723-down'),
      kinds.join(),
    );
  } finally {
    await store.close();
  }
});
