/**
 * pppd's `logfile` and syslog carry the same pppd messages; the agent must ingest each once, keeping
 * the syslog copy (pid and time), without losing the messages only the logfile has (RHEL's
 * /var/log/messages takes *.info, so pppd's debug lines are in the logfile alone). Real files, written
 * the way the writers write them: pppd's log_write() writes the bare message and then "\n" in a second
 * write(2); rsyslog writes `Mmm dd hh:mm:ss host pppd[pid]: message\n` in one. The lines come from the
 * lab's real server pppd logfile (samples/ppp-server.log).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FollowerSet } from '../../../src/logs/follow/set.js';
import type { FollowedLine } from '../../../src/logs/follow/file.js';
import { LineIntake } from '../../../src/agent/intake.js';

const SAMPLE = readFileSync(new URL('../../../samples/ppp-server.log', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0);
const isDebug = (m: string): boolean => m.startsWith('sent [') || m.startsWith('rcvd [');

/** pppd with `logfile`: the message, then the newline, in two writes (pppd/utils.c log_write). */
class PppdLogfile {
  private readonly fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  log(msg: string): void {
    this.text(msg);
    this.newline();
  }
  /** The first of the two writes alone: a follower polling now sees a torn line. */
  text(msg: string): void {
    writeSync(this.fd, msg);
  }
  newline(): void {
    writeSync(this.fd, '\n');
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** rsyslog's traditional file format, one write per line. */
class Rsyslog {
  private readonly fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  log(pid: number, msg: string, d = new Date()): void {
    const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
    const day = String(d.getUTCDate()).padStart(2, ' ');
    const time = d.toISOString().slice(11, 19);
    writeSync(this.fd, `${mon} ${day} ${time} vpn pppd[${pid}]: ${msg}\n`);
  }
  close(): void {
    closeSync(this.fd);
  }
}

function setup(t: { after: (fn: () => void) => void }): { dir: string; ppp: string; sys: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-dedup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, ppp: join(dir, 'ppp.log'), sys: join(dir, 'syslog') };
}

/**
 * Writes the sample through both writers, polling every 7 messages; `inSyslog` picks what rsyslog
 * gets. rsyslog writes asynchronously but in order: at a poll, some of its copies are still to come
 * (read in a later poll than the logfile copy); and pppd may be between its two writes, so the
 * logfile copy completes after the syslog copy was read.
 */
async function run(
  set: FollowerSet,
  ppp: string,
  sys: string,
  inSyslog: (m: string) => boolean,
): Promise<FollowedLine[]> {
  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(sys);
  const got: FollowedLine[] = [];
  let queue: string[] = [];
  for (let i = 0; i < SAMPLE.length; i++) {
    const m = SAMPLE[i]!;
    const torn = i % 7 === 6 && i % 2 === 0;
    if (torn) lf.text(m);
    else lf.log(m);
    if (inSyslog(m)) queue.push(m);
    if (i % 7 === 6) {
      const now = torn ? queue.length : queue.length >> 1;
      for (const q of queue.slice(0, now)) rs.log(139, q);
      queue = queue.slice(now);
      got.push(...set.poll().lines);
      if (torn) lf.newline();
    }
  }
  for (const q of queue) rs.log(139, q);
  lf.close();
  rs.close();
  for (let i = 0; i < 20; i++) {
    got.push(...set.poll().lines);
    await sleep(40);
  }
  return got;
}

test('pppd logfile + syslog carrying every line (Debian): only the syslog copies are ingested', async (t) => {
  const { ppp, sys } = setup(t);
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 150, lagMs: 300 },
  });
  t.after(() => set.close());
  const got = await run(set, ppp, sys, () => true);
  assert.equal(got.filter((l) => l.file === ppp).length, 0, 'no logfile copy delivered');
  assert.deepEqual(
    got.map((l) => l.text.replace(/^.*? pppd\[139\]: /, '')),
    SAMPLE,
    'every syslog copy once, in order',
  );
  assert.equal(new Set(got.map((l) => l.id)).size, got.length);
  assert.deepEqual(set.dedupStats(), {
    held: 0,
    copies: 0,
    dropped: SAMPLE.length,
    deliveredAlone: 0,
    forced: 0,
  });

  // The sessions the agent builds equal those from syslog alone; without the dedup they do not.
  const kinds = (lines: FollowedLine[]): string[] => {
    const intake = new LineIntake({ host: 'vpn', timezone: 'UTC' });
    return intake.push(lines).map((e) => e.kind);
  };
  const naive = new FollowerSet({ paths: [ppp, sys], startAtEnd: false, timezone: 'UTC', dedup: false });
  t.after(() => naive.close());
  const both = naive.poll().lines;
  assert.equal(both.length, 2 * SAMPLE.length);
  assert.deepEqual(kinds(got), kinds(both.filter((l) => l.file === sys)));
  assert.notDeepEqual(kinds(both), kinds(got), 'the naive reading ingests pppd twice');
});

