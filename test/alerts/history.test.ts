/**
 * Resolved-alert history (src/alerts/history.ts) on real SQLite and real PostgreSQL: episodes with
 * start and end, root or explained-by, the acks given during the episode (an explained alert's acks
 * live on its root), bounded by since/until/limit, newest first; the same through the real HTTP route
 * (GET /api/v1/alerts/history: zod-validated query, 400 naming the field, token required); and
 * `pptpmon alerts --history` / `alerts list --history` as a real process on SQLite.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Alerting, alertHistory, parseAlertPolicy } from '../../src/alerts/index.js';
import { buildServer } from '../../src/server/app.js';
import type { AlertRecord, Store } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { storeDrivers } from '../store/drivers.js';

const TOKEN = 'alerts-history-token-0123456789';
const H = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function rec(
  fp: string,
  rule: string,
  startMs: number,
  endMs: number | undefined,
  extra: Record<string, string> = {},
): AlertRecord {
  const r: AlertRecord = {
    fingerprint: fp,
    rule,
    status: endMs === undefined ? 'firing' : 'resolved',
    severity: rule === 'pptpd-down' ? 'critical' : 'warning',
    labels: { alertname: rule, host: 'vpn1' },
    annotations: { summary: `${rule} on vpn1`, ...extra },
    startsAt: iso(startMs),
    updatedAt: iso(endMs ?? startMs),
  };
  if (endMs !== undefined) r.endsAt = iso(endMs);
  return r;
}

/** Root pptpd-down (two episodes), an explained tcp-1723-down, an old one, a firing one; acks. */
async function seed(store: Store, now: number): Promise<void> {
  await store.upsertAlert(rec('aaaa', 'pptpd-down', now - 3 * H, now - 2 * H));
  await store.upsertAlert(
    rec('bbbb', 'tcp-1723-down', now - 3 * H + 1000, now - 2 * H, { explainedBy: 'aaaa' }),
  );
  await store.upsertAlert(rec('cccc', 'cpu-high', now - 30 * H, now - 26 * H));
  await store.upsertAlert(rec('dddd', 'radius-down', now - H, undefined));
  await store.upsertAlert(rec('aaaa', 'pptpd-down', now - H / 3, now - H / 6));
  await store.addAck({ fingerprint: 'aaaa', by: 'alice', ts: iso(now - 2.5 * H), comment: 'restarting' });
  await store.addAck({ fingerprint: 'aaaa', by: 'bob', ts: iso(now - 1.5 * H) }); // between episodes
  await store.addAck({ fingerprint: 'cccc', by: 'carol', ts: iso(now - 27 * H) });
}

