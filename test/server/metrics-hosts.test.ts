/**
 * pptpmon_process_up on a central server fed by two agents' hosts: the gauge is per {host, name}, so
 * pids of different hosts neither mix nor collide (pid 812 is pppd on vpn1 and on vpn2). Through the
 * real ingest route (fastify, bearer token) into a real SQLite store, scraped from /metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEvent, type Event } from '../../src/events/index.js';
import { buildServer } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { SqliteStore } from '../../src/store/index.js';

const TOKEN = 'metrics-hosts-token-0123456789';
let seq = 0;

function proc(host: string, kind: 'proc.up' | 'proc.down', name: string, pid: number): Event {
  return makeEvent(kind, {
    id: `proc:${seq++}`,
    ts: new Date(Date.UTC(2026, 10, 25, 2, 0, seq)).toISOString(),
    host,
    severity: kind === 'proc.up' ? 'info' : 'critical',
    attrs: kind === 'proc.up' ? { name, pid } : { name, pid, exitCode: 0 },
    source: { collector: 'processes' },
  });
}

function probe(host: string): Event {
  return makeEvent('probe.tcp', {
    id: `probe:${seq++}`,
    ts: new Date(Date.UTC(2026, 10, 25, 2, 0, seq)).toISOString(),
    host,
    severity: 'info',
    attrs: { target: '192.0.2.1:1723', vantage: host, ok: true, ms: 2 },
    source: { probe: 'tcp' },
  });
}

test('process_up is per host: two hosts with the same pppd pid, one dies, the other stays up', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-metrics-hosts-'));
  const store = new SqliteStore({ path: join(dir, 's.db') });
  const metrics = new Metrics();
  const app = buildServer({ token: TOKEN, target: store, metrics });
  t.after(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const send = async (host: string, events: Event[]): Promise<void> => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { host, events },
    });
    assert.equal(r.statusCode, 200, r.body);
  };
  const up = async (): Promise<Map<string, number>> => {
    const r = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    const out = new Map<string, number>();
    for (const m of r.body.matchAll(/^pptpmon_process_up\{(.*)\} (\S+)$/gm)) out.set(m[1]!, Number(m[2]));
    return out;
  };
  const series = (host: string, name: string): string => `host="${host}",name="${name}"`;

  await send('vpn1', [proc('vpn1', 'proc.up', 'pptpd', 700), proc('vpn1', 'proc.up', 'pppd', 812)]);
  await send('vpn2', [
    proc('vpn2', 'proc.up', 'pptpd', 700),
    proc('vpn2', 'proc.up', 'pppd', 812),
    proc('vpn2', 'proc.up', 'pppd', 813),
  ]);
  let s = await up();
  assert.equal(s.get(series('vpn1', 'pppd')), 1, 'vpn1 pppd 812');
  assert.equal(
    s.get(series('vpn2', 'pppd')),
    2,
    'vpn2 pppd 812 and 813 (812 is not one pid shared with vpn1)',
  );
  assert.equal(s.get(series('vpn1', 'pptpd')), 1);
  assert.equal(s.get(series('vpn2', 'pptpctrl')), 0, 'watched names start at 0 per host');

  // pid 812 ends on vpn2 and pptpd dies there: vpn1 keeps its 812 and its pptpd.
  await send('vpn2', [proc('vpn2', 'proc.down', 'pppd', 812), proc('vpn2', 'proc.down', 'pptpd', 700)]);
  s = await up();
  assert.equal(s.get(series('vpn1', 'pppd')), 1, 'vpn1 pppd 812 still up');
  assert.equal(s.get(series('vpn2', 'pppd')), 1);
  assert.equal(s.get(series('vpn2', 'pptpd')), 0, 'alertable: process_up{host="vpn2",name="pptpd"} == 0');
  assert.equal(s.get(series('vpn1', 'pptpd')), 1);

  // A probe vantage runs no pptpd: no process_up series for it. No series without a host label.
  await send('vantage-a', [probe('vantage-a')]);
  s = await up();
  assert.ok(![...s.keys()].some((k) => k.includes('vantage-a')), [...s.keys()].join(' '));
  assert.ok(
    [...s.keys()].every((k) => k.startsWith('host="')),
    [...s.keys()].join(' '),
  );
  assert.equal(s.size, 6, 'two hosts x pptpd, pptpctrl, pppd');
});