test('RHEL: syslog without the debug lines; the logfile-only lines arrive once, after the window', async (t) => {
  const { ppp, sys } = setup(t);
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 150, lagMs: 300 },
  });
  t.after(() => set.close());
  const got = await run(set, ppp, sys, (m) => !isDebug(m));
  const debug = SAMPLE.filter(isDebug);
  assert.ok(debug.length > 20);
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    debug,
    'the debug lines, each once, in file order',
  );
  assert.deepEqual(
    got.filter((l) => l.file === sys).map((l) => l.text.replace(/^.*? pppd\[139\]: /, '')),
    SAMPLE.filter((m) => !isDebug(m)),
  );
  const s = set.dedupStats()!;
  assert.equal(s.dropped, SAMPLE.length - debug.length);
  assert.equal(s.deliveredAlone, debug.length);
  assert.equal(s.held, 0);
});

test('a quiet auth.log (never carries pppd) does not delay the logfile-only lines; messages does', async (t) => {
  const { dir, ppp } = setup(t);
  const messages = join(dir, 'messages');
  const auth = join(dir, 'auth.log');
  writeFileSync(auth, 'Nov 24 03:00:00 vpn sshd[9]: Accepted publickey for root\n');
  const set = new FollowerSet({
    paths: [ppp, messages, auth],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 150, lagMs: 5000 },
  });
  t.after(() => set.close());
  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(messages);
  const debug = SAMPLE.filter(isDebug).slice(0, 10);
  for (const m of debug) lf.log(m);
  lf.close();
  const got: FollowedLine[] = [...set.poll().lines];
  // Any line in messages stamped (to the second) after the window shows rsyslog wrote all before it.
  await sleep(1200);
  rs.log(1, 'IPCP: timeout sending Config-Requests');
  rs.close();
  const t0 = Date.now();
  while (got.filter((l) => l.file === ppp).length < debug.length && Date.now() - t0 < 4000) {
    got.push(...set.poll().lines);
    await sleep(50);
  }
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    debug,
  );
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms: waited for auth.log's lag`);
});

test("syslog's repeat lines (rsyslog 'message repeated N times: [...]', sysklogd 'last message repeated N times') stand for N copies", async (t) => {
  const { ppp, sys } = setup(t);
  const lf = new PppdLogfile(ppp);
  const m1 = 'LCP: timeout sending Config-Requests';
  const m2 = 'No response to 4 echo-requests';
  for (let i = 0; i < 4; i++) lf.log(m1);
  for (let i = 0; i < 3; i++) lf.log(m2);
  lf.close();
  writeFileSync(
    sys,
    `Nov 24 21:58:26 vpn pppd[139]: ${m1}\n` +
      `Nov 24 21:58:56 vpn pppd[139]: message repeated 3 times: [ ${m1}]\n` +
      `Nov 24 21:59:00 vpn pppd[139]: ${m2}\n` +
      'Nov 24 21:59:30 vpn last message repeated 2 times\n',
  );
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 50 },
  });
  t.after(() => set.close());
  const got: FollowedLine[] = [];
  for (let i = 0; i < 5; i++) {
    got.push(...set.poll().lines);
    await sleep(30);
  }
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    [],
  );
  assert.equal(got.length, 4);
  assert.equal(set.dedupStats()!.dropped, 7);
});

