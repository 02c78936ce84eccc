/**
 * `pptpmon server` with alerting, fed by `pptpmon probe --push` from two vantages (real processes,
 * real TCP probes on loopback, real SQLite): the default tcp-1723-down rule (quorum across
 * attrs.vantage) says warning while one vantage fails and critical when every vantage fails. The
 * "path" failure of one vantage is its probe meeting a closed port (a firewall's RST) for the same
 * target name, since loopback has no second network path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/index.js';
import { apiUp, firingAlert } from '../helpers/api.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

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
  const { child: server, output } = spawnCli(['server', '-c', join(dir, 'server.yaml')]);
  t.after(() => {
    server.kill('SIGKILL');
    open.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  assert.ok(await apiUp(base, 20_000), `server did not start: ${output()}`);
  const from = (vantage: string, p: number, tf = tokenFile) =>
    runCli([
      'probe',
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
  const tcpAlert = () => firingAlert(base, TOKEN, 'tcp-1723-down');

  // Bad push setups fail before probing, naming the flag; a wrong token is refused and never echoed.
  const noToken = await runCli([
    'probe',
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
  assert.ok(partial, `no warning tcp-1723-down: ${output().slice(-1500)}`);
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
