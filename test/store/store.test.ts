/**
 * The store suite: one test body, run against real SQLite and real PostgreSQL (drivers.ts).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Event } from '../../src/events/index.js';
import type { Session } from '../../src/logs/session.js';
import { StoreInputError } from '../../src/store/codec.js';
import { eventWhere, sqlitePlaceholder } from '../../src/store/sql.js';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../src/store/schema.js';
import type { Store } from '../../src/store/types.js';
import { storeDrivers, type TestStore } from './drivers.js';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const at = (sec: number): string => new Date(T0 + sec * 1000).toISOString();

function authFail(sec: number, user: string, peer: string, host = 'vpn1'): Event {
  return {
    ts: at(sec),
    host,
    kind: 'auth.fail',
    severity: 'warning',
    user,
    peer,
    attrs: { user, reason: 'bad_password' },
  };
}

function session(id: string, startSec: number, endSec?: number, user = 'alice'): Session {
  const s: Session = {
    id,
    host: 'vpn1',
    user,
    peer: '192.0.2.10',
    start: at(startSec),
    role: 'server',
    transport: 'pptp',
    evidence: [`pppd[100]: start ${id}`],
    eventIds: ['1'],
  };
  if (endSec !== undefined) {
    s.end = at(endSec);
    s.cause = 'user_disconnect';
    s.seconds = endSec - startSec;
  }
  return s;
}

for (const driver of storeDrivers()) {
  describe(`store on ${driver.name}`, { skip: driver.skip ?? false }, () => {
    let ts: TestStore;
    let store: Store;
    beforeEach(async () => {
      ts = await driver.open();
      store = ts.store;
    });
    afterEach(async () => {
      await ts.cleanup();
    });

    it('applies every migration once and records it; reopening does not re-run them', async () => {
      const latest = (driver.name === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).at(-1)?.version;
      assert.equal(await store.schemaVersion(), latest);
      await store.insertEvents([authFail(1, 'bob', '198.51.100.7')]);
      const again = await ts.reopen();
      assert.equal(await again.schemaVersion(), latest);
      const rows = await ts.raw('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        rows.map((r) => Number(r.version)),
        (driver.name === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).map((m) => m.version),
      );
      // Data written before the reopen is still there: the migration did not recreate tables.
      assert.equal(await again.countEvents(), 1);
    });

    it('refuses a database a newer pptpmon migrated', async () => {
      await ts.raw(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')`);
      const latest = (driver.name === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).at(-1)?.version;
      await assert.rejects(
        ts.reopen(),
        new RegExp(`schema version 99, newer than this pptpmon knows \\(${latest}\\)`),
      );
    });

    it('stores a batch of events with ids in input order and reads them back unchanged', async () => {
      const evs: Event[] = [
        authFail(1, 'bob', '198.51.100.7'),
        {
          ts: at(2),
          host: 'vpn1',
          kind: 'ppp.ipcp.up',
          severity: 'info',
          session: 's1',
          attrs: { local: '10.0.0.1', remote: '10.0.0.100' },
          raw: 'pppd[9]: local  IP address 10.0.0.1',
        },
        {
          ts: at(3),
          host: 'vpn2',
          kind: 'proc.down',
          severity: 'critical',
          attrs: { name: 'pptpd', pid: 42, signal: 'SIGKILL' },
          source: { collector: 'processes' },
        },
      ];
      const ids = await store.insertEvents(evs);
      assert.equal(ids.length, 3);
      assert.ok(
        Number(ids[0]) < Number(ids[1]) && Number(ids[1]) < Number(ids[2]),
        `ids ascend: ${ids.join(',')}`,
      );
      const back = await store.queryEvents({});
      assert.deepEqual(
        back,
        evs.map((e, i) => ({ ...e, id: ids[i] })),
      );
      assert.deepEqual(await store.insertEvents([]), []);
    });

    it('filters events by kind, prefix, time, host, session, user, peer, with limit, order and cursor', async () => {
      const ids = await store.insertEvents([
        authFail(1, 'bob', '198.51.100.7'),
        authFail(2, 'bob', '198.51.100.8'),
        authFail(3, 'carol', '198.51.100.7', 'vpn2'),
        {
          ts: at(4),
          host: 'vpn1',
          kind: 'auth.ok',
          severity: 'info',
          user: 'dave',
          session: 'sX',
          attrs: { user: 'dave' },
        },
        {
          ts: at(5),
          host: 'vpn1',
          kind: 'probe.tcp',
          severity: 'info',
          attrs: { ok: true, ms: 3, vantage: 'a', target: 'vpn1' },
        },
        // A kind with `_` must not match a LIKE wildcard: `auth_` is not a prefix of `auth.`.
      ]);
      const idsOf = async (q: Parameters<Store['queryEvents']>[0]) =>
        (await store.queryEvents(q)).map((e) => e.id);
      assert.deepEqual(await idsOf({ kinds: ['auth.ok'] }), [ids[3]]);
      assert.deepEqual(await idsOf({ kindPrefix: 'auth.' }), ids.slice(0, 4));
      assert.deepEqual(await idsOf({ kindPrefix: 'auth_' }), []);
      assert.deepEqual(await idsOf({ from: at(2), to: at(4) }), [ids[1], ids[2]]);
      assert.deepEqual(await idsOf({ host: 'vpn2' }), [ids[2]]);
      assert.deepEqual(await idsOf({ session: 'sX' }), [ids[3]]);
      assert.deepEqual(await idsOf({ user: 'bob' }), [ids[0], ids[1]]);
      assert.deepEqual(await idsOf({ peer: '198.51.100.7', kinds: ['auth.fail'] }), [ids[0], ids[2]]);
      assert.deepEqual(await idsOf({ severity: 'info' }), [ids[3], ids[4]]);
      assert.deepEqual(await idsOf({ limit: 2, order: 'desc' }), [ids[4], ids[3]]);
      assert.deepEqual(await idsOf({ afterId: ids[2] }), [ids[3], ids[4]]);
      assert.equal(await store.countEvents({ kindPrefix: 'auth.', host: 'vpn1' }), 3);
    });

    it(
      'answers events by user, peer, session and kind within a time range from an index (SQLite plan)',
      { skip: driver.name !== 'sqlite' ? 'EXPLAIN QUERY PLAN is SQLite syntax' : false },
      async () => {
        // Schema v3 has no user/peer index: such queries must still ride the time index, not scan.
        const plan = async (q: Parameters<Store['queryEvents']>[0]): Promise<string> => {
          const w = eventWhere(q, sqlitePlaceholder);
          const rows = await ts.raw(
            `EXPLAIN QUERY PLAN SELECT id, doc, ext_id FROM events ${w.sql} ORDER BY ts_ms ASC, id ASC LIMIT 1000`,
            w.params,
          );
          return rows.map((r) => String(r.detail)).join('; ');
        };
        const range = { from: at(0), to: at(3600) };
        assert.match(await plan({ ...range, user: 'bob' }), /USING INDEX events_ts/);
        assert.match(await plan({ ...range, peer: '198.51.100.7' }), /USING INDEX events_ts/);
        assert.match(await plan({ session: 'sX' }), /USING INDEX events_session/);
        assert.match(await plan({ ...range, kinds: ['auth.fail'] }), /USING INDEX events_kind_ts/);
        // Retention deletes by time.
        const del = await ts.raw(
          `EXPLAIN QUERY PLAN SELECT id FROM events WHERE ts_ms < ? ORDER BY ts_ms LIMIT 20000`,
          [T0],
        );
        assert.match(String(del[0]?.detail), /USING (COVERING )?INDEX events_ts/);
      },
    );

    it('gives concurrent batches ids in call order, so an afterId cursor never skips a batch', async () => {
      const batches = Array.from({ length: 8 }, (_, b) =>
        Array.from({ length: 50 }, (_, i) => authFail(b * 50 + i, `u${b}`, 'p')),
      );
      const results = await Promise.all(batches.map((evs) => store.insertEvents(evs)));
      const flat = results.flat().map(Number);
      assert.deepEqual(
        flat,
        [...flat].sort((a, b) => a - b),
        'ids ascend across batches in call order',
      );
      assert.equal(new Set(flat).size, 400);
    });

    it('stores an event resent with the same producer id once (agent spool replay)', async () => {
      const ev: Event = { ...authFail(1, 'bob', '198.51.100.7'), id: 'agent-a:17' };
      const [first] = await store.insertEvents([ev]);
      const again = await store.insertEvents([authFail(2, 'x', '198.51.100.9'), ev]);
      assert.equal(again[1], first);
      assert.notEqual(again[0], first);
      assert.equal(await store.countEvents(), 2);
      const [stored] = await store.queryEvents({ user: 'bob' });
      assert.equal(stored?.externalId, 'agent-a:17');
      // The same producer id from another host is another event.
      await store.insertEvents([{ ...ev, host: 'vpn9' }]);
      assert.equal(await store.countEvents(), 3);
    });

    it('reports which events a batch newly stored: replays (also within the batch) are not fresh', async () => {
      const a: Event = { ...authFail(1, 'bob', '198.51.100.7'), id: 'agent-a:1' };
      const b: Event = { ...authFail(2, 'eve', '198.51.100.8'), id: 'agent-a:2' };
      const first = await store.insertEventsReport([a, b]);
      assert.deepEqual(first.fresh, [true, true]);
      // A re-sent batch (lost ack) with one new event, an event without a producer id (no dedup key:
      // always stored) and the new event twice in the same batch.
      const c: Event = { ...authFail(3, 'ann', '198.51.100.9'), id: 'agent-a:3' };
      const noId = authFail(4, 'joe', '198.51.100.10');
      const again = await store.insertEventsReport([a, c, b, noId, c]);
      assert.deepEqual(again.fresh, [false, true, false, true, false]);
      assert.deepEqual([again.ids[0], again.ids[2]], first.ids, 'replays keep their first ids');
      assert.equal(again.ids[4], again.ids[1], 'the in-batch duplicate gets the id just stored');
      assert.equal(await store.countEvents(), 4);
      // A new connection (a restarted server) asks the store, not a memory: still not fresh.
      const reopened = await ts.reopen();
      assert.deepEqual((await reopened.insertEventsReport([c, b])).fresh, [false, false]);
      assert.deepEqual(await reopened.insertEventsReport([]), { ids: [], fresh: [] });
    });

    it('keeps a reused file:line id as a new event when time or kind differ (log rotation)', async () => {
      const line17: Event = { ...authFail(1, 'bob', '198.51.100.7'), id: '/var/log/syslog:17' };
      const afterRotation: Event = { ...authFail(86_400, 'eve', '198.51.100.9'), id: '/var/log/syslog:17' };
      const sameLineOtherKind: Event = {
        ts: at(1),
        host: 'vpn1',
        kind: 'ppp.error',
        severity: 'warning',
        attrs: { message: 'x' },
        id: '/var/log/syslog:17',
      };
      const ids = await store.insertEvents([line17, afterRotation, sameLineOtherKind]);
      assert.equal(new Set(ids).size, 3);
      assert.equal(await store.countEvents(), 3);
      assert.deepEqual(await store.insertEvents([afterRotation]), [ids[1]]);
    });

    it('upgrades a database from schema v1 to the latest, keeping its data', async () => {
      // Put the database back to v1 as an older pptpmon left it, then open it with this one.
      await ts.raw('DELETE FROM schema_migrations WHERE version >= 2');
      await ts.raw('DROP INDEX events_ext');
      await ts.raw('CREATE UNIQUE INDEX events_ext ON events (host, ext_id)');
      if (driver.name === 'sqlite') await ts.raw('CREATE INDEX events_host_ts ON events (host, ts_ms)');
      await ts.raw('CREATE INDEX events_usr_ts ON events (usr, ts_ms) WHERE usr IS NOT NULL');
      await ts.raw('CREATE INDEX events_peer_ts ON events (peer, ts_ms) WHERE peer IS NOT NULL');
      const id = '/var/log/syslog:17';
      // Written as v1 did (this version's insert targets the v2 index).
      const { id: _omit, ...doc } = { ...authFail(1, 'bob', 'x'), id };
      await ts.raw(
        `INSERT INTO events (ts_ms, kind, host, severity, usr, peer, ext_id, doc) VALUES (?, 'auth.fail', 'vpn1', 'warning', 'bob', 'x', ?, ?)`,
        [T0 + 1000, id, JSON.stringify(doc)],
      );
      const upgraded = await ts.reopen();
      const latest = (driver.name === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).at(-1)?.version;
      assert.equal(await upgraded.schemaVersion(), latest);
      // v3 dropped the user and peer indexes v1 made.
      const indexes =
        driver.name === 'sqlite'
          ? await ts.raw(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'`)
          : await ts.raw(
              `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'events'`,
            );
      const names = indexes.map((r) => String(r.name));
      assert.ok(names.includes('events_ext') && names.includes('events_ts'), names.join(', '));
      assert.ok(!names.includes('events_usr_ts') && !names.includes('events_peer_ts'), names.join(', '));
      // v2's dedup key: the same id at another time is stored (v1 would have dropped it).
      await upgraded.insertEvents([{ ...authFail(99, 'bob', 'x'), id }]);
      assert.equal(await upgraded.countEvents(), 2);
      const [first] = await upgraded.queryEvents({ limit: 1 });
      assert.deepEqual(first, { ...doc, id: first?.id, externalId: id });
    });

    it('rejects a bad batch whole, naming the event and field, and keeps working', async () => {
      const bad = [authFail(1, 'bob', 'x'), { ...authFail(2, 'bob', 'x'), ts: 'yesterday' }];
      await assert.rejects(store.insertEvents(bad), (err: unknown) => {
        assert.ok(err instanceof StoreInputError);
        assert.match(err.message, /events\[1\]\.ts: not an ISO 8601 time: "yesterday"/);
        return true;
      });
      assert.equal(await store.countEvents(), 0, 'nothing of the bad batch was half-written');
      await store.insertEvents([authFail(3, 'bob', 'x')]);
      assert.equal(await store.countEvents(), 1);
    });

    it('upserts sessions as they progress and answers open/closed/overlap ranges', async () => {
      await store.upsertSessions([session('a', 0), session('b', 10), session('c', 100, 200, 'bob')]);
      await store.upsertSessions([{ ...session('a', 0, 50), bytesSent: 1234, eventIds: ['1', '7'] }]);
      const a = await store.getSession('a');
      assert.equal(a?.end, at(50));
      assert.equal(a?.bytesSent, 1234);
      assert.deepEqual(a?.eventIds, ['1', '7']);
      assert.equal(await store.getSession('nope'), undefined);
      const ids = async (q: Parameters<Store['querySessions']>[0]) =>
        (await store.querySessions(q)).map((s) => s.id);
      assert.deepEqual(await ids({ state: 'open' }), ['b']);
      assert.deepEqual(await ids({ state: 'open', to: at(5) }), []);
      assert.deepEqual(await ids({ state: 'closed', from: at(0), to: at(100) }), ['a']);
      assert.deepEqual(await ids({ state: 'closed', from: at(100), to: at(300) }), ['c']);
      assert.deepEqual(await ids({ from: at(60), to: at(90) }), ['b']);
      assert.deepEqual(await ids({ from: at(40), to: at(150) }), ['a', 'b', 'c']);
      assert.deepEqual(await ids({ user: 'bob' }), ['c']);
      // A late, still-open version of a closed session does not reopen it.
      await store.upsertSessions([session('a', 0)]);
      assert.equal((await store.getSession('a'))?.end, at(50));
      // Duplicate ids in one batch: the last version wins.
      await store.upsertSessions([session('d', 5), { ...session('d', 5, 9) }]);
      assert.equal((await store.getSession('d'))?.end, at(9));
      // ... but not when the later one in the batch would reopen it.
      await store.upsertSessions([session('e', 5, 9), session('e', 5)]);
      assert.equal((await store.getSession('e'))?.end, at(9));
    });

    it('stores samples and aggregates them by step with labels matched as a subset', async () => {
      await store.insertSamples([
        { metric: 'cpu', labels: { host: 'vpn1', core: '0' }, ts: at(0), value: 10 },
        { metric: 'cpu', labels: { core: '0', host: 'vpn1' }, ts: at(30), value: 30 },
        { metric: 'cpu', labels: { host: 'vpn1', core: '0' }, ts: at(70), value: 50 },
        { metric: 'cpu', labels: { host: 'vpn2', core: '0' }, ts: at(10), value: 99 },
        { metric: 'mem', labels: { host: 'vpn1' }, ts: at(10), value: 1 },
      ]);
      const res = await store.querySamples({
        metric: 'cpu',
        labels: { host: 'vpn1' },
        from: at(0),
        to: at(120),
        stepMs: 60_000,
      });
      assert.equal(res.length, 1, 'label order does not make a second series');
      assert.deepEqual(res[0]?.labels, { core: '0', host: 'vpn1' });
      assert.deepEqual(res[0]?.points, [
        { ts: at(0), avg: 20, min: 10, max: 30, count: 2 },
        { ts: at(60), avg: 50, min: 50, max: 50, count: 1 },
      ]);
      const all = await store.querySamples({ metric: 'cpu', from: at(0), to: at(60) });
      assert.equal(all.length, 2);
      assert.deepEqual(await store.querySamples({ metric: 'cpu', from: at(200), to: at(300) }), []);
      await assert.rejects(
        store.insertSamples([{ metric: 'cpu', labels: {}, ts: at(0), value: Number.NaN }]),
        /samples\[0\]\.value/,
      );
    });

    it('keeps alert episodes by fingerprint and start, updates them, lists active ones', async () => {
      const base = {
        fingerprint: 'fp1',
        rule: 'pptpd_down',
        severity: 'critical' as const,
        labels: { host: 'vpn1' },
        annotations: { summary: 'pptpd down' },
      };
      const a1 = await store.upsertAlert({ ...base, status: 'firing', startsAt: at(0), updatedAt: at(0) });
      assert.deepEqual(
        (await store.activeAlerts()).map((a) => a.id),
        [a1.id],
      );
      const a1r = await store.upsertAlert({
        ...base,
        status: 'resolved',
        startsAt: at(0),
        endsAt: at(60),
        updatedAt: at(60),
      });
      assert.equal(a1r.id, a1.id, 'same episode updated in place');
      assert.deepEqual(await store.activeAlerts(), []);
      const a2 = await store.upsertAlert({
        ...base,
        status: 'firing',
        startsAt: at(120),
        updatedAt: at(120),
      });
      assert.notEqual(a2.id, a1.id);
      const hist = await store.queryAlerts({ fingerprint: 'fp1' });
      assert.deepEqual(
        hist.map((a) => a.status),
        ['resolved', 'firing'],
      );
      assert.deepEqual(hist[0], {
        ...base,
        status: 'resolved',
        startsAt: at(0),
        endsAt: at(60),
        updatedAt: at(60),
        id: a1.id,
      });
      assert.deepEqual((await store.queryAlerts({ from: at(70), to: at(100) })).length, 0);
      assert.deepEqual(
        (await store.queryAlerts({ from: at(30), to: at(100) })).map((a) => a.id),
        [a1.id],
      );
    });

    it('keeps silences until expired, acknowledgements and actions', async () => {
      const s = await store.addSilence({
        matchers: [{ name: 'host', value: 'vpn1', op: '=' }],
        startsAt: at(0),
        schedule: { cron: '0 2 * * 0', timezone: 'Europe/Berlin', durationMs: 3_600_000 },
        createdBy: 'ops',
        createdAt: at(0),
      });
      const s2 = await store.addSilence({
        matchers: [],
        startsAt: at(0),
        endsAt: at(100),
        createdBy: 'ops',
        createdAt: at(0),
      });
      assert.deepEqual(
        (await store.silences(at(50))).map((x) => x.id),
        [s.id, s2.id],
      );
      assert.deepEqual(
        (await store.silences(at(150))).map((x) => x.id),
        [s.id],
      );
      assert.equal(await store.expireSilence(s.id, at(200)), true);
      assert.equal(await store.expireSilence('999999', at(200)), false);
      assert.deepEqual(await store.silences(at(300)), []);
      const ack = await store.addAck({ fingerprint: 'fp1', by: 'alice', ts: at(5), comment: 'on it' });
      assert.deepEqual(await store.acks('fp1'), [ack]);
      assert.deepEqual(await store.acks('fp2'), []);
      const act = await store.recordAction({
        ts: at(7),
        action: 'nft-block',
        target: '198.51.100.7',
        status: 'done',
        fingerprint: 'fp9',
      });
      await store.recordAction({
        ts: at(8),
        action: 'systemd-restart',
        target: 'pptpd',
        status: 'skipped',
        dryRun: true,
      });
      assert.deepEqual(await store.queryActions({ action: 'nft-block' }), [act]);
      assert.equal((await store.queryActions({ from: at(8) })).length, 1);
    });

    it('audit: appends a hash chain that verifies, and refuses updates and deletes', async () => {
      for (let i = 0; i < 5; i++) {
        await store.appendAudit({
          ts: at(i),
          actor: 'ops',
          action: 'silence.add',
          subject: `s${i}`,
          detail: { n: i },
        });
      }
      const recs = await store.readAudit();
      assert.deepEqual(
        recs.map((r) => r.seq),
        [1, 2, 3, 4, 5],
      );
      assert.equal(recs[1]?.prevHash, recs[0]?.hash);
      assert.deepEqual(await store.verifyAudit(), { ok: true, checked: 5, problems: [] });
      await assert.rejects(ts.raw(`UPDATE audit SET actor = 'mallory' WHERE seq = 2`), /append-only/);
      await assert.rejects(ts.raw(`DELETE FROM audit WHERE seq = 2`), /append-only/);
      assert.equal((await store.verifyAudit()).ok, true);
      // Values JSON changes on the way in (a Date, an undefined field) still verify afterwards.
      const odd = await store.appendAudit({
        ts: at(9),
        actor: 'ops',
        action: 'x',
        detail: { when: new Date(T0), gone: undefined, n: [1, { b: 2, a: 1 }] },
      });
      assert.deepEqual(odd.detail, { when: at(0), n: [1, { b: 2, a: 1 }] });
      assert.deepEqual(await store.verifyAudit(), { ok: true, checked: 6, problems: [] });
      await assert.rejects(store.queryEvents({ afterId: 'x1' }), /query\.afterId: not a store id/);
    });
  });
}