test('a single followed file is passed through at once (nothing to dedup against)', (t) => {
  const { ppp } = setup(t);
  const lf = new PppdLogfile(ppp);
  for (const m of SAMPLE.slice(0, 10)) lf.log(m);
  lf.close();
  const set = new FollowerSet({ paths: [ppp], startAtEnd: false });
  t.after(() => set.close());
  assert.equal(set.poll().lines.length, 10);
  assert.equal(set.dedupStats(), undefined);
});

test('catch-up after downtime: a small ppp.log waits for a big syslog instead of holding unbounded', async (t) => {
  const { ppp, sys } = setup(t);
  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(sys);
  const N = 6000;
  const other = openSync(sys, 'a');
  for (let i = 0; i < N; i++) {
    const m = `Connect: ppp${i} <--> /dev/pts/${i % 40}`;
    lf.log(m);
    rs.log(1000 + (i % 40), m);
    // Other programs fill the syslog: it takes many polls to read, the logfile few.
    for (let k = 0; k < 4; k++) writeSync(other, `Dec  5 18:30:00 vpn kernel: [1.0] other line ${i}.${k}\n`);
  }
  closeSync(other);
  lf.close();
  rs.close();
  // A hard bound below the logfile's size: only pausing the logfile keeps the copies matched.
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    maxReadBytes: 32 * 1024,
    dedup: { windowMs: 50, pauseAt: 200, maxEntries: 1500 },
  });
  t.after(() => set.close());
  const got: FollowedLine[] = [];
  for (let i = 0; i < 400; i++) {
    const r = set.poll().lines;
    got.push(...r);
    if (r.length === 0 && set.dedupStats()!.held === 0) break;
    if (r.length === 0) await sleep(20);
  }
  assert.equal(got.filter((l) => l.file === ppp).length, 0, 'no logfile copy delivered');
  assert.equal(got.filter((l) => l.text.includes('pppd[')).length, N);
  const s = set.dedupStats()!;
  assert.equal(s.forced, 0);
  assert.equal(s.dropped, N);
});

test('stopped between the follow-state and the checkpoint writes: resumes from the newer follow state', async (t) => {
  const { dir, ppp, sys } = setup(t);
  const ck = join(dir, 'state', 'checkpoints.json');
  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(sys);
  const half = SAMPLE.length >> 1;
  const a = new FollowerSet({
    paths: [ppp, sys],
    checkpointPath: ck,
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 100, lagMs: 300 },
  });
  const got: FollowedLine[] = [];
  for (const m of SAMPLE.slice(0, half)) {
    lf.log(m);
    if (!isDebug(m)) rs.log(139, m);
  }
  got.push(...a.poll().lines);
  a.commit();
  const older = readFileSync(ck);
  // The next poll holds logfile-only lines; the commit saves them, then "crashes" before checkpoints.json.
  for (const m of SAMPLE.slice(half)) {
    lf.log(m);
    if (!isDebug(m)) rs.log(139, m);
  }
  got.push(...a.poll().lines);
  assert.ok(a.dedupStats()!.held > 0, 'lines held at the crash');
  a.commit();
  a.close();
  writeFileSync(ck, older);
  const b = new FollowerSet({
    paths: [ppp, sys],
    checkpointPath: ck,
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 100, lagMs: 300 },
  });
  t.after(() => b.close());
  const first = b.poll();
  assert.match(first.notes.join('\n'), /newer than .*checkpoints\.json/);
  got.push(...first.lines);
  for (let i = 0; i < 10; i++) {
    await sleep(40);
    got.push(...b.poll().lines);
  }
  lf.close();
  rs.close();
  assert.equal(new Set(got.map((l) => l.id)).size, got.length, 'nothing repeated');
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    SAMPLE.filter(isDebug),
    'the logfile-only lines, each once (held ones from the follow state)',
  );
  assert.equal(got.filter((l) => l.file === sys).length, SAMPLE.filter((m) => !isDebug(m)).length);
});