for (const driver of storeDrivers()) {
  describe(`alert history on ${driver.name}`, { skip: driver.skip ?? false }, () => {
    it('lists resolved episodes newest first with root/explained-by and the acks of the episode', async () => {
      const ts = await driver.open();
      try {
        const now = Date.now();
        await seed(ts.store, now);
        const day = await alertHistory(ts.store, { sinceMs: now - 24 * H, untilMs: now, limit: 100 });
        assert.deepEqual(
          day.map((a) => [a.fingerprint, a.startsAt]),
          [
            ['aaaa', iso(now - H / 3)],
            ['bbbb', iso(now - 3 * H + 1000)],
            ['aaaa', iso(now - 3 * H)],
          ],
          'the firing radius-down and the 30 h old cpu-high are not in the last 24 h of history',
        );
        const [second, explained, first] = day;
        assert.deepEqual(second?.acknowledgedBy, [], "bob's ack came between the episodes");
        assert.equal(second?.durationSeconds, 600);
        assert.deepEqual(first?.acknowledgedBy, [
          { by: 'alice', ts: iso(now - 2.5 * H), comment: 'restarting' },
        ]);
        assert.equal(first?.root, true);
        assert.equal(first?.endsAt, iso(now - 2 * H));
        assert.equal(first?.summary, 'pptpd-down on vpn1');
        assert.equal(explained?.root, false);
        assert.equal(explained?.explainedBy, 'aaaa');
        assert.deepEqual(
          explained?.acknowledgedBy.map((k) => k.by),
          ['alice'],
          'acked through its root',
        );

        const two = await alertHistory(ts.store, { sinceMs: now - 48 * H, untilMs: now, limit: 2 });
        assert.deepEqual(
          two.map((a) => a.fingerprint),
          ['aaaa', 'bbbb'],
          'limit keeps the newest',
        );
        const old = await alertHistory(ts.store, {
          sinceMs: now - 48 * H,
          untilMs: now - 25 * H,
          limit: 100,
        });
        assert.deepEqual(
          old.map((a) => [a.fingerprint, a.acknowledgedBy.map((k) => k.by)]),
          [['cccc', ['carol']]],
          'until bounds the start',
        );
      } finally {
        await ts.cleanup();
      }
    });

    it('GET /api/v1/alerts/history: validated query, 400 naming the field, token required', async () => {
      const ts = await driver.open();
      const now = Date.now();
      const { alerting } = await Alerting.create({
        rules: [],
        policy: parseAlertPolicy({}),
        notify: () => undefined,
        store: ts.store,
        now: () => now,
      });
      const app = buildServer({ token: TOKEN, alerts: { alerting, store: ts.store, now: () => now } });
      try {
        await seed(ts.store, now);
        const get = async (qs: string, token = TOKEN) => {
          const r = await app.inject({
            url: `/api/v1/alerts/history${qs}`,
            headers: { authorization: `Bearer ${token}` },
          });
          return {
            status: r.statusCode,
            body: r.json() as { alerts?: Array<Record<string, unknown>>; error?: string },
          };
        };
        const def = await get('');
        assert.equal(def.status, 200);
        assert.deepEqual(
          def.body.alerts?.map((a) => a.fingerprint),
          ['aaaa', 'bbbb', 'aaaa'],
          'default: the last 24 h',
        );
        const wide = await get(`?since=${encodeURIComponent(iso(now - 48 * H))}&limit=10`);
        assert.equal(wide.body.alerts?.length, 4);
        assert.deepEqual(
          (await get('?since=2d&limit=1')).body.alerts?.map((a) => a.fingerprint),
          ['aaaa'],
        );
        for (const [qs, field] of [
          ['?limit=0', 'query.limit'],
          ['?limit=abc', 'query.limit'],
          ['?limit=5000', 'query.limit'],
          ['?since=yesterday', 'query.since'],
          ['?until=nope', 'query.until'],
          ['?since=1h&until=2h', 'query.since'],
          ['?sort=asc', 'query.sort'],
        ] as const) {
          const r = await get(qs);
          assert.equal(r.status, 400, qs);
          assert.ok(r.body.error?.startsWith(`${field}:`), `${qs}: ${r.body.error}`);
        }
        assert.equal((await get('', 'wrong-token-wrong-token')).status, 401);
      } finally {
        await app.close();
        await alerting.stop();
        await ts.cleanup();
      }
    });
  });
}

describe('pptpmon alerts --history (real process, SQLite)', () => {
  it('prints resolved episodes with start, end, root/explained-by and acks; bad input exits 2 naming the option', async (t) => {
    const [sqlite] = storeDrivers();
    const ts = await sqlite!.open();
    const dir = mkdtempSync(join(tmpdir(), 'pptpmon-alerts-history-'));
    t.after(async () => {
      await ts.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });
    assert.equal(ts.spec.driver, 'sqlite');
    const cfg = join(dir, 'pptpmon.yaml');
    writeFileSync(cfg, JSON.stringify({ store: ts.spec }));
    await seed(ts.store, Date.now());

    const text = await runCli(['alerts', '--history', '-c', cfg]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 3, text.stdout);
    assert.match(
      lines[0]!,
      /^aaaa {2}critical pptpd-down {2}vpn1 {2}\S+ -> \S+ \(600s\) {2}root {2}pptpd-down on vpn1$/,
    );
    assert.match(lines[1]!, /^bbbb .* explained by aaaa {2}acked by alice {2}tcp-1723-down on vpn1$/);
    assert.match(lines[2]!, /^aaaa .*\(3600s\) {2}root {2}acked by alice /);

    const json = await runCli([
      'alerts',
      'list',
      '--history',
      '--since',
      '2d',
      '--limit',
      '2',
      '--json',
      '-c',
      cfg,
    ]);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { alerts: Array<{ fingerprint: string; root: boolean }> };
    assert.deepEqual(
      doc.alerts.map((a) => [a.fingerprint, a.root]),
      [
        ['aaaa', true],
        ['bbbb', false],
      ],
    );
    const bad = await runCli(['alerts', '--history', '--limit', '0', '-c', cfg]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--limit: /);
    // The live list still answers (the parent's --history does not take the subcommands' options).
    const live = await runCli(['alerts', 'list', '-c', cfg]);
    assert.equal(live.code, 0, live.stderr);
    assert.match(live.stdout, /^dddd {2}firing /m);
  });
});
