/**
 * OpenWrt's `logread -f` follower. What is real: the follower's process handling (spawn with argv, the
 * restart after an exit, SIGKILL of the child), the pipe, the line parsing, the position state and the
 * agent wiring. What is a stand-in: logd/logread themselves (OpenWrt's ubox, not packaged for Debian).
 * The test writes an executable that behaves like `logread -f`: it prints the whole ring buffer, then
 * the lines added to it (it runs coreutils `tail -n +1 -f` on a file the test uses as the buffer), and
 * the test empties older lines out of that file to play the ring buffer wrapping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogreadFollower, logreadSecond } from '../../../src/logs/follow/logread.js';
import type { FollowedLine } from '../../../src/logs/follow/file.js';
import { buildAgent, logreadWanted, uciLogFile } from '../../../src/agent/build.js';
import { parseConfig } from '../../../src/config/index.js';
import type { AgentSink } from '../../../src/agent/agent.js';
import type { AgentItem } from '../../../src/agent/items.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** logd's line: ctime (local time, day padded with a space), facility.level, tag, message. */
function owrt(d: Date, msg: string, tag = 'pppd[1234]'): string {
  const day = String(d.getDate()).padStart(2, ' ');
  const time = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  return `${DAYS[d.getDay()]} ${MONS[d.getMonth()]} ${day} ${time} ${d.getFullYear()} daemon.info ${tag}: ${msg}`;
}

interface StandIn {
  exe: string;
  buffer: string;
  pidFile: string;
  dir: string;
}