test('held lines saved, then restarted following the logfile alone: they are delivered, not lost', (t) => {
  const { dir, ppp, sys } = setup(t);
  const ck = join(dir, 'state', 'checkpoints.json');
  const lf = new PppdLogfile(ppp);
  writeFileSync(sys, '');
  for (const m of SAMPLE.slice(0, 10)) lf.log(m);
  lf.close();
  const a = new FollowerSet({
    paths: [ppp, sys],
    checkpointPath: ck,
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 60_000 },
  });
  assert.equal(a.poll().lines.length, 0, 'held, waiting for syslog copies');
  a.commit();
  a.close();
  const b = new FollowerSet({ paths: [ppp], checkpointPath: ck, startAtEnd: false });
  t.after(() => b.close());
  assert.deepEqual(
    b.poll().lines.map((l) => l.text),
    SAMPLE.slice(0, 10),
  );
  assert.deepEqual(b.poll().lines, []);
});

test('rsyslog trailing 1 s behind pppd (its queue under load): the logfile copies wait for the file, not the clock', async (t) => {
  const { ppp, sys } = setup(t);
  const set = new FollowerSet({
    paths: [ppp, sys],
    startAtEnd: false,
    dedup: { windowMs: 150, lagMs: 5000 },
  });
  t.after(() => set.close());
  const lf = new PppdLogfile(ppp);
  const sysFd = openSync(sys, 'a');
  t.after(() => closeSync(sysFd));
  // Debian 12's rsyslog format (RSYSLOG_FileFormat: RFC 3339 with microseconds), stamped on receipt,
  // written when the queue gets to it.
  const queue: Array<{ at: number; line: string }> = [];
  const got: FollowedLine[] = [];
  const msgs = SAMPLE.filter((m) => !isDebug(m)).slice(0, 20);
  const flush = (now: number): void => {
    while (queue.length > 0 && queue[0]!.at + 1000 <= now) writeSync(sysFd, queue.shift()!.line);
  };
  for (const m of msgs) {
    const now = Date.now();
    queue.push({
      at: now,
      line: `${new Date(now).toISOString().replace('Z', '000+00:00')} vpn pppd[139]: ${m}\n`,
    });
    lf.log(m);
    flush(now);
    got.push(...set.poll().lines);
    await sleep(100);
  }
  lf.close();
  for (let i = 0; i < 40 && (queue.length > 0 || set.dedupStats()!.held > 0); i++) {
    flush(Date.now());
    got.push(...set.poll().lines);
    await sleep(100);
  }
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    [],
    'no logfile copy ingested',
  );
  assert.equal(got.filter((l) => l.file === sys).length, msgs.length);
  assert.equal(set.dedupStats()!.dropped, msgs.length);
});

test('a lagging stream (logread -f stand-in 700 ms behind): logfile copies wait for it, not for the poll clock', async (t) => {
  const { dir, ppp } = setup(t);
  const ring = join(dir, 'ring');
  writeFileSync(ring, '');
  // Stand-in for OpenWrt's logread -f (see logread.test.ts) whose output trails the log by 700 ms,
  // as journalctl's does on a loaded machine: coreutils tail follows the buffer file, node delays it.
  const exe = join(dir, 'logread');
  writeFileSync(
    exe,
    `#!${process.execPath}\n` +
      `const { spawn } = require('node:child_process');\n` +
      `const tail = spawn('tail', ['-n', '+1', '-f', ${JSON.stringify(ring)}], { stdio: ['ignore', 'pipe', 'inherit'] });\n` +
      `require('node:readline').createInterface({ input: tail.stdout }).on('line', (l) => setTimeout(() => process.stdout.write(l + '\\n'), 700));\n` +
      `process.on('SIGTERM', () => { tail.kill(); process.exit(0); });\n`,
  );
  chmodSync(exe, 0o755);
  const set = new FollowerSet({
    paths: [ppp],
    startAtEnd: false,
    logread: { logread: exe, restartMs: 100 },
    dedup: { windowMs: 200, lagMs: 5000 },
  });
  t.after(() => set.close());
  const lf = new PppdLogfile(ppp);
  const got: FollowedLine[] = [];
  const msgs = SAMPLE.filter((m) => /^[A-Z]/.test(m)).slice(0, 15);
  for (const m of msgs) {
    const d = new Date();
    const day = String(d.getDate()).padStart(2, ' ');
    const stamp = `${d.toString().slice(0, 8)}${day} ${d.toTimeString().slice(0, 8)} ${d.getFullYear()}`;
    appendFileSync(ring, `${stamp} daemon.notice pppd[139]: ${m}\n`);
    lf.log(m);
    got.push(...set.poll().lines);
    await sleep(100);
  }
  lf.close();
  for (let i = 0; i < 60 && got.filter((l) => l.file === 'logread').length < msgs.length; i++) {
    got.push(...set.poll().lines);
    await sleep(100);
  }
  await sleep(400);
  got.push(...set.poll().lines);
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    [],
    'no logfile copy ingested',
  );
  assert.equal(got.filter((l) => l.file === 'logread').length, msgs.length);
  assert.equal(set.dedupStats()!.dropped, msgs.length);
});

