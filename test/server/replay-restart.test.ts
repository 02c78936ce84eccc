/**
 * The rules count what the store newly stored, not what a process remembers: a real `pptpmon server`
 * (SQLite, HTTP on loopback) sees a TCP 1723 outage begin and end (one tcp-1723-down episode), is
 * restarted, and the agent re-sends the same batch (its ack was lost). The store keeps one copy and
 * the rules see nothing new: no second episode, no second notification. With a memory of producer
 * ids (lost at the restart) the replay fired and resolved the old outage again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeEvent, type Event } from '../../src/events/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { apiUp } from '../helpers/api.js';
import { spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

const TOKEN = 'replay-restart-token-0123456789';

function probe(i: number, ok: boolean, tsMs: number): Event {
  return makeEvent('probe.tcp', {
    id: `probe:${i}`,
    ts: new Date(tsMs).toISOString(),
    host: 'vpn1',
    severity: ok ? 'info' : 'critical',
    attrs: {
      target: '192.0.2.10:1723',
      vantage: 'local',
      ok,
      ms: 3,
      ...(ok ? {} : { error: 'ECONNREFUSED' }),
    },
    source: { probe: 'tcp' },
  });
}

test('pptpmon server: a batch re-sent after a restart is stored once and fires nothing again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-replay-restart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const db = join(dir, 'pptpmon.db');
  const config = join(dir, 'pptpmon.yaml');
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(
    config,
    JSON.stringify({
      host: 'monitor',
      server: { listen: `127.0.0.1:${port}`, tokenFile: join(dir, 'token') },
      store: { path: db },
      agent: { stateDir: join(dir, 'state') },
      alerts: { groupWait: '0s' },
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const now = Date.now();
  // Down at now-3s, up at now-2s: one whole outage in one batch.
  const batch = [probe(1, false, now - 3000), probe(2, true, now - 2000)];
  const send = async (): Promise<void> => {
    const r = await fetch(`${base}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ host: 'vpn1', events: batch }),
    });
    assert.equal(r.status, 200, await r.text());
  };
  const run = async (): Promise<string> => {
    const { child, output } = spawnCli(['server', '-c', config]);
    try {
      assert.ok(await apiUp(base, 20_000), output());
      await send();
      await sleep(1500); // ticks (50 ms) and decision writes
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      assert.equal(code, 0, output());
    }
    return output();
  };

  const episodes = async (): Promise<[number, number, number]> => {
    const store = new SqliteStore({ path: db, mustExist: true });
    try {
      return [
        await store.countEvents({ kinds: ['probe.tcp'] }),
        await store.countEvents({ kinds: ['alert.firing'] }),
        await store.countEvents({ kinds: ['alert.resolved'] }),
      ];
    } finally {
      await store.close();
    }
  };

  const first = await run();
  // The batch alone is an episode (else the check after the restart could not fail).
  assert.deepEqual(await episodes(), [2, 1, 1], `first run: one outage, one episode\n${first}`);
  const second = await run();
  assert.deepEqual(await episodes(), [2, 1, 1], `after the restart and replay: still one\n${second}`);
  assert.ok(!second.includes('"notification"'), `the replay notified again: ${second}`);
});