function standIn(t: { after: (fn: () => void) => void }): StandIn {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-logread-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const buffer = join(dir, 'ring');
  const pidFile = join(dir, 'pid');
  writeFileSync(buffer, '');
  const exe = join(dir, 'logread');
  // Refuses anything but `-f`, so the test also checks the argv the follower passes.
  writeFileSync(
    exe,
    `#!/bin/sh\n[ "$#" = 1 ] && [ "$1" = -f ] || { echo "usage: logread -f (got: $*)" >&2; exit 2; }\n` +
      `echo $$ > '${pidFile}'\nexec tail -n +1 -f '${buffer}'\n`,
  );
  chmodSync(exe, 0o755);
  return { exe, buffer, pidFile, dir };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls `f` into `got` until `n` lines arrived, then a little longer to catch any extra. */
async function collect(f: LogreadFollower, got: FollowedLine[], n: number): Promise<void> {
  await until(`${n} lines (have ${got.length})`, () => {
    got.push(...f.poll().lines);
    return got.length >= n;
  });
  await new Promise((r) => setTimeout(r, 300));
  got.push(...f.poll().lines);
}

function killStandIn(s: StandIn): number {
  const pid = Number(readFileSync(s.pidFile, 'utf8'));
  rmSync(s.pidFile);
  process.kill(pid, 'SIGKILL');
  return pid;
}

test('logreadSecond reads the ctime of a logd line (padded day included) and BusyBox BSD stamps', () => {
  assert.equal(
    logreadSecond('Mon Nov 20 10:00:00 2026 daemon.info pppd[123]: x'),
    Date.UTC(2026, 10, 20, 10) / 1000,
  );
  assert.equal(
    logreadSecond('Thu Nov  5 01:02:03 2026 daemon.info pppd[1]: x'),
    Date.UTC(2026, 10, 5, 1, 2, 3) / 1000,
  );
  assert.equal(logreadSecond('Connect: ppp0 <--> /dev/pts/1'), undefined);
  // BusyBox logread (syslogd -C): BSD lines, the year taken from now.
  assert.equal(
    logreadSecond('Nov 24 21:58:24 vpn pppd[139]: x', new Date(2026, 5, 1)),
    Date.UTC(2026, 10, 24, 21, 58, 24) / 1000,
  );
});

test('logread -f: the buffer once, then new lines; restarts (SIGKILL) and a wrapped ring repeat nothing', async (t) => {
  const s = standIn(t);
  const base = new Date(2026, 10, 20, 10, 0, 0);
  const at = (sec: number): Date => new Date(base.getTime() + sec * 1000);
  const all: string[] = [];
  const add = (lines: string[]): void => {
    all.push(...lines);
    appendFileSync(s.buffer, lines.map((l) => `${l}\n`).join(''));
  };
  // Equal lines within one second are distinct log entries: both must arrive, each once.
  add([
    owrt(at(0), 'pppd 2.4.9 started by root, uid 0'),
    owrt(at(0), 'LCP: timeout'),
    owrt(at(0), 'LCP: timeout'),
  ]);
  add([owrt(at(1), 'Using interface ppp0'), owrt(at(1), 'Connect: ppp0 <--> /dev/pts/1')]);
  const f = new LogreadFollower({ logread: s.exe, startAtEnd: false, restartMs: 50, bootId: 'boot-a' });
  t.after(() => f.stop());
  f.start();
  const got: FollowedLine[] = [];
  await collect(f, got, 5);
  assert.deepEqual(
    got.map((l) => l.text),
    all,
  );

  // Killed after lines of a second that goes on: the restart replays all, only the new ones come.
  add([owrt(at(2), 'LCP: timeout')]);
  await collect(f, got, 6);
  killStandIn(s);
  add([owrt(at(2), 'LCP: timeout'), owrt(at(3), 'CHAP authentication succeeded')]);
  await until('restart', () => {
    try {
      readFileSync(s.pidFile);
      return true;
    } catch {
      return false;
    }
  });
  await collect(f, got, 8);
  assert.equal(f.counts.restarts, 1);
  // The ring wraps: logd dropped the oldest lines before the next restart.
  killStandIn(s);
  writeFileSync(
    s.buffer,
    all
      .slice(4)
      .map((l) => `${l}\n`)
      .join(''),
  );
  add([owrt(at(4), 'Connection terminated.')]);
  await collect(f, got, 9);
  assert.equal(f.counts.restarts, 2);
  assert.deepEqual(
    got.map((l) => l.text),
    all,
  );
  assert.equal(new Set(got.map((l) => l.id)).size, got.length, 'ids unique');

  // An agent restart: a new follower resumes from the persisted position; its replay repeats nothing.
  const state = f.poll().state;
  assert.ok(state);
  f.stop();
  add([owrt(at(5), 'Exit.')]);
  const g = new LogreadFollower({ logread: s.exe, state, restartMs: 50, bootId: 'boot-a' });
  t.after(() => g.stop());
  g.start();
  const after: FollowedLine[] = [];
  await collect(g, after, 1);
  assert.deepEqual(
    after.map((l) => l.text),
    [owrt(at(5), 'Exit.')],
  );

  // After a reboot (another boot id) logd's buffer is all new: everything in it is delivered.
  g.stop();
  const h = new LogreadFollower({ logread: s.exe, state: g.poll().state, restartMs: 50, bootId: 'boot-b' });
  t.after(() => h.stop());
  h.start();
  const rebooted: FollowedLine[] = [];
  await collect(h, rebooted, all.length - 4);
  assert.equal(rebooted.length, all.length - 4);
});

test('logread with no saved position starts at the end: older seconds of the buffer are history', async (t) => {
  const s = standIn(t);
  appendFileSync(s.buffer, `${owrt(new Date(2026, 0, 1, 0, 0, 0), 'old line')}\n`);
  const f = new LogreadFollower({ logread: s.exe, restartMs: 50, bootId: 'b' });
  t.after(() => f.stop());
  f.start();
  await new Promise((r) => setTimeout(r, 300));
  const fresh = owrt(new Date(Date.now() + 1000), 'Connect: ppp0 <--> /dev/pts/1');
  appendFileSync(s.buffer, `${fresh}\n`);
  const got: FollowedLine[] = [];
  await collect(f, got, 1);
  assert.deepEqual(
    got.map((l) => l.text),
    [fresh],
  );
  assert.equal(f.counts.skipped, 1);
});

test('logs.logread auto: follows logread where it exists and no file logd writes is followed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-lr-auto-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(logreadWanted('auto', { logreadExists: true, logdFiles: [] }), true);
  assert.equal(logreadWanted('auto', { logreadExists: true, logdFiles: ['/var/log/messages'] }), false);
  assert.equal(logreadWanted('auto', { logreadExists: false, logdFiles: [] }), false);
  assert.equal(logreadWanted(true, { logreadExists: false, logdFiles: ['/x'] }), true);
  assert.equal(logreadWanted(false, { logreadExists: true, logdFiles: [] }), false);
  const sys = join(dir, 'system');
  writeFileSync(sys, "config system\n\toption hostname 'OpenWrt'\n\toption log_file '/tmp/log/messages'\n");
  assert.deepEqual(uciLogFile(sys), ['/tmp/log/messages']);
  writeFileSync(sys, 'config system\n\toption log_size 64\n');
  assert.deepEqual(uciLogFile(sys), []);
  assert.deepEqual(uciLogFile(join(dir, 'none')), []);
});

