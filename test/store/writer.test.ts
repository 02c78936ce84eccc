/**
 * EventWriter over the real stores: batching by count and by delay (fake timers), bad events refused
 * at the edge, failed writes retried in order, the bound counted. Write failures are injected by
 * wrapping the real store (the writes that do happen go to the real database).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Event } from '../../src/events/index.js';
import { StoreInputError } from '../../src/store/codec.js';
import type { Store } from '../../src/store/types.js';
import { EventWriter, type WriterTimers } from '../../src/store/writer.js';
import { storeDrivers, type TestStore } from './drivers.js';

class ManualTimers implements WriterTimers {
  private pending = new Map<number, () => void>();
  private next = 0;
  setTimeout(fn: () => void): unknown {
    const id = ++this.next;
    this.pending.set(id, fn);
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  /** Fires every armed timer once. */
  fire(): number {
    const fns = [...this.pending.values()];
    this.pending.clear();
    for (const f of fns) f();
    return fns.length;
  }
  get armed(): number {
    return this.pending.size;
  }
}

const ev = (i: number): Event => ({
  ts: new Date(Date.UTC(2026, 10, 24) + i).toISOString(),
  host: 'vpn1',
  kind: 'ppp.start',
  severity: 'info',
  attrs: { pid: i },
});

/** The real store, with insertEvents failing while `failing` is set. */
function flaky(store: Store): Store & { failing: boolean } {
  const f = Object.create(store) as Store & { failing: boolean };
  f.failing = false;
  f.insertEvents = async (evs) => {
    if (f.failing) throw new Error('injected: database unavailable');
    return store.insertEvents(evs);
  };
  return f;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

for (const driver of storeDrivers()) {
  describe(`EventWriter on ${driver.name}`, { skip: driver.skip ?? false }, () => {
    let ts: TestStore;
    beforeEach(async () => {
      ts = await driver.open();
    });
    afterEach(async () => ts.cleanup());

    it('waits for the delay below a full batch, writes full batches at once, in order', async () => {
      const timers = new ManualTimers();
      const batches: number[] = [];
      const w = new EventWriter({
        store: ts.store,
        maxBatch: 100,
        timers,
        onWritten: (_b, ids) => batches.push(ids.length),
      });
      for (let i = 0; i < 30; i++) w.push(ev(i));
      await tick();
      assert.equal(await ts.store.countEvents(), 0, 'below maxBatch nothing is written before the delay');
      assert.equal(timers.armed, 1);
      timers.fire();
      await w.flush();
      assert.equal(await ts.store.countEvents(), 30);
      for (let i = 30; i < 280; i++) w.push(ev(i));
      await w.flush();
      assert.deepEqual(batches, [30, 100, 100, 50]);
      const stored = await ts.store.queryEvents({ limit: 1000 });
      assert.deepEqual(
        stored.map((e) => (e.attrs as { pid: number }).pid),
        Array.from({ length: 280 }, (_, i) => i),
      );
      await w.close();
      assert.deepEqual(w.stats, { written: 280, rejected: 0, dropped: 0, failedWrites: 0, pending: 0 });
    });

    it('stores the time series carried by sample and probe events', async () => {
      const w = new EventWriter({ store: ts.store, timers: new ManualTimers() });
      const t = (s: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, s)).toISOString();
      w.push({
        ts: t(0),
        host: 'vpn1',
        kind: 'sys.sample',
        severity: 'info',
        attrs: { cpuPct: 40, memPct: 50, diskPct: 60, load1: 0.5 },
      });
      w.push({
        ts: t(30),
        host: 'vpn1',
        kind: 'sys.sample',
        severity: 'info',
        attrs: { cpuPct: 90, memPct: 50, diskPct: 60, load1: 1.5 },
      });
      w.push({
        ts: t(10),
        host: 'vpn1',
        kind: 'probe.tcp',
        severity: 'critical',
        attrs: { ok: false, ms: 3000, vantage: 'hq', target: 'vpn1:1723', stage: 'tcp' },
      });
      w.push({
        ts: t(20),
        host: 'vpn1',
        kind: 'auth.fail',
        severity: 'warning',
        user: 'bob',
        attrs: { reason: 'bad_password' },
      });
      await w.close();
      const range = { from: t(0), to: t(60), stepMs: 60_000 };
      const [cpu] = await ts.store.querySamples({ metric: 'pptpmon_cpu_percent', ...range });
      assert.deepEqual(cpu?.labels, { host: 'vpn1' });
      assert.deepEqual(cpu?.points, [{ ts: t(0), avg: 65, min: 40, max: 90, count: 2 }]);
      const [up] = await ts.store.querySamples({
        metric: 'pptpmon_probe_up',
        labels: { check: 'tcp' },
        ...range,
      });
      assert.deepEqual(up?.labels, { host: 'vpn1', check: 'tcp', target: 'vpn1:1723', vantage: 'hq' });
      assert.equal(up?.points[0]?.max, 0);
      assert.deepEqual(
        await ts.store
          .querySamples({ metric: 'pptpmon_probe_duration_ms', ...range })
          .then((r) => r[0]?.points[0]?.avg),
        3000,
      );
    });

    it('refuses a bad event at push, naming it, and writes the others', async () => {
      const errors: unknown[] = [];
      const w = new EventWriter({
        store: ts.store,
        timers: new ManualTimers(),
        onError: (e) => errors.push(e),
      });
      w.push(ev(1));
      assert.throws(
        () => w.push({ ...ev(2), ts: 'Nov 24 10:00:00' }),
        (e: unknown) =>
          e instanceof StoreInputError && /ppp\.start from vpn1.*not an ISO 8601 time/.test(e.message),
      );
      w.handler({ ...ev(3), ts: 'garbage' }); // bus form: reported, not thrown
      w.push(ev(4));
      await w.close();
      assert.equal(errors.length, 1);
      assert.deepEqual(w.stats, { written: 2, rejected: 2, dropped: 0, failedWrites: 0, pending: 0 });
      assert.equal(await ts.store.countEvents(), 2);
    });

    it('keeps a failed batch and retries it in order with backoff; the bound drops oldest, counted', async () => {
      const timers = new ManualTimers();
      const store = flaky(ts.store);
      const w = new EventWriter({ store, maxBatch: 5, maxBuffered: 12, timers, onError: () => undefined });
      store.failing = true;
      for (let i = 0; i < 5; i++) w.push(ev(i));
      await w.flush();
      assert.equal(w.stats.failedWrites >= 1, true);
      assert.equal(w.stats.pending, 5, 'nothing lost on a failed write');
      for (let i = 5; i < 15; i++) w.push(ev(i));
      assert.equal(w.stats.dropped, 3, 'bounded at 12: the 3 oldest dropped');
      store.failing = false;
      timers.fire(); // the backoff timer
      await tick();
      await w.flush();
      assert.equal(w.stats.pending, 0);
      const pids = (await ts.store.queryEvents({})).map((e) => (e.attrs as { pid: number }).pid);
      assert.deepEqual(pids, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
      await w.close();
    });
  });
}
