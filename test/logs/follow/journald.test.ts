/**
 * The journald follower against a REAL running systemd-journald (test/logs/follow/journald-ns.ts: journald
 * in a private mount namespace, fed through its real sockets) — not journal files written offline. The
 * follower is the agent's: JournalFollower running `journalctl -f -o json` with the agent's matches
 * and its cursor persisted in the checkpoint file (journald-child.ts, run inside the namespace).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrivateJournald, unavailable, type JournalEntry } from './journald-ns.js';
import { journalLineId } from '../../../src/logs/follow/journal.js';
import { LineParser } from '../../../src/logs/formats/index.js';
import { LineIntake } from '../../../src/agent/intake.js';
import type { Event } from '../../../src/events/index.js';
import type { Session } from '../../../src/logs/session.js';
import { skipOrFail } from '../../helpers/require.js';

const CHILD = new URL('./journald-child.ts', import.meta.url).pathname;
const MATCHES = [
  'SYSLOG_IDENTIFIER=pppd',
  'SYSLOG_IDENTIFIER=pptpd',
  'SYSLOG_IDENTIFIER=pptp',
  'SYSLOG_IDENTIFIER=radiusd',
];

interface Out {
  id: string;
  text: string;
}

/** The follower process, started in the namespace; `ready` once it runs. */
class Follower {
  private c: ChildProcess | undefined;
  notes = '';
  constructor(
    private readonly j: PrivateJournald,
    private readonly ck: string,
    readonly out: string,
  ) {}
  async start(): Promise<void> {
    let ready = false;
    const c = this.j.spawnInNs([process.execPath, '--import', 'tsx', CHILD, this.ck, this.out, '50'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.c = c;
    c.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) ready = true;
    });
    c.stderr!.on('data', (d: Buffer) => (this.notes = (this.notes + d.toString()).slice(-4000)));
    // tsx startup takes seconds on a loaded 2-core machine.
    for (let i = 0; i < 600 && !ready && c.exitCode === null; i++) await sleep(50);
    assert.ok(ready, `follower did not start: ${this.notes}`);
  }
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const c = this.c;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const journalctl = PrivateJournald.children(c.pid!, 'journalctl');
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
    // Killed -9, the follower cannot stop its journalctl: it must end by itself (journalctl -f quits
    // when its stdout hangs up; journalctl.c wait_for_change), not live on as an orphan.
    for (let i = 0; i < 100 && journalctl.some(alive); i++) await sleep(50);
    this.orphans.push(...journalctl.filter(alive));
    if (signal === 'SIGKILL') this.killedJournalctls += journalctl.length;
  }
  killedJournalctls = 0;
  readonly orphans: number[] = [];
  lines(): Out[] {
    if (!existsSync(this.out)) return [];
    return readFileSync(this.out, 'utf8')
      .split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l) as Out);
  }
}

