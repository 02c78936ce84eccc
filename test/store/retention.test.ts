/**
 * Retention and downsampling with an injected clock, on real SQLite and PostgreSQL: old rows go per
 * table, samples move raw -> 1 min -> 1 h with min/max/avg/count intact, and the scheduler runs on
 * the fake clock's ticks.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Event } from '../../src/events/index.js';
import { RetentionScheduler, type RetentionClock } from '../../src/store/retention.js';
import type { RetentionPolicy, SamplePoint, Store } from '../../src/store/types.js';
import { storeDrivers, type TestStore } from './drivers.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

const POLICY: RetentionPolicy = {
  eventsMs: 30 * DAY,
  sessionsMs: 90 * DAY,
  samplesRawMs: 2 * DAY,
  samples1mMs: 7 * DAY,
  samples1hMs: 90 * DAY,
  alertsMs: 90 * DAY,
  actionsMs: 365 * DAY,
};

function ev(ts: string): Event {
  return { ts, host: 'vpn1', kind: 'ppp.start', severity: 'info', attrs: { pid: 1 } };
}

class FakeClock implements RetentionClock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.nextId;
    this.timers.push({ at: this.ms + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== h);
  }
  advance(ms: number): void {
    this.ms += ms;
    const due = this.timers.filter((t) => t.at <= this.ms);
    this.timers = this.timers.filter((t) => t.at > this.ms);
    for (const t of due) t.fn();
  }
  get pending(): number {
    return this.timers.length;
  }
}

/** Everything of one series as one bucket per day: the trend that must survive downsampling. */
async function daily(store: Store): Promise<SamplePoint[]> {
  const [s] = await store.querySamples({
    metric: 'sessions_active',
    from: ago(200 * DAY),
    to: ago(-DAY),
    stepMs: DAY,
  });
  return s?.points ?? [];
}

