/**
 * The three commands as processes, end to end on this host: `pptpmon run` follows a log file into its
 * SQLite store and serves /metrics and the live-session API with the token it printed; `pptpmon agent`
 * ships to a separate `pptpmon server` with a bearer token. Input is the real pptpd/pppd syslog
 * captured in the lab (shared/design/lab-captures/syslog).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteStore } from '../../src/store/index.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
// samples/syslog is the lab capture (shared/design/lab-captures/syslog), kept in the repository.
const CAPTURE = new URL('../../samples/syslog', import.meta.url).pathname;
const captureText = (): string => readFileSync(CAPTURE, 'utf8');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

function start(args: string[], out: string[]): ChildProcess {
  const c = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  c.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  c.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
  return c;
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

const yaml = (o: Record<string, unknown>): string => JSON.stringify(o); // JSON is YAML

test('pptpmon run: log lines become stored events, /metrics and the token-protected API answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-run-'));
  const log = join(dir, 'syslog');
  writeFileSync(log, '');
  const port = await freePort();
  writeFileSync(
    join(dir, 'pptpmon.yaml'),
    yaml({
      host: 'vpn-test',
      logs: { defaults: false, files: [log] },
      server: { listen: `127.0.0.1:${port}` },
      store: { path: join(dir, 'pptpmon.db') },
      agent: { stateDir: join(dir, 'state'), collectors: { 'config-drift': { enabled: false } } },
    }),
  );
  const out: string[] = [];
  const child = start(['run', '-c', join(dir, 'pptpmon.yaml')], out);
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  // No tokenFile: the token is kept in STATEDIR/api-token and only that path is printed.
  const tokenFile = await until(async () => /API token in (\S+)/.exec(out.join(''))?.[1], 20_000);
  assert.equal(tokenFile, join(dir, 'state', 'api-token'), `no token path printed: ${out.join('')}`);
  const token = readFileSync(tokenFile, 'utf8').trim();
  assert.ok(!out.join('').includes(token), 'the token itself is not printed');
  await until(async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), 10_000);
  await sleep(500); // the follower has joined the (empty) file
  appendFileSync(log, captureText());
  const metrics = await until(async () => {
    const m = await (
      await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    return /pptpmon_events_total\{kind="ppp.end"\} [1-9]/.test(m) ? m : undefined;
  }, 15_000);
  assert.ok(metrics, 'ppp.end from the capture counted on /metrics');
  // A sample line with a value, not the # HELP line prom-client always prints.
  assert.match(metrics, /^pptpmon_sessions_started_total [1-9]/m, 'sessions from the capture counted');
  assert.doesNotMatch(metrics, /alice|10\.213\./, 'no user names or IPs in labels');
  const denied = await fetch(`http://127.0.0.1:${port}/api/v1/sessions`);
  assert.equal(denied.status, 401);
  const api = await fetch(`http://127.0.0.1:${port}/api/v1/sessions`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(api.status, 200);
  // No ppp links on this host: no live sessions, and the per-user count says so.
  assert.deepEqual((await api.json()) as unknown, { sessions: [], perUser: { users: {}, unknown: 0 } });
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const store = new SqliteStore({ path: join(dir, 'pptpmon.db') });
  try {
    const ends = await store.queryEvents({ kinds: ['ppp.end'], host: 'vpn-test' });
    assert.ok(ends.length > 0, 'ppp.end stored');
    assert.ok(
      ends.every((e) => e.externalId?.startsWith(`${log}#`)),
      'event ids are the follower line ids',
    );
  } finally {
    await store.close();
  }
});

test('pptpmon agent -> pptpmon server: events arrive with the token; a wrong token is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-agent-'));
  const log = join(dir, 'ppp.log');
  writeFileSync(log, '');
  const [port, mport] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'token'), 'agent-token-0123456789abcdef\n');
  writeFileSync(
    join(dir, 'server.yaml'),
    yaml({
      server: { listen: `127.0.0.1:${port}`, tokenFile: join(dir, 'token') },
      store: { path: join(dir, 'server.db') },
    }),
  );
  writeFileSync(
    join(dir, 'agent.yaml'),
    yaml({
      host: 'vpn-agent',
      logs: { defaults: false, files: [log] },
      agent: {
        serverUrl: `http://127.0.0.1:${port}`,
        tokenFile: join(dir, 'token'),
        stateDir: join(dir, 'state'),
        metricsListen: `127.0.0.1:${mport}`,
        collectors: { 'config-drift': { enabled: false }, system: { enabled: false } },
      },
    }),
  );
  const so: string[] = [];
  const ao: string[] = [];
  const server = start(['server', '-c', join(dir, 'server.yaml')], so);
  const agent = start(['agent', '-c', join(dir, 'agent.yaml')], ao);
  t.after(() => {
    server.kill('SIGKILL');
    agent.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await until(async () => ((await fetch(`http://127.0.0.1:${mport}/healthz`)).ok ? true : undefined), 20_000);
  await sleep(500);
  appendFileSync(log, captureText());
  const got = await until(async () => {
    const m = await (
      await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { authorization: 'Bearer agent-token-0123456789abcdef' },
      })
    ).text();
    return /pptpmon_events_total\{kind="ppp.end"\} [1-9]/.test(m) ? m : undefined;
  }, 20_000);
  assert.ok(got, `server never received ppp.end; agent said: ${ao.join('')}`);
  // The agent's own listener (node:http, src/agent/listen.ts): token on all but /healthz.
  const auth = { authorization: 'Bearer agent-token-0123456789abcdef' };
  assert.equal((await fetch(`http://127.0.0.1:${mport}/metrics`)).status, 401);
  const noTok = await fetch(`http://127.0.0.1:${mport}/api/v1/sessions`, {
    headers: { authorization: 'Bearer agent-token-0123456789abcdeX' },
  });
  assert.equal(noTok.status, 401);
  assert.deepEqual(await noTok.json(), {
    statusCode: 401,
    error: 'Unauthorized',
    message: 'missing or wrong bearer token',
  });
  const am = await fetch(`http://127.0.0.1:${mport}/metrics`, { headers: auth });
  assert.equal(am.status, 200);
  assert.match(am.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(
    await am.text(),
    /pptpmon_events_total\{kind="ppp.end"\} [1-9]/,
    'agent counts what it shipped',
  );
  const as = await fetch(`http://127.0.0.1:${mport}/api/v1/sessions?x=1`, { headers: auth });
  assert.equal(as.status, 200);
  const asBody = (await as.json()) as { sessions: unknown; perUser: unknown };
  assert.ok(Array.isArray(asBody.sessions));
  assert.deepEqual(asBody.perUser, { users: {}, unknown: 0 });
  assert.equal((await fetch(`http://127.0.0.1:${mport}/api/v1/ingest`, { headers: auth })).status, 404);
  const wrong = await fetch(`http://127.0.0.1:${port}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: 'Bearer nope-nope-nope-nope', 'content-type': 'application/json' },
    body: '{"host":"x","events":[]}',
  });
  assert.equal(wrong.status, 401);
});