async function startJournald(
  t: { skip: (m: string) => void; after: (f: () => unknown) => void },
  dir: string,
  journald = true,
) {
  const why = unavailable();
  if (why) {
    skipOrFail(t, 'journald', why);
    return undefined;
  }
  try {
    const j = await PrivateJournald.start(dir, { journald });
    t.after(() => j.stop());
    return j;
  } catch (err) {
    skipOrFail(t, 'journald', `systemd-journald cannot start here: ${(err as Error).message}`);
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** First occurrence of each id, in delivery order. */
function distinct(lines: Out[]): Out[] {
  const seen = new Set<string>();
  return lines.filter((l) => !seen.has(l.id) && seen.add(l.id));
}

test('real journald: journald restarts (TERM, KILL), rotation, flush and follower restarts (TERM, KILL -9): every entry, once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-journald-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const j = await startJournald(t, dir);
  if (!j) return;
  const f = new Follower(j, join(dir, 'checkpoints.json'), join(dir, 'out.ndjson'));
  t.after(() => f.stop('SIGKILL'));

  // Writer: pppd, pptpctrl (ident pptpd) and an unmatched sshd, as syslog datagrams, until told to stop.
  let seq = 0;
  let writing = true;
  let refused = 0;
  const writer = (async () => {
    const who: [string, string, number][] = [
      ['pppd', 'pppd', 4100],
      ['pptpctrl', 'pptpd', 4200],
      ['sshd', 'sshd', 4300],
    ];
    for (let b = 0; writing; b++) {
      const [exe, ident, pid] = who[b % who.length]!;
      const msgs = [0, 1, 2].map(() => `seq=${seq++} ${ident} ${'x'.repeat(seq % 50)}`);
      if (!(await j.syslog(exe, ident, pid + (b % 7), msgs))) refused++;
      await sleep(25);
    }
  })();

  let dirty: string[] = [];
  const boundaries: { at: number; what: string }[] = [];
  const mark = (what: string): void => {
    boundaries.push({ at: f.lines().length, what });
  };
  await f.start();
  const steps: [string, () => Promise<void>][] = [
    ['follower SIGKILL', async () => (await f.stop('SIGKILL'), f.start())],
    ['journald SIGTERM', () => j.restart('SIGTERM')],
    ['journald rotate', async () => j.rotate()],
    ['follower SIGTERM', async () => (await f.stop('SIGTERM'), f.start())],
    [
      'journald SIGKILL',
      async () => {
        await j.restart('SIGKILL');
        // journald renames the file it was writing to *.journal~ and starts a new one.
        dirty = j.journalFiles().filter((p) => p.endsWith('.journal~'));
      },
    ],
    [
      'follower and journald SIGKILL',
      async () => {
        await Promise.all([f.stop('SIGKILL'), j.kill('SIGKILL')]);
        await j.restart('SIGKILL', 300);
        await f.start();
      },
    ],
    [
      'follower down across the flush to /var/log/journal',
      async () => {
        // Its cursor then names the runtime copy of the entry, which the flush replaced (new seqnum id).
        await f.stop('SIGTERM');
        j.flush();
        await sleep(500);
        await f.start();
      },
    ],
    ['follower SIGKILL after flush', async () => (await f.stop('SIGKILL'), f.start())],
    ['follower SIGTERM after flush', async () => (await f.stop('SIGTERM'), f.start())],
  ];
  for (const [what, step] of steps) {
    await sleep(1500);
    mark(what);
    await step();
  }
  await sleep(1000);
  writing = false;
  await writer;

  const truth = await j.entries(MATCHES);
  const want = truth.map((e) => journalLineId(e.__CURSOR));
  let got: Out[] = [];
  for (let i = 0; i < 300; i++) {
    got = distinct(f.lines());
    if (got.length >= want.length) break;
    await sleep(100);
  }
  const all = f.lines();
  t.diagnostic(
    `${seq} messages written, ${refused} batches refused while journald was down; ${truth.length} matching entries; ` +
      `${all.length} lines delivered, ${all.length - got.length} repeats; files: ${j.journalFiles().join(' ')}`,
  );
  assert.ok(truth.length > 200, `too few entries to mean anything: ${truth.length}`);
  assert.ok(
    j.journalFiles().some((p) => p.startsWith('/var/log/journal/')),
    'flush moved the journal',
  );
  assert.equal(dirty.length, 1, 'journald SIGKILL left its file dirty (renamed *.journal~)');
  assert.ok(f.killedJournalctls >= 3, `journalctl of the killed followers seen: ${f.killedJournalctls}`);
  assert.deepEqual(f.orphans, [], 'journalctl left running after its follower was killed');
  assert.deepEqual(
    got.map((l) => l.id),
    want,
    `follower notes: ${f.notes}`,
  );
  assert.ok(
    got.every((l) => !/"SYSLOG_IDENTIFIER":"sshd"/.test(l.text)),
    'an unmatched identifier came through',
  );
  // Repeats are allowed only where the follower was killed -9 between storing and checkpointing
  // (at-least-once; same id, so the store drops them); a clean stop and journald restarts repeat nothing.
  const ids = all.map((l) => l.id);
  for (let b = 0; b < boundaries.length; b++) {
    const { at, what } = boundaries[b]!;
    const end = boundaries[b + 1]?.at ?? ids.length;
    const before = new Set(ids.slice(0, at));
    const repeated = ids.slice(at, end).filter((id) => before.has(id));
    t.diagnostic(`${what}: ${repeated.length} repeated`);
    if (!what.includes('SIGKILL'))
      assert.equal(repeated.length, 0, `${what}: repeated ${repeated.join(' ')}`);
  }
});

const CAPTURE = new URL('../../corpus/lab-seed/syslog.log', import.meta.url).pathname;
const CAPTURE_LINE = /^\w{3} [ \d]\d [\d:]{8} (pppd|pptpd|pptp)\[(\d+)\]: (.*)$/;

/** What an event or session says, without what depends on where and when the line was read. */
function eventShape(e: Event, sessions: Map<string, number>): unknown {
  const s =
    e.session === undefined
      ? undefined
      : (sessions.get(e.session) ?? sessions.set(e.session, sessions.size).size - 1);
  // Durations come from the lines' times: the replay runs in seconds what took minutes in the lab.
  const { seconds: _d, ...attrs } = e.attrs as Record<string, unknown>;
  return { kind: e.kind, severity: e.severity, attrs, peer: e.peer, session: s };
}
function sessionShape(s: Session): unknown {
  const { id: _id, start: _s, end: _e, seconds: _d, evidence: _ev, eventIds: _ids, ...rest } = s;
  return rest;
}

test('real journald: pppd, pptpd and pptpctrl entries become LogRecords (format, time, pid, host) and the same events as from syslog', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-journald-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (!existsSync(CAPTURE)) return t.skip(`lab capture ${CAPTURE} not found`);
  const j = await startJournald(t, dir);
  if (!j) return;
  const f = new Follower(j, join(dir, 'checkpoints.json'), join(dir, 'out.ndjson'));
  t.after(() => f.stop('SIGKILL'));
  await f.start();

  // The lab capture (pptpd 1.4.0, pppd 2.4.9, pptp-linux 1.10) replayed through journald's syslog socket
  // with its tags and pids; CTRL lines come from a process named pptpctrl logging as "pptpd", as poptop does.
  const capture = readFileSync(CAPTURE, 'utf8')
    .split('\n')
    .map((l) => CAPTURE_LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ ident: m[1]!, pid: Number(m[2]), message: m[3]! }));
  assert.ok(capture.length > 500);
  const t0 = Date.now();
  // pptpd's child logs "MGR: Launching /usr/sbin/pptpctrl" before the exec, then "CTRL:" lines as pptpctrl.
  const exeOf = (c: (typeof capture)[number]): string =>
    c.ident === 'pptpd' && c.message.startsWith('CTRL:') ? 'pptpctrl' : c.ident;
  for (let i = 0; i < capture.length;) {
    const first = capture[i]!;
    const batch: string[] = [];
    const same = (c: (typeof capture)[number]): boolean =>
      c.pid === first.pid && c.ident === first.ident && exeOf(c) === exeOf(first);
    for (; i < capture.length && same(capture[i]!); i++) batch.push(capture[i]!.message);
    assert.ok(await j.syslog(exeOf(first), first.ident, first.pid, batch), 'journald refused a datagram');
  }
  // The other two transports: a stdout stream (no SYSLOG_PID: the pid is _PID) and the native protocol.
  const catPid = await j.stdout('pppd', ['Exit.']);
  // journald reads stdout streams on its own schedule: wait for it, so the order below is fixed.
  for (let i = 0; i < 100 && (await j.entries([`_PID=${catPid}`])).length === 0; i++) await sleep(50);
  await j.native({
    // Longer than journalctl's 4096-byte limit for -o json without --all.
    MESSAGE: `MGR: Manager process started ${'y'.repeat(5000)}`,
    SYSLOG_IDENTIFIER: 'pptpd',
    SYSLOG_PID: '77',
    PRIORITY: '6',
  });
  const t1 = Date.now();

  const truth = await j.entries(MATCHES);
  let got: Out[] = [];
  for (let i = 0; i < 300 && got.length < truth.length; i++) {
    await sleep(100);
    got = distinct(f.lines());
  }
  assert.deepEqual(
    got.map((l) => l.id),
    truth.map((e) => journalLineId(e.__CURSOR)),
  );
  assert.equal(got.length, capture.length + 2);

  // LogRecords as the agent makes them (src/agent/intake.ts: one LineParser per followed file).
  const parser = new LineParser({ file: 'journal', zone: 'UTC', refMs: Date.now() });
  const recs = got.map((l, n) => parser.parse(l.text, n + 1).rec);
  const want = [
    // Trailing blanks do not survive journald (seen with systemd 252 on the syslog and native sockets):
    // pppd's "MS-CHAP authentication failed: " arrives without its final space.
    ...capture.map((c) => ({ program: c.ident, pid: c.pid, message: c.message.trimEnd() })),
    { program: 'pppd', pid: catPid, message: 'Exit.' },
    { program: 'pptpd', pid: 77, message: `MGR: Manager process started ${'y'.repeat(5000)}` },
  ];
  assert.deepEqual(
    recs.map((r) => ({ program: r.program, pid: r.pid, message: r.message })),
    want,
  );
  for (const [n, r] of recs.entries()) {
    const entry = truth[n] as JournalEntry;
    assert.equal(r.format, 'journal-json');
    assert.equal(r.tsSource, 'line');
    assert.equal(r.host, hostname());
    // journald's receive time, in ms: within the replay's wall-clock window.
    assert.equal(r.ts, new Date(Math.floor(Number(entry.__REALTIME_TIMESTAMP) / 1000)).toISOString());
    const ms = Date.parse(r.ts!);
    assert.ok(ms >= t0 - 5 && ms <= t1 + 5, `time ${r.ts} outside the replay (${t0}..${t1})`);
  }
  const ctrl = truth.filter((e) => String(e.MESSAGE).startsWith('CTRL:'));
  assert.ok(ctrl.length > 0);
  // _COMM is read from /proc when journald takes the datagram: absent if the sender already exited.
  const comms = new Set(
    ctrl.map((e) => `${String(e._COMM ?? '(exited)')} as ${String(e.SYSLOG_IDENTIFIER)}`),
  );
  assert.ok(comms.has('pptpctrl as pptpd'), [...comms].join());
  for (const c of comms) assert.match(c, /^(pptpctrl|\(exited\)) as pptpd$/);

  // The same events and sessions as the capture read as a syslog file.
  const fromFile = new LineIntake({ host: hostname(), timezone: 'UTC' });
  const fileLines = readFileSync(CAPTURE, 'utf8')
    .split('\n')
    .filter((l) => CAPTURE_LINE.test(l));
  const evFile = fromFile.push(
    fileLines.map((text, i) => ({ id: `f:${i}`, file: 'syslog', line: i + 1, text, readFrom: 'syslog' })),
  );
  const fromJournal = new LineIntake({ host: hostname(), timezone: 'UTC' });
  const evJournal = fromJournal.push(
    got.slice(0, capture.length).map((l, i) => ({ ...l, file: 'journal', line: i + 1, readFrom: 'journal' })),
  );
  assert.ok(evFile.length > 50);
  const sf = new Map<string, number>();
  const sj = new Map<string, number>();
  assert.deepEqual(
    evJournal.map((e) => eventShape(e, sj)),
    evFile.map((e) => eventShape(e, sf)),
  );
  assert.deepEqual(
    fromJournal.closedSessions().map(sessionShape),
    fromFile.closedSessions().map(sessionShape),
  );
});

test('real journald: a follower started before journald has a journal waits for it, then reads it from the start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-journald-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const j = await startJournald(t, dir, false);
  if (!j) return;
  const f = new Follower(j, join(dir, 'checkpoints.json'), join(dir, 'out.ndjson'));
  t.after(() => f.stop('SIGKILL'));
  await f.start();
  await sleep(1000);
  await j.startJournald();
  assert.ok(await j.syslog('pppd', 'pppd', 4242, ['Using interface ppp0', 'Connect: ppp0 <--> /dev/pts/0']));
  let got: Out[] = [];
  for (let i = 0; i < 200 && got.length < 2; i++) {
    await sleep(100);
    got = f.lines();
  }
  assert.deepEqual(
    got.map((l) => JSON.parse(l.text).MESSAGE),
    ['Using interface ppp0', 'Connect: ppp0 <--> /dev/pts/0'],
  );
  assert.match(f.notes, /journald: no journal yet in \/run\/log\/journal or \/var\/log\/journal; waiting/);
});