test('the agent follows logread -f (stand-in) and turns its pppd lines into events', async (t) => {
  const s = standIn(t);
  const now = new Date();
  const lines = [
    owrt(now, 'pppd 2.4.9 started by root, uid 0', 'pppd[77]'),
    owrt(now, 'Using interface ppp0', 'pppd[77]'),
    owrt(now, 'Connect: ppp0 <--> /dev/pts/0', 'pppd[77]'),
    owrt(now, 'Peer bob failed CHAP authentication', 'pppd[77]'),
  ];
  appendFileSync(s.buffer, lines.map((l) => `${l}\n`).join(''));
  const etc = join(s.dir, 'etc');
  mkdirSync(join(etc, 'config'), { recursive: true });
  const items: AgentItem[] = [];
  const sink: AgentSink = { write: async (it) => void items.push(...it) };
  const cfg = parseConfig({
    logs: { defaults: false, journald: false, logreadPath: s.exe, timezone: 'UTC' },
    agent: { stateDir: join(s.dir, 'state'), etcRoot: etc, startAtEnd: false },
  });
  const built = buildAgent(cfg, sink);
  assert.equal(built.logread, true);
  t.after(() => built.followers.close());
  await until('events from logread', () => items.length > 0 || (void built.agent.pollLogs(), false));
  await new Promise((r) => setTimeout(r, 300));
  await built.agent.pollLogs();
  const evs = items.flatMap((i) => ('e' in i ? [i.e] : []));
  assert.ok(evs.length >= 2, `events: ${evs.map((e) => e.kind).join(' ')}`);
  assert.ok(
    evs.every((e) => e.id?.startsWith('logread:')),
    'ids from logread',
  );
  assert.ok(
    evs.some((e) => e.kind === 'auth.fail' && e.user === 'bob'),
    `kinds: ${evs.map((e) => e.kind).join(' ')}`,
  );
  // The position is saved beside the checkpoints, so a restart skips the replayed buffer.
  const st = JSON.parse(readFileSync(join(s.dir, 'state', 'follow-state.json'), 'utf8')) as {
    logread?: unknown;
  };
  assert.ok(st.logread, 'logread position saved');

  // With logd's log_file followed, auto leaves logread alone (the file carries the same lines).
  const messages = join(s.dir, 'messages');
  writeFileSync(messages, '');
  writeFileSync(join(etc, 'config', 'system'), `config system\n\toption log_file '${messages}'\n`);
  const cfg2 = parseConfig({
    logs: { defaults: false, files: [messages], journald: false, logreadPath: s.exe },
    agent: { stateDir: join(s.dir, 'state2'), etcRoot: etc },
  });
  const b2 = buildAgent(cfg2, sink);
  assert.equal(b2.logread, false);
  b2.followers.close();
});

test('logd away: logread exits at every start; restarted, said once, nothing delivered', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-logread-down-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const exe = join(dir, 'logread');
  // What ubox logread prints when logd is not registered on ubus.
  writeFileSync(exe, '#!/bin/sh\necho "Failed to find log object" >&2\nexit 1\n');
  chmodSync(exe, 0o755);
  const f = new LogreadFollower({ logread: exe, restartMs: 30, bootId: 'b' });
  t.after(() => f.stop());
  f.start();
  const notes: string[] = [];
  await until('three restarts', () => {
    const r = f.poll();
    notes.push(...r.notes);
    assert.deepEqual(r.lines, []);
    return f.counts.restarts >= 3;
  });
  assert.deepEqual(notes, ['logread exited (1): Failed to find log object; restarting']);
});