for (const driver of storeDrivers()) {
  describe(`retention on ${driver.name}`, { skip: driver.skip ?? false }, () => {
    let ts: TestStore;
    let store: Store;
    beforeEach(async () => {
      ts = await driver.open();
      store = ts.store;
    });
    afterEach(async () => ts.cleanup());

    it('deletes per table by age and keeps what is open or firing', async () => {
      await store.insertEvents([ev(ago(100 * DAY)), ev(ago(31 * DAY)), ev(ago(29 * DAY)), ev(ago(DAY))]);
      const base = {
        host: 'vpn1',
        role: 'server' as const,
        transport: 'pptp' as const,
        evidence: [],
        eventIds: [],
      };
      await store.upsertSessions([
        { ...base, id: 'old-closed', start: ago(101 * DAY), end: ago(100 * DAY), cause: 'user_disconnect' },
        { ...base, id: 'old-open', start: ago(200 * DAY) },
        { ...base, id: 'recent', start: ago(2 * DAY), end: ago(DAY), cause: 'link_dead' },
      ]);
      const al = { rule: 'r', severity: 'warning' as const, labels: {}, annotations: {} };
      await store.upsertAlert({
        ...al,
        fingerprint: 'old-res',
        status: 'resolved',
        startsAt: ago(120 * DAY),
        endsAt: ago(100 * DAY),
        updatedAt: ago(100 * DAY),
      });
      await store.upsertAlert({
        ...al,
        fingerprint: 'old-firing',
        status: 'firing',
        startsAt: ago(120 * DAY),
        updatedAt: ago(DAY),
      });
      await store.recordAction({ ts: ago(400 * DAY), action: 'nft-block', status: 'done' });
      await store.recordAction({ ts: ago(10 * DAY), action: 'nft-block', status: 'done' });
      await store.appendAudit({ ts: ago(1000 * DAY), actor: 'ops', action: 'x' });

      const rep = await store.applyRetention(new Date(NOW), POLICY);
      assert.equal(rep.events, 2);
      assert.equal(rep.sessions, 1);
      assert.equal(rep.alerts, 1);
      assert.equal(rep.actions, 1);
      assert.deepEqual(
        (await store.queryEvents({})).map((e) => e.ts),
        [ago(29 * DAY), ago(DAY)],
      );
      assert.deepEqual((await store.querySessions({})).map((s) => s.id).sort(), ['old-open', 'recent']);
      assert.deepEqual(
        (await store.queryAlerts({})).map((a) => a.fingerprint),
        ['old-firing'],
      );
      assert.equal((await store.queryActions({})).length, 1);
      // The audit trail is not subject to retention: it is sealed and exported instead.
      assert.equal((await store.verifyAudit()).checked, 1);
      // A second run finds nothing more to do.
      const again = await store.applyRetention(new Date(NOW), POLICY);
      assert.deepEqual([again.events, again.sessions, again.alerts, again.actions], [0, 0, 0, 0]);
    });

    it('expires a large backlog of events in chunks, exactly', { timeout: 120_000 }, async () => {
      const old = Array.from({ length: 40_000 }, (_, i) => ev(ago(40 * DAY + i)));
      for (let i = 0; i < old.length; i += 5000) await store.insertEvents(old.slice(i, i + 5000));
      await store.insertEvents([ev(ago(DAY)), ev(ago(2 * DAY))]);
      const rep = await store.applyRetention(new Date(NOW), POLICY);
      assert.equal(rep.events, 40_000);
      assert.equal(await store.countEvents(), 2);
    });

    it('downsamples raw -> 1 min -> 1 h keeping min, max, avg and count of every day', async () => {
      const m = 'sessions_active';
      const labels = { host: 'vpn1' };
      const pts: [number, number][] = [
        [100 * DAY, 7], // beyond the 1 h tier's 90 days: gone
        [8 * DAY - 10_000, 1], // 1 h tier
        [8 * DAY - 40_000, 3],
        [8 * DAY - 1_800_000, 10],
        [3 * DAY - 5_000, 5], // 1 min tier (12:00:05 three days ago)
        [3 * DAY - 6_000, 7],
        [3 * DAY - 3_600_000, 2],
        [3_600_000, 100], // stays raw
        [3_000_000, 50],
      ];
      await store.insertSamples(pts.map(([age, value]) => ({ metric: m, labels, ts: ago(age), value })));
      const before = await daily(store);
      const rep = await store.applyRetention(new Date(NOW), POLICY);
      assert.equal(rep.samplesRolledTo1m, 7, 'all raw points older than 2 d moved to 1 min buckets');
      assert.equal(rep.samples1mRolledTo1h, 3, 'the 1 min buckets older than 7 d moved to 1 h buckets');
      assert.equal(rep.samples1hDeleted, 1);
      const after = await daily(store);
      assert.deepEqual(after, before.slice(1), 'every day but the expired one reads the same');
      assert.equal(after.length, 3);
      const tier = async (t: string) => Number((await ts.raw(`SELECT COUNT(*) AS n FROM ${t}`))[0]?.n);
      assert.deepEqual(
        [await tier('samples'), await tier('samples_1m'), await tier('samples_1h')],
        [2, 2, 1],
      );
      // The 1 h bucket from the three points 8 days ago: exact aggregates, not an average of averages.
      const [hour] = await store.querySamples({
        metric: m,
        from: ago(9 * DAY),
        to: ago(7 * DAY),
        stepMs: 3_600_000,
      });
      assert.deepEqual(
        hour?.points.map((p) => [p.min, p.max, p.count, Math.round(p.avg * 1000) / 1000]),
        [[1, 10, 3, 4.667]],
      );
      // A late sample for an already rolled minute merges into its bucket on the next run.
      await store.insertSamples([{ metric: m, labels, ts: ago(3 * DAY - 5_500), value: 9 }]);
      await store.applyRetention(new Date(NOW), POLICY);
      const [minute] = await store.querySamples({
        metric: m,
        from: ago(3 * DAY),
        to: ago(3 * DAY - 60_000),
        stepMs: 60_000,
      });
      assert.deepEqual(
        minute?.points.map((p) => [p.min, p.max, p.count, p.avg]),
        [[5, 9, 3, 7]],
      );
    });

    it('runs on the injected clock: once at start, then every interval, and stops', async () => {
      const clock = new FakeClock(NOW);
      const reports: number[] = [];
      const sched = new RetentionScheduler({
        store,
        policy: { ...POLICY, eventsMs: DAY },
        everyMs: 3_600_000,
        clock,
        onReport: (r) => reports.push(r.events),
      });
      // Events at NOW+0.5 h and NOW+1.5 h: each falls out one day after it happened.
      await store.insertEvents([ev(ago(-1_800_000)), ev(ago(-5_400_000))]);
      sched.start();
      await sched.runOnce();
      assert.deepEqual(reports, [0]);
      clock.advance(DAY); // the pass scheduled at +1 h runs with now = NOW + 1 d: nothing is a day old yet
      await sched.runOnce();
      assert.equal(await store.countEvents(), 2);
      clock.advance(3_600_000); // now = NOW + 25 h: the first event is 24.5 h old
      await sched.runOnce();
      assert.equal(await store.countEvents(), 1);
      await sched.stop();
      assert.equal(clock.pending, 0, 'no timer left behind after stop');
      clock.advance(10 * DAY);
      assert.equal(await store.countEvents(), 1, 'no pass after stop');
    });
  });
}
