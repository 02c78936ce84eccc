/**
 * The product path, not a stand-in: `pptpmon run` (file follower -> classifiers -> SQLite store) is
 * killed with SIGKILL and restarted several times while a writer appends 10,000 lines/s and rotates
 * the log by rename (with delaycompress-style gzip of .2) and by copytruncate. The lines are real
 * pppd/pptpd message texts (pppd auth.c/chap.c "Peer %q failed CHAP authentication" and "No CHAP secret
 * found for authenticating %q", pptpd ctrlpacket.c "CTRL: Client %s control connection started", as
 * in test/corpus/lab-seed/ppp-server.log and syslog.log), each with its own pid (and user), so each
 * line makes exactly one event that names its line. In the store: every line's event exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync,
  copyFileSync,
  existsSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { spawnCli, type CliProcess } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

const LINES_PER_SECOND = 10_000;
const RUN_MS = 15_000;
const PID0 = 100_000;
const KINDS = ['auth.fail', 'pptp.ctrl.open'] as const;

/** Line `seq`: pid PID0+seq identifies it (and its event, through the event's raw line). */
function line(seq: number, stamp: string): string {
  const pid = PID0 + seq;
  switch (seq % 3) {
    case 0:
      return `${stamp} vpn pppd[${pid}]: Peer u${seq} failed CHAP authentication\n`;
    case 1:
      return `${stamp} vpn pptpd[${pid}]: CTRL: Client 10.77.1.2 control connection started\n`;
    default:
      return `${stamp} vpn pppd[${pid}]: No CHAP secret found for authenticating u${seq}\n`;
  }
}

