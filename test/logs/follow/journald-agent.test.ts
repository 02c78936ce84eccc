/**
 * `pptpmon run` itself (src/cli/run.ts -> src/agent/build.ts: JournalFollower with the agent's matches
 * and its checkpoint file) following a REAL systemd-journald (journald-ns.ts), killed with SIGKILL in
 * the middle of the lab capture and restarted while journald is restarted too: in the SQLite store every
 * event of the journal's pppd/pptpd lines is there exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrivateJournald, unavailable } from './journald-ns.js';
import { journalLineId } from '../../../src/logs/follow/journal.js';
import { LineIntake } from '../../../src/agent/intake.js';
import { SqliteStore } from '../../../src/store/index.js';
import { skipOrFail } from '../../helpers/require.js';

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).pathname;
const CAPTURE = new URL('../../corpus/lab-seed/syslog.log', import.meta.url).pathname;
const CAPTURE_LINE = /^\w{3} [ \d]\d [\d:]{8} (pppd|pptpd|pptp)\[(\d+)\]: (.*)$/;
const MATCHES = ['SYSLOG_IDENTIFIER=pppd', 'SYSLOG_IDENTIFIER=pptpd', 'SYSLOG_IDENTIFIER=pptp'];
const HOST = 'vpn-journald';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

test('pptpmon run on a real journald: SIGKILL and restart (journald restarted meanwhile): each journal event stored once', async (t) => {
  const why = unavailable();
  if (why) return skipOrFail(t, 'journald', why);
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-journald-agent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let j: PrivateJournald;
  try {
    j = await PrivateJournald.start(dir);
  } catch (err) {
    return skipOrFail(t, 'journald', `systemd-journald cannot start here: ${(err as Error).message}`);
  }
  t.after(() => j.stop());

  const port = await freePort();
  const db = join(dir, 'pptpmon.db');
  const cfg = join(dir, 'pptpmon.yaml');
  const off = { enabled: false };
  writeFileSync(
    cfg,
    JSON.stringify({
      host: HOST,
      // No file in the namespace's fresh /var/log: the journal is the only source.
      logs: { defaults: false, files: [join(dir, 'no-such.log')], journald: true },
      server: { listen: `127.0.0.1:${port}` },
      store: { path: db },
      agent: {
        stateDir: join(dir, 'state'),
        pollInterval: '100ms',
        // The whole journal on the first start, so what is expected does not depend on timing.
        startAtEnd: false,
        collectors: { processes: off, sessions: off, system: off, netstat: off, 'config-drift': off },
      },
    }),
  );
  let out = '';
  let agent: ChildProcess | undefined;
  const startAgent = async (): Promise<void> => {
    const c = j.spawnInNs([process.execPath, '--import', 'tsx', MAIN, 'run', '-c', cfg], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent = c;
    c.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    c.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    for (let i = 0; i < 600; i++) {
      assert.equal(c.exitCode, null, `pptpmon run exited: ${out}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(100);
    }
    assert.fail(`pptpmon run not healthy: ${out}`);
  };
  const stopAgent = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
    const c = agent;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  t.after(() => stopAgent('SIGKILL'));
  const read = async (): Promise<string[]> => {
    const store = new SqliteStore({ path: db });
    try {
      // Log events carry the host of their line (journald's _HOSTNAME), not the configured one.
      const evs = await store.queryEvents({ limit: 100_000 });
      return evs.map((e) => e.externalId ?? `(no external id: ${e.kind})`);
    } finally {
      await store.close();
    }
  };

  const capture = readFileSync(CAPTURE, 'utf8')
    .split('\n')
    .map((l) => CAPTURE_LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ ident: m[1]!, pid: Number(m[2]), message: m[3]! }));
  const exeOf = (c: (typeof capture)[number]): string =>
    c.ident === 'pptpd' && c.message.startsWith('CTRL:') ? 'pptpctrl' : c.ident;
  const replay = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to;) {
      const first = capture[i]!;
      const batch: string[] = [];
      const same = (c: (typeof capture)[number]): boolean =>
        c.pid === first.pid && c.ident === first.ident && exeOf(c) === exeOf(first);
      for (; i < to && same(capture[i]!); i++) batch.push(capture[i]!.message);
      assert.ok(await j.syslog(exeOf(first), first.ident, first.pid, batch), 'journald refused a datagram');
      await sleep(5);
    }
  };
  const third = Math.floor(capture.length / 3);

  await startAgent();
  await replay(0, third);
  await sleep(700); // some of it stored and checkpointed, maybe not all
  const atKill = (await read()).length;
  await stopAgent('SIGKILL');
  await replay(third, 2 * third); // while the agent is down
  await j.restart('SIGTERM');
  await startAgent();
  await replay(2 * third, capture.length);

  // What a single uninterrupted pass over the journal's lines makes (ids from the journal cursors).
  const truth = await j.entries(MATCHES);
  assert.equal(truth.length, capture.length);
  const expected = new LineIntake({ host: HOST }).push(
    truth.map((e, n) => ({
      id: journalLineId(e.__CURSOR),
      file: 'journal',
      line: n + 1,
      text: JSON.stringify(e),
      readFrom: 'journal',
    })),
  );
  assert.ok(expected.length > 50);
  const lineIds = new Set(truth.map((e) => journalLineId(e.__CURSOR)));

  let stored: string[] = [];
  for (let i = 0; i < 200; i++) {
    stored = await read().catch(() => []);
    if (expected.every((e) => stored.includes(e.id!))) break;
    await sleep(100);
  }
  await stopAgent('SIGTERM');
  stored = await read();
  t.diagnostic(
    `${truth.length} journal lines, ${expected.length} events expected, ${stored.length} stored (${atKill} before the SIGKILL)`,
  );
  assert.ok(atKill > 0, 'the first run stored something before it was killed');

  const missing = expected.map((e) => e.id!).filter((id) => !stored.includes(id));
  assert.deepEqual(missing, [], `events lost; agent said: ${out}`);
  const twice = stored.filter((id, i) => stored.indexOf(id) !== i);
  assert.deepEqual(twice, [], 'events stored twice');
  // Every stored event comes from a line of the journal (an id `<line id>` or `<line id>#n`).
  const foreign = stored.filter((id) => !lineIds.has(id.replace(/#\d+$/, '')));
  assert.deepEqual(foreign, []);
});
