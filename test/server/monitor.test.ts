/**
 * startMonitor (what `run` and `server` run beside the API) on a real SQLite store: a batch re-sent
 * after a lost ack (stored once by the store's dedup) counts once in the rules, the alert.firing
 * decision is stored as an event, and stop() leaves nothing queued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { configSchema } from '../../src/config/schema.js';
import { makeEvent, type Event } from '../../src/events/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { freshTracker, startMonitor } from '../../src/server/monitor.js';

test('a replayed batch counts once: 5 sessions lost is a warning pptpd-crash, not a critical 10', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-monitor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = configSchema.parse({ store: { path: join(dir, 'm.db') }, alerts: { groupWait: '1s' } });
  const store = new SqliteStore({ path: cfg.store.path });
  const stderr: string[] = [];
  const pino = (await import('pino')).default;
  const logger = pino({}, { write: (s: string) => void stderr.push(s) });
  const monitor = await startMonitor(cfg, store, { logger });
  try {
    const now = Date.now();
    const batch: Event[] = Array.from({ length: 5 }, (_, i) =>
      makeEvent('ppp.end', {
        id: `/var/log/syslog#${1000 + i}`,
        ts: new Date(now - 5000 + i).toISOString(),
        host: 'vpn1',
        severity: 'warning',
        session: `s${i}`,
        attrs: { cause: 'ctrl_closed' },
      }),
    );
    // As `pptpmon run` wires it: the agent writes through the tracked store, then hands the same
    // events on; the store's answer (not a memory of ids) says the second round is a replay.
    const tracked = freshTracker(store);
    for (let round = 0; round < 2; round++) {
      await tracked.store.insertEvents(batch);
      monitor.ingest(tracked.fresh(batch));
    }
    assert.equal(await store.countEvents({ kinds: ['ppp.end'] }), 5, 'the store kept one copy');
    const alert = monitor.alerting.manager.list().find((a) => a.rule === 'pptpd-crash');
    assert.ok(alert, 'pptpd-crash fired');
    assert.equal(alert.severity, 'warning', 'counted 5, not 10');
    let stored: Event[] = [];
    for (let i = 0; i < 40 && stored.length === 0; i++) {
      await sleep(50);
      stored = await store.queryEvents({ kinds: ['alert.firing'] });
    }
    assert.equal(stored.length, 1);
    assert.equal((stored[0]?.attrs as { rule?: string }).rule, 'pptpd-crash');
    // Retention ran its first pass at start and logged it.
    for (let i = 0; i < 40 && !stderr.join('').includes('retention pass'); i++) await sleep(50);
    assert.match(stderr.join(''), /"retention":\{"events":0/);
  } finally {
    await monitor.stop();
    await store.close();
  }
});
