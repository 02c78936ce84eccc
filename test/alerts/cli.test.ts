/**
 * `pptpmon alerts` as an operator uses it, as a real process against a real SQLite store, while a
 * running Alerting service (as in `pptpmon run`) shares that store: the ack and the silence written
 * by the CLI reach the running service through its periodic sync, and are audited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Alerting, parseAlertPolicy, type Notification } from '../../src/alerts/index.js';
import { makeEvent, type Event } from '../../src/events/index.js';
import { loadDefaultRules } from '../../src/rules/index.js';
import { SqliteStore } from '../../src/store/index.js';

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', MAIN, 'alerts', ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('CLI ack and silence reach a running alerting service through the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-alerts-cli-'));
  const db = join(dir, 'pptpmon.db');
  const cfg = join(dir, 'pptpmon.yaml');
  writeFileSync(cfg, `store:\n  driver: sqlite\n  path: ${db}\n`);
  const store = new SqliteStore({ path: db });
  let now = Date.now();
  const sent: Notification[] = [];
  const alertEvents: Event[] = [];
  const { alerting } = await Alerting.create({
    onEvent: (ev) => alertEvents.push(ev),
    rules: loadDefaultRules(),
    policy: parseAlertPolicy({ groupWait: '0s', repeatInterval: '1m' }),
    notify: (n) => sent.push(n),
    store,
    now: () => now,
  });
  try {
    const down: Event = makeEvent('proc.down', {
      ts: new Date(now).toISOString(),
      host: 'vpn1',
      severity: 'critical',
      attrs: { name: 'pptpd', pid: 812, signal: 'SIGSEGV' },
    }) as Event;
    alerting.ingest([down]);
    alerting.tick(now);
    await alerting.persistence?.flush();
    assert.equal(sent.length, 1);
    const fp = sent[0]?.groupKey ?? '';

    const list = await cli(['list', '-c', cfg]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      new RegExp(`^${fp}  firing   critical pptpd-down  vpn1  pptpd is down on vpn1`, 'm'),
    );

    const ack = await cli(['ack', fp, '--by', 'alice', '--comment', 'restarting', '-c', cfg]);
    assert.equal(ack.code, 0, ack.stderr);
    assert.match(ack.stdout, new RegExp(`acknowledged ${fp} by alice`));
    assert.equal(
      (await cli(['ack', 'ffffffffffffffff', '--by', 'alice', '-c', cfg])).code,
      1,
      'unknown alert',
    );

    const bad = await cli(['silence', 'add', '-m', 'host~vpn1', '--by', 'bob', '-c', cfg]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /matchers: expected a matcher like name="value"/);
    const badTz = await cli([
      'silence',
      'add',
      '-m',
      'host="vpn1"',
      '--by',
      'bob',
      '--cron',
      '0 3 * * *',
      '--tz',
      'Berlin',
      '--window',
      '1h',
      '-c',
      cfg,
    ]);
    assert.equal(badTz.code, 2);
    assert.match(badTz.stderr, /unknown time zone "Berlin"/);
    const add = await cli([
      'silence',
      'add',
      '-m',
      'alertname="cpu-high"',
      '-m',
      'host="vpn1"',
      '--by',
      'bob',
      '--for',
      '2h',
      '--comment',
      'load test',
      '-c',
      cfg,
    ]);
    assert.equal(add.code, 0, add.stderr);
    const id = /silence (\S+) added/.exec(add.stdout)?.[1] ?? '';
    const sl = await cli(['silence', 'list', '-c', cfg]);
    assert.match(
      sl.stdout,
      new RegExp(`^${id}  alertname="cpu-high",host="vpn1"  until .* by bob: load test$`, 'm'),
    );

    // The running service picks both up.
    now += 5000;
    await alerting.persistence?.sync(now);
    assert.ok(alerting.manager.isAcked(fp, now), 'ack synced');
    for (const m of [0, 1, 2, 3]) {
      const t = now + m * 60_000;
      alerting.ingest([
        makeEvent('sys.sample', {
          ts: new Date(t).toISOString(),
          host: 'vpn1',
          severity: 'info',
          attrs: { cpuPct: 99, memPct: 5, diskPct: 5, load1: 9 },
        }) as Event,
      ]);
      alerting.tick(t);
    }
    assert.equal(sent.length, 1, 'no reminder for the acknowledged alert, no page for the silenced one');
    assert.deepEqual(alerting.manager.list().find((a) => a.rule === 'cpu-high')?.silencedBy, [id]);

    const exp = await cli(['silence', 'expire', id, '--by', 'bob', '-c', cfg]);
    assert.equal(exp.code, 0, exp.stderr);
    now += 4 * 60_000 + 1000;
    await alerting.persistence?.sync(now);
    alerting.tick(now);
    assert.deepEqual(
      sent.map((n) => n.root.rule),
      ['pptpd-down', 'cpu-high'],
      'silence expired from the CLI: now paged',
    );
    assert.deepEqual(
      alertEvents.map((e) => `${e.kind}:${e.kind === 'alert.firing' ? e.attrs.rule : ''}`),
      ['alert.firing:pptpd-down', 'alert.firing:cpu-high'],
      'alert.* events for the store and the bus',
    );
    const audit = (await store.readAudit()).map((r) => `${r.action}:${r.actor}`);
    assert.deepEqual(audit, ['ack.add:alice', 'silence.add:bob', 'silence.expire:bob']);
  } finally {
    await alerting.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