const CHILD = new URL('./dedup-child.ts', import.meta.url).pathname;

test('kill -9 while both copies flow: every message ingested, the logfile copy of a syslog line never', async (t) => {
  const { dir, ppp, sys } = setup(t);
  const out = join(dir, 'out.ndjson');
  const stateDir = join(dir, 'state');
  let ready = false;
  const start = (): ChildProcess => {
    ready = false;
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD, stateDir, out, '300', ppp, sys], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    c.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) ready = true;
    });
    return c;
  };
  let child = start();
  t.after(() => child.kill('SIGKILL'));
  for (let i = 0; i < 300 && !ready; i++) await sleep(50);
  assert.ok(ready, 'child did not start');

  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(sys);
  // Unique texts (plus a repeated one), debug-only ones in the logfile alone; rsyslog's copy lands
  // 0-80 ms after pppd's logfile write, as its asynchronous write does.
  const N = 3000;
  const msg = (i: number): string =>
    i % 5 === 0
      ? `rcvd [LCP EchoReq id=0x${i.toString(16)} magic=0x5c2e]`
      : i % 7 === 0
        ? 'LCP: timeout'
        : `Connect: ppp${i} <--> /dev/pts/${i}`;
  const pending: Array<{ due: number; m: string }> = [];
  let kills = 0;
  let nextKill = Date.now() + 700;
  let i = 0;
  while (i < N || pending.length > 0) {
    const now = Date.now();
    for (let k = 0; k < 8 && i < N; k++, i++) {
      const m = msg(i);
      lf.log(m);
      if (!m.startsWith('rcvd [')) pending.push({ due: now + ((i * 37) % 80), m });
    }
    while (pending.length > 0 && pending[0]!.due <= now) rs.log(1000 + (i % 9), pending.shift()!.m);
    if (now >= nextKill) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
      child = start();
      nextKill = now + 400 + ((kills * 331) % 800);
    }
    await sleep(10);
  }
  lf.close();
  rs.close();
  for (let w = 0; w < 300 && !ready; w++) await sleep(50);

  const wanted = N - Math.ceil(N / 5); // syslog lines
  const debug = Math.ceil(N / 5);
  const read = (): Array<{ id: string; file: string; text: string }> =>
    existsSync(out)
      ? readFileSync(out, 'utf8')
          .split('\n')
          .filter((l) => l)
          .map((l) => JSON.parse(l) as { id: string; file: string; text: string })
      : [];
  const distinct = (): Map<string, { id: string; file: string; text: string }> =>
    new Map(read().map((r) => [r.id, r]));
  const end = Date.now() + 30_000;
  while (distinct().size < wanted + debug && Date.now() < end) await sleep(200);
  await sleep(800); // anything extra would show up now
  child.kill('SIGKILL');
  const got = [...distinct().values()];
  const fromSys = got.filter((r) => r.file === sys);
  const fromPpp = got.filter((r) => r.file === ppp);
  const wrong = fromPpp.filter((r) => !r.text.startsWith('rcvd ['));
  assert.ok(kills >= 3, `only ${kills} kills`);
  assert.equal(
    wrong.length,
    0,
    `logfile copies of syslog lines ingested: ${wrong
      .slice(0, 5)
      .map((r) => r.text)
      .join(' | ')}`,
  );
  assert.equal(fromSys.length, wanted, 'every syslog line');
  const debugTexts = new Set(fromPpp.map((r) => r.text));
  const missing = [];
  for (let k = 0; k < N; k += 5) if (!debugTexts.has(msg(k))) missing.push(k);
  assert.deepEqual(missing, [], 'every logfile-only line');
  assert.equal(fromPpp.length, debug);
});
