/**
 * Shipping end to end on this host with real components: the agent's disk spool, HTTP to the real
 * fastify server, and the real SQLite store behind it. "Server down for 10 minutes": 10 simulated
 * minutes of traffic (an injected clock stamps the events) are spooled while the server's port is
 * closed, then the server comes up and the spool replays: nothing lost, nothing doubled, order kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SqliteStore } from '../../src/store/index.js';
import { buildServer } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { Shipper, postJson } from '../../src/agent/ship.js';
import { openSpool } from '../../src/agent/sinks.js';
import type { AgentItem } from '../../src/agent/items.js';
import type { Event } from '../../src/events/index.js';

const TOKEN = 'test-token-0123456789abcdef';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-ship-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function sample(i: number, tsMs: number): { e: Event } {
  return {
    e: {
      kind: 'sys.sample',
      id: `sim:${i}`,
      ts: new Date(tsMs).toISOString(),
      host: 'vpn1',
      severity: 'info',
      attrs: { cpuPct: i % 100, memPct: 50, diskPct: 10, load1: 0.1 },
      source: { collector: 'system' },
    },
  };
}

async function startServer(
  store: SqliteStore,
  port = 0,
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = buildServer({ token: TOKEN, target: store, metrics: new Metrics() });
  await app.listen({ host: '127.0.0.1', port });
  const addr = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${addr.port}`, close: () => app.close() };
}

test('server down for 10 simulated minutes: everything spooled, replayed in order, stored once', async (t) => {
  const dir = tmp(t);
  const store = new SqliteStore({ path: join(dir, 'server.db') });
  t.after(() => store.close());
  // Find a free port, then close it: the "server down" phase connects to a refused port.
  const probe = await startServer(store);
  const url = probe.url;
  await probe.close();

  const spool = openSpool(join(dir, 'spool'), 64 << 20, 'vpn1');
  const shipper = new Shipper(spool, { url, token: TOKEN, host: 'vpn1', batchSize: 1000 });
  const t0 = Date.parse('2026-11-24T22:00:00Z');
  const PER_SECOND = 20;
  let n = 0;
  for (let sec = 0; sec < 600; sec++) {
    const batch: AgentItem[] = [];
    for (let k = 0; k < PER_SECOND; k++) batch.push(sample(n++, t0 + sec * 1000 + k));
    spool.append(batch);
    if (sec % 60 === 0) assert.equal(await shipper.shipOnce(), 'failed'); // retries during the outage
  }
  assert.ok(shipper.outage);
  assert.ok(spool.pendingBytes > 0);

  const up = await startServer(store, Number(new URL(url).port));
  t.after(() => up.close());
  let rounds = 0;
  while ((await shipper.shipOnce()) === 'sent') rounds++;
  assert.equal(shipper.outage, false);
  const stored = await store.queryEvents({ host: 'vpn1', limit: 100_000, order: 'asc' });
  assert.equal(stored.length, n, 'nothing lost, nothing doubled');
  assert.deepEqual(
    stored.map((e) => e.externalId ?? e.id),
    Array.from({ length: n }, (_, i) => `sim:${i}`),
    'order kept',
  );
  t.diagnostic(`events=${n} batches=${rounds}`);
});

test('a lost acknowledgement (crash after the server stored) replays the batch; the store keeps one copy', async (t) => {
  const dir = tmp(t);
  const store = new SqliteStore({ path: join(dir, 'server.db') });
  t.after(() => store.close());
  const srv = await startServer(store);
  t.after(() => srv.close());
  const spool = openSpool(join(dir, 'spool'), 1 << 20, 'vpn1');
  spool.append([sample(1, Date.now()), sample(2, Date.now() + 1)]);
  let first = true;
  const flaky: typeof postJson = async (...args) => {
    const res = await postJson(...args);
    if (first) {
      first = false;
      throw new Error('connection reset after the server answered');
    }
    return res;
  };
  const shipper = new Shipper(spool, { url: srv.url, token: TOKEN, host: 'vpn1', post: flaky });
  assert.equal(await shipper.shipOnce(), 'failed');
  assert.equal(await shipper.shipOnce(), 'sent');
  assert.equal(await shipper.shipOnce(), 'idle');
  assert.equal(await store.countEvents({ host: 'vpn1' }), 2);
});

test('spool bound: oldest dropped first, counted in one agent.spool.dropped event, the rest intact', (t) => {
  const dir = tmp(t);
  const spool = openSpool(join(dir, 'spool'), 200_000, 'vpn1');
  const total = 5000;
  for (let i = 0; i < total; i += 100) {
    const batch: AgentItem[] = [];
    for (let k = i; k < i + 100; k++) batch.push(sample(k, Date.now()));
    spool.append(batch);
  }
  const { items } = spool.peek(1_000_000, 1 << 30);
  const events = items.filter((x): x is { e: Event } => 'e' in x).map((x) => x.e);
  const dropped = events.filter((e) => e.kind === 'agent.spool.dropped');
  const kept = events.filter((e) => e.kind === 'sys.sample').map((e) => Number(e.id?.split(':')[1]));
  const droppedCount = dropped.reduce(
    (a, e) => a + (e.kind === 'agent.spool.dropped' ? e.attrs.count : 0),
    0,
  );
  assert.ok(dropped.length > 0, 'the bound was hit');
  assert.equal(droppedCount + kept.length, total, 'every event is either kept or counted as dropped');
  assert.equal(kept[kept.length - 1], total - 1, 'the newest are kept');
  assert.deepEqual(
    kept,
    Array.from({ length: kept.length }, (_, i) => total - kept.length + i),
    'oldest-first, in order',
  );
  assert.equal(spool.dropped, droppedCount);
});

test('server: token required; a bad event is rejected by name while the rest of the batch is stored', async (t) => {
  const dir = tmp(t);
  const store = new SqliteStore({ path: join(dir, 'server.db') });
  t.after(() => store.close());
  const srv = await startServer(store);
  t.after(() => srv.close());
  const body = {
    host: 'vpn1',
    events: [
      sample(1, Date.now()).e,
      { kind: 'sys.sample', ts: 'yesterday', host: 'vpn1', severity: 'info', attrs: {} },
    ],
    sessions: [],
  };
  const denied = await postJson(`${srv.url}/api/v1/ingest`, 'wrong-token-0123456789abcde', body);
  assert.equal(denied.status, 401);
  const res = await postJson(`${srv.url}/api/v1/ingest`, TOKEN, body);
  assert.equal(res.status, 200);
  const out = JSON.parse(res.body) as { accepted: number; rejected: Array<{ error: string }> };
  assert.equal(out.accepted, 1);
  assert.match(out.rejected[0]?.error ?? '', /^events\[1\]\.ts: expected an ISO 8601 time/);
  assert.equal(await store.countEvents({ host: 'vpn1' }), 1);
  const metrics = await fetch(`${srv.url}/metrics`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  }).then((r) => r.text());
  assert.equal((await fetch(`${srv.url}/metrics`)).status, 401, '/metrics needs the token');
  assert.match(metrics, /pptpmon_events_total\{kind="sys.sample"\} 1/);
});

test('spool peek reads from the acknowledged offset in chunks: long lines across chunk edges, torn tail, restart', (t) => {
  const dir = tmp(t);
  const spoolDir = join(dir, 'spool');
  const spool = openSpool(spoolDir, 1 << 30, 'vpn1');
  // Lines from ~150 bytes to ~700 KB, so some straddle the 256 KB read chunk and some exceed it.
  const sizes = [0, 5, 300_000, 1, 700_000, 2, 3, 262_000, 4];
  const want: string[] = [];
  let n = 0;
  for (const pad of sizes) {
    const batch: AgentItem[] = [];
    for (let k = 0; k < 50; k++) {
      const it = sample(n, Date.now());
      it.e.raw = 'x'.repeat(k === 7 ? pad : k);
      batch.push(it);
      want.push(`sim:${n++}`);
    }
    spool.append(batch);
  }
  // A crash mid-append: a torn last line that append() never returned for.
  spool.close();
  const seg = readdirSync(spoolDir).find((f) => f.endsWith('.ndjson'))!;
  appendFileSync(join(spoolDir, seg), '{"e":{"kind":"sys.sample","id":"torn');
  const reopened = openSpool(spoolDir, 1 << 30, 'vpn1');
  reopened.append([sample(n, Date.now())]);
  want.push(`sim:${n}`);
  const got: string[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const { items, next } = reopened.peek(7, 1 << 20);
    if (items.length === 0) break;
    for (const it of items) if ('e' in it) got.push(it.e.id!);
    reopened.ack(next);
  }
  assert.deepEqual(got, want, 'every item once, in order; the torn line skipped');
  // Idle acks (the shipper's every second) of an unchanged position do not rewrite ack.json.
  unlinkSync(join(spoolDir, 'ack.json'));
  for (let i = 0; i < 3; i++) reopened.ack(reopened.peek(7).next);
  assert.ok(!existsSync(join(spoolDir, 'ack.json')), 'ack.json not rewritten while idle');
  reopened.close();
});
