/**
 * `pptpmon run` as a process with real SQLite and real HTTP on loopback: a pptpd kill during open
 * sessions, appended to the followed log with the message texts of the lab capture
 * (test/corpus/lab-seed/faults.log lines 97-193: pptpd 1.4.0 / pppd 2.4.9, "Modem hangup" when the
 * pptpctrl holding the pty dies), must end in a stored alert.firing for pptpd, listed by the API,
 * logged as a notification, acknowledged and silenced through the API; the API refuses a missing or
 * wrong token and names the bad field of a bad body; retention runs on its schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeEvent, type Event } from '../../src/events/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { apiUp } from '../helpers/api.js';
import { spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'run-alerts-token-0123456789abcdef';
const SESSIONS = 12;
const CHAP =
  '1a5ea5aba5335a44ad0590a6349e7a37000000000000000069eac6258172ca58547f5c9fcc520e632dfe3ab4357f74d500';

/** Syslog stamp (RFC 3164) of now, UTC: the config says logs.timezone UTC. */
function stamp(): string {
  const d = new Date();
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
}

const ctrlPid = (i: number): number => 3000 + i * 10;

/** One session up, as pptpd/pppd logged it in faults.log lines 97-174. */
function sessionUp(i: number): string {
  const ctrl = ctrlPid(i);
  const pppd = ctrl + 1;
  const client = `10.77.1.${2 + i}`;
  const remote = `10.78.0.${100 + i}`;
  const s = stamp();
  return [
    `pptpd[${ctrl}]: MGR: Launching /usr/sbin/pptpctrl to handle client`,
    `pptpd[${ctrl}]: CTRL: local address = 10.78.0.1`,
    `pptpd[${ctrl}]: CTRL: remote address = ${remote}`,
    `pptpd[${ctrl}]: CTRL: pppd options file = /etc/ppp/pptpd-options`,
    `pptpd[${ctrl}]: CTRL: Client ${client} control connection started`,
    `pptpd[${ctrl}]: CTRL: Starting call (launching pppd, opening GRE)`,
    `pptpd[${pppd}]: CTRL (PPPD Launcher): program binary = /usr/sbin/pppd`,
    `pptpd[${pppd}]: CTRL (PPPD Launcher): local address = 10.78.0.1`,
    `pptpd[${pppd}]: CTRL (PPPD Launcher): remote address = ${remote}`,
    `pppd[${pppd}]: pppd 2.4.9 started by root, uid 0`,
    `pppd[${pppd}]: using channel ${46 + i}`,
    `pppd[${pppd}]: Using interface ppp${i}`,
    `pppd[${pppd}]: Connect: ppp${i} <--> /dev/pts/${i + 1}`,
    `pppd[${pppd}]: rcvd [CHAP Response id=0x8c <${CHAP}>, name = "user${i}"]`,
    `pppd[${pppd}]: sent [CHAP Success id=0x8c "S=825B53CB90A1B2C92BAB1E0A3A97E8EA3B6EAF1D M=Access granted"]`,
    `pppd[${pppd}]: peer from calling number ${client} authorized`,
    `pppd[${pppd}]: MPPE 128-bit stateless compression enabled`,
    `pppd[${pppd}]: local  IP address 10.78.0.1`,
    `pppd[${pppd}]: remote IP address ${remote}`,
    `pppd[${pppd}]: pptpd-logwtmp.so ip-up ppp${i} user${i} ${client}`,
  ]
    .map((l) => `${s} ${l}\n`)
    .join('');
}

/** pptpd and its pptpctrl children killed: each pppd loses its pty (faults.log lines 175-191). */
function sessionKilled(i: number): string {
  const pppd = ctrlPid(i) + 1;
  const s = stamp();
  return [
    'Modem hangup',
    `pptpd-logwtmp.so ip-down ppp${i}`,
    'Connect time 0.1 minutes.',
    'Sent 0 bytes, received 0 bytes.',
    'MPPE disabled',
    'sent [LCP TermReq id=0x2 "MPPE disabled"]',
    'Connection terminated.',
    'Connect time 0.1 minutes.',
    'Sent 0 bytes, received 0 bytes.',
    'Exit.',
  ]
    .map((m) => `${s} pppd[${pppd}]: ${m}\n`)
    .join('');
}

const oldEvent = (id: string): Event =>
  makeEvent('auth.ok', {
    id,
    ts: new Date(Date.now() - 10 * 86_400_000).toISOString(),
    host: 'vpn-test',
    severity: 'info',
    attrs: {},
  } as never) as Event;