/** Writer with logrotate semantics: rename (create) or copytruncate; .2 is gzip'd like delaycompress. */
class Writer {
  seq = 0;
  private fd: number;
  constructor(private readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  write(n: number): void {
    const d = new Date();
    const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
    const stamp = `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    let s = '';
    for (let i = 0; i < n; i++) s += line(this.seq++, stamp);
    if (s) writeSync(this.fd, s);
  }
  private shift(): void {
    const p = this.path;
    if (existsSync(`${p}.5.gz`)) unlinkSync(`${p}.5.gz`);
    for (let i = 4; i >= 2; i--)
      if (existsSync(`${p}.${i}.gz`)) renameSync(`${p}.${i}.gz`, `${p}.${i + 1}.gz`);
    if (existsSync(`${p}.1`)) {
      writeFileSync(`${p}.2.gz.tmp`, gzipSync(readFileSync(`${p}.1`)));
      renameSync(`${p}.2.gz.tmp`, `${p}.2.gz`);
      unlinkSync(`${p}.1`);
    }
  }
  rotateRename(): void {
    this.shift();
    renameSync(this.path, `${this.path}.1`);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
  }
  rotateCopyTruncate(): void {
    this.shift();
    copyFileSync(this.path, `${this.path}.1`);
    ftruncateSync(this.fd, 0);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/**
 * seq -> how many times its event is stored. Read straight from the SQLite file (the store's query
 * API pages at most 100,000 rows, this run stores 150,000): the pid in each event's raw line.
 */
function storedCounts(db: string): Map<number, number> {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    conn.pragma('busy_timeout = 5000');
    const counts = new Map<number, number>();
    const rows = conn
      .prepare(
        `SELECT json_extract(doc, '$.raw') AS raw FROM events WHERE kind IN (${KINDS.map(() => '?').join(',')})`,
      )
      .iterate(...KINDS) as IterableIterator<{ raw: string | null }>;
    for (const { raw } of rows) {
      const pid = Number(/(?:pppd|pptpd)\[(\d+)\]/.exec(raw ?? '')?.[1]);
      counts.set(pid - PID0, (counts.get(pid - PID0) ?? 0) + 1);
    }
    return counts;
  } finally {
    conn.close();
  }
}

/** "12-15, 40" from sorted numbers. */
function ranges(ns: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ns.length;) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j]! + 1) j++;
    out.push(i === j ? `${ns[i]}` : `${ns[i]}-${ns[j]}`);
    i = j + 1;
  }
  return out.slice(0, 20).join(', ') + (out.length > 20 ? ` (+${out.length - 20} ranges)` : '');
}

test('kill -9 of pptpmon run during rename and copytruncate rotation at 10k lines/s: every line’s event stored exactly once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-run-kill-'));
  const log = join(dir, 'syslog');
  const db = join(dir, 'pptpmon.db');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'token'), 'kill-rotation-token-0123456789\n');
  const port = await freePort();
  const off = { enabled: false };
  writeFileSync(
    join(dir, 'pptpmon.yaml'),
    JSON.stringify({
      host: 'vpn-kill',
      logs: { files: [log], timezone: 'UTC' },
      server: { listen: `127.0.0.1:${port}`, tokenFile: join(dir, 'token') },
      store: { path: db },
      // Rules off: 150k auth failures would only make alerts; the store path is what is measured.
      rules: { defaults: false },
      agent: {
        stateDir: join(dir, 'state'),
        pollInterval: '100ms',
        startAtEnd: false,
        collectors: { processes: off, sessions: off, system: off, netstat: off, 'config-drift': off },
      },
    }),
  );
  let run: CliProcess | undefined;
  let healthySince = 0;
  const start = (): void => {
    healthySince = 0;
    run = spawnCli(['run', '-c', join(dir, 'pptpmon.yaml')]);
    const me = run;
    void (async () => {
      while (me.child.exitCode === null && me.child.signalCode === null && healthySince === 0) {
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok && run === me) healthySince = Date.now();
        else await sleep(100);
      }
    })();
  };
  const kill = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
    const c = run?.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  t.after(async () => {
    await kill('SIGKILL');
    if (!process.env.KILL_DEBUG) rmSync(dir, { recursive: true, force: true });
  });
  start();
  for (let i = 0; i < 600 && !healthySince; i++) await sleep(50);
  assert.ok(healthySince, `pptpmon run did not come up: ${run?.output()}`);

  const writer = new Writer(log);
  const timeline: string[] = [];
  let kills = 0;
  let renames = 0;
  let copies = 0;
  let tick = 0;
  let rotationsWhileDown = 0;
  const t0 = Date.now();
  let nextRotate = t0 + 500;
  // At least RUN_MS and 4 kills (tsx start-up is slow on a loaded box), at most 40 s.
  const going = (): boolean => Date.now() - t0 < (kills < 4 ? 40_000 : RUN_MS);
  while (going()) {
    const now = Date.now();
    writer.write(Math.max(0, Math.floor(((now - t0) * LINES_PER_SECOND) / 1000) - writer.seq));
    const up = healthySince > 0;
    if (up) rotationsWhileDown = 0;
    // logrotate keeps 5 generations: bound rotations while the agent is down to 2 so the test
    // measures the follower, not how slowly tsx starts on a loaded 2-core box.
    if (now >= nextRotate && (up || rotationsWhileDown < 2)) {
      if (!up) rotationsWhileDown++;
      if (tick++ % 2 === 0) {
        writer.rotateRename();
        renames++;
        timeline.push(`rename@${writer.seq}`);
      } else {
        writer.rotateCopyTruncate();
        copies++;
        timeline.push(`copytruncate@${writer.seq}`);
      }
      nextRotate = now + 700;
    }
    // Killed once it has run a second (it has read, stored and checkpointed some lines).
    if (up && now - healthySince >= 1000) {
      await kill('SIGKILL');
      kills++;
      timeline.push(`kill@${writer.seq}`);
      start();
    }
    await sleep(10);
  }
  writer.close();
  const elapsedMs = Date.now() - t0;
  const total = writer.seq;
  timeline.push(`end@${total}`);
  for (let i = 0; i < 600 && !healthySince; i++) await sleep(50);

  // Bounded wait until every line's event is stored (or nothing more arrives).
  let counts = new Map<number, number>();
  let last = -1;
  for (let i = 0; i < 120; i++) {
    try {
      counts = storedCounts(db);
    } catch {
      // the database file is being created or locked: next round
    }
    if (counts.size >= total) break;
    if (i > 20 && counts.size === last) break; // stalled for a while: report what is missing
    last = counts.size;
    await sleep(500);
  }
  await kill('SIGTERM');
  counts = storedCounts(db);
  const missing: number[] = [];
  const twice: number[] = [];
  for (let s = 0; s < total; s++) {
    const n = counts.get(s) ?? 0;
    if (n === 0) missing.push(s);
    else if (n > 1) twice.push(s);
  }
  const foreign = [...counts.keys()].filter((s) => !(s >= 0 && s < total));
  t.diagnostic(
    `lines=${total} stored=${counts.size} missing=${missing.length} twice=${twice.length} kills=${kills} renames=${renames} copytruncates=${copies}`,
  );
  t.diagnostic(`timeline (line seq at each step): ${timeline.join(' ')}`);
  assert.ok(kills >= 4, `only ${kills} kills: ${run?.output().slice(-2000)}`);
  assert.ok(renames >= 3 && copies >= 3, `renames=${renames} copytruncates=${copies}`);
  assert.ok(total >= (elapsedMs / 1000) * LINES_PER_SECOND * 0.9, `writer only reached ${total} lines`);
  assert.deepEqual(foreign, [], 'events of lines never written');
  assert.equal(missing.length, 0, `lines lost (seq): ${ranges(missing)}; ${timeline.join(' ')}`);
  assert.equal(twice.length, 0, `lines stored twice (seq): ${ranges(twice)}`);
});