async function countOld(db: string): Promise<number> {
  const s = new SqliteStore({ path: db });
  try {
    return await s.countEvents({ to: new Date(Date.now() - 5 * 86_400_000).toISOString() });
  } finally {
    await s.close();
  }
}

test('pptpmon run: pptpd crash -> stored alert.firing, alerts/ack/silences API, 401/400, retention', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-run-alerts-'));
  const log = join(dir, 'syslog');
  const db = join(dir, 'pptpmon.db');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  const port = await freePort();
  const off = { enabled: false };
  writeFileSync(
    join(dir, 'pptpmon.yaml'),
    JSON.stringify({
      host: 'vpn-test',
      logs: { defaults: false, files: [log], timezone: 'UTC' },
      server: { listen: `127.0.0.1:${port}`, tokenFile: join(dir, 'token') },
      store: { path: db, retentionDays: 1, retention: { every: '1s' } },
      alerts: { groupWait: '1s' },
      agent: {
        stateDir: join(dir, 'state'),
        // Only the logs: this host runs no pptpd, the process collector would report it down.
        collectors: { processes: off, sessions: off, system: off, netstat: off, 'config-drift': off },
      },
    }),
  );
  // An event older than retentionDays, stored before start: the first pass must remove it.
  const pre = new SqliteStore({ path: db });
  await pre.insertEvents([oldEvent('old-1')]);
  await pre.close();

  const { child, output } = spawnCli(['run', '-c', join(dir, 'pptpmon.yaml')]);
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const json = { ...auth, 'content-type': 'application/json' };
  assert.ok(await apiUp(base, 20_000), `run did not come up: ${output()}`);

  // Token: everything under /api/v1 needs it.
  for (const [path, method] of [
    ['/metrics', 'GET'],
    ['/api/v1/sessions', 'GET'],
    ['/api/v1/ingest', 'POST'],
    ['/api/v1/alerts', 'GET'],
    ['/api/v1/silences', 'GET'],
    ['/api/v1/silences', 'POST'],
    ['/api/v1/alerts/abc/ack', 'POST'],
    ['/api/v1/silences/1', 'DELETE'],
  ] as const) {
    assert.equal((await fetch(`${base}${path}`, { method })).status, 401, `${method} ${path} without token`);
    const wrong = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}x` } });
    assert.equal(wrong.status, 401, `${method} ${path} with a wrong token`);
  }

  // Retention, first pass at start.
  assert.ok(
    await until(async () => ((await countOld(db)) === 0 ? true : undefined), 10_000),
    'old event removed',
  );

  await sleep(500); // the follower has joined the (empty) file
  for (let i = 0; i < SESSIONS; i++) appendFileSync(log, sessionUp(i));
  await sleep(1500);
  for (let i = 0; i < SESSIONS; i++) appendFileSync(log, sessionKilled(i));
  appendFileSync(log, `${stamp()} pptpd[3991]: MGR: Manager process started\n`);
  appendFileSync(log, `${stamp()} pptpd[3991]: MGR: Maximum of 150 connections available\n`);

  type AlertOut = {
    fingerprint: string;
    rule: string;
    severity: string;
    labels: Record<string, string>;
    root: boolean;
    explains: Array<{ rule: string }>;
    acknowledged: boolean;
    silencedBy: string[];
  };
  const list = async (): Promise<AlertOut[]> =>
    ((await (await fetch(`${base}/api/v1/alerts`, { headers: auth })).json()) as { alerts: AlertOut[] })
      .alerts;
  const crash = await until(async () => (await list()).find((a) => a.rule === 'pptpd-crash'), 20_000);
  assert.ok(crash, `no pptpd-crash alert listed: ${output().slice(-3000)}`);
  assert.equal(crash.severity, 'critical', `${SESSIONS} sessions lost at once`);
  assert.equal(crash.labels.component, 'pptpd');
  assert.equal(crash.root, true, 'pptpd crash is a root cause');
  assert.ok(Array.isArray(crash.explains));
  assert.equal(crash.acknowledged, false);

  // Decisions are events: the alert.firing is in the store.
  const firing = await until(async () => {
    const s = new SqliteStore({ path: db });
    try {
      const evs = await s.queryEvents({ kinds: ['alert.firing'] });
      return evs.find((e) => (e.attrs as { rule?: string }).rule === 'pptpd-crash');
    } finally {
      await s.close();
    }
  }, 10_000);
  assert.ok(firing, 'alert.firing for pptpd-crash stored');
  assert.equal((firing.attrs as { fingerprint?: string }).fingerprint, crash.fingerprint);

  // The notification is logged (after the 1 s group wait), with no CHAP material.
  const logged = await until(
    async () => (/"notification":\{[^\n]*pptpd-crash/.test(output()) ? true : undefined),
    10_000,
  );
  assert.ok(logged, `notification not logged: ${output().slice(-2000)}`);
  assert.ok(!output().includes(CHAP.slice(0, 16)), 'no CHAP response in the output');

  // Ack: bad body names the field; a good one shows in the list and in the store.
  const ackUrl = `${base}/api/v1/alerts/${crash.fingerprint}/ack`;
  const badAck = await fetch(ackUrl, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ comment: 'x' }),
  });
  assert.equal(badAck.status, 400);
  assert.match(((await badAck.json()) as { error: string }).error, /^body\.by: /);
  const badFor = await fetch(ackUrl, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ by: 'ops', for: 'soon' }),
  });
  assert.equal(badFor.status, 400);
  assert.match(((await badFor.json()) as { error: string }).error, /body\.for: /);
  const unknown = await fetch(`${base}/api/v1/alerts/nope/ack`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ by: 'ops' }),
  });
  assert.equal(unknown.status, 404);
  const ack = await fetch(ackUrl, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ by: 'oncall-ann', comment: 'restarting pptpd' }),
  });
  assert.equal(ack.status, 200, await ack.clone().text());
  assert.equal((await list()).find((a) => a.fingerprint === crash.fingerprint)?.acknowledged, true);

  // Silences: bad bodies named, round trip, the alert shows it is muted, expiry.
  const post = (body: unknown) =>
    fetch(`${base}/api/v1/silences`, { method: 'POST', headers: json, body: JSON.stringify(body) });
  const errOf = async (r: Response): Promise<string> => {
    assert.equal(r.status, 400);
    return ((await r.json()) as { error: string }).error;
  };
  assert.match(await errOf(await post({ matchers: [], by: 'ops' })), /^body\.matchers: /);
  assert.match(await errOf(await post({ matchers: ['component="pptpd"'] })), /^body\.by: /);
  assert.match(
    await errOf(await post({ matchers: ['component="pptpd"'], by: 'ops', duration: '2 hours' })),
    /^body\.duration: /,
  );
  assert.match(
    await errOf(await post({ matchers: ['component="pptpd"'], by: 'ops', until: 'x' })),
    /^body\.until: /,
  );
  assert.match(await errOf(await post({ matchers: ['component'], by: 'ops' })), /^body\.matchers: /);
  const created = await post({
    matchers: ['component="pptpd"'],
    by: 'ops',
    duration: '2h',
    comment: 'maintenance',
  });
  assert.equal(created.status, 201);
  const silence = (await created.json()) as { id: string; matchers: string[]; endsAt: string };
  assert.deepEqual(silence.matchers, ['component="pptpd"']);
  const listed = (await (await fetch(`${base}/api/v1/silences`, { headers: auth })).json()) as {
    silences: Array<{ id: string; comment?: string }>;
  };
  assert.deepEqual(
    listed.silences.map((s) => [s.id, s.comment]),
    [[silence.id, 'maintenance']],
  );
  const muted = await until(
    async () =>
      (await list()).find((a) => a.fingerprint === crash.fingerprint)?.silencedBy.includes(silence.id)
        ? true
        : undefined,
    5000,
  );
  assert.ok(muted, 'the firing pptpd alert is muted by the silence');
  const del = await fetch(`${base}/api/v1/silences/${silence.id}?by=ops`, {
    method: 'DELETE',
    headers: auth,
  });
  assert.equal(del.status, 200);
  const after = (await (await fetch(`${base}/api/v1/silences`, { headers: auth })).json()) as {
    silences: unknown[];
  };
  assert.deepEqual(after.silences, []);

  // Retention is scheduled, not only run at start: an old event written now goes at a later pass.
  const live = new SqliteStore({ path: db });
  await live.insertEvents([oldEvent('old-2')]);
  await live.close();
  assert.ok(
    await until(async () => ((await countOld(db)) === 0 ? true : undefined), 10_000),
    'second pass ran',
  );

  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.equal(code, 0, output().slice(-2000));
  const s = new SqliteStore({ path: db });
  try {
    const acks = await s.acks(crash.fingerprint);
    assert.equal(acks.at(-1)?.by, 'oncall-ann', 'ack durable');
    const audit = (await s.readAudit()).map((a) => a.action);
    assert.ok(
      audit.includes('ack.add') && audit.includes('silence.add') && audit.includes('silence.expire'),
      audit.join(),
    );
  } finally {
    await s.close();
  }
});
