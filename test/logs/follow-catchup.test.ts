/**
 * Catch-up of rotated generations after downtime, a bounded piece per poll (issue 5): a restart that
 * finds its checkpointed file rotated to `.1` and `.2.gz` reads them over many polls, each at most
 * `maxReadBytes`, and a crash after ANY of those polls (lines stored, checkpoint not yet saved, or
 * saved) loses no line and repeats none after dedup by id, also when the live file is renamed away
 * or copytruncated in the middle of the catch-up. Real files, real FollowerSet and checkpoint file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FollowerSet } from '../../src/logs/follow/set.js';

const PIECE = 32 * 1024;

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-catchup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const lines = (from: number, to: number): string => {
  let s = '';
  for (let i = from; i < to; i++)
    s += `Dec  5 18:00:00 vpn pppd[${1000 + (i % 97)}]: seq=${i} ${'x'.repeat(i % 53)}\n`;
  return s;
};

/** Rotation by rename with delaycompress: .1 -> .2.gz, live -> .1, a new live file. */
function rotateRename(path: string): void {
  shift(path);
  renameSync(path, `${path}.1`);
  writeFileSync(path, '');
}

function rotateCopyTruncate(path: string): void {
  shift(path);
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
}

/** logrotate `rotate 5` with delaycompress: .N.gz -> .N+1.gz, .1 -> .2.gz. */
function shift(path: string): void {
  for (let i = 4; i >= 2; i--)
    if (existsSync(`${path}.${i}.gz`)) renameSync(`${path}.${i}.gz`, `${path}.${i + 1}.gz`);
  if (existsSync(`${path}.1`)) {
    writeFileSync(`${path}.2.gz.tmp`, gzipSync(readFileSync(`${path}.1`)));
    renameSync(`${path}.2.gz.tmp`, `${path}.2.gz`);
    unlinkSync(`${path}.1`);
  }
}

interface Delivered {
  id: string;
  text: string;
}

/**
 * The scenario up to the restart: lines 0-99 read and committed, then while stopped 0.4 MB more, a
 * rename rotation (gzip'd by the next one), 0.4 MB, another rotation, 0.2 MB in the live file.
 */
function downtime(dir: string): { path: string; ck: string; next: number } {
  const path = join(dir, 'syslog');
  const ck = join(dir, 'ck.json');
  writeFileSync(path, '');
  const a = new FollowerSet({ paths: [path], checkpointPath: ck, maxReadBytes: PIECE });
  a.poll();
  appendFileSync(path, lines(0, 100));
  assert.equal(a.poll().lines.length, 100);
  a.commit();
  a.close();
  appendFileSync(path, lines(100, 5000));
  rotateRename(path);
  appendFileSync(path, lines(5000, 10000));
  rotateRename(path);
  appendFileSync(path, lines(10000, 12500));
  return { path, ck, next: 12500 };
}

/**
 * Restarts from the checkpoint and polls until nothing is left. `crashAfter`: the first run stops
 * (as if killed) after that many polls, its last poll's lines stored but its checkpoint not saved when
 * `commitLast` is false; a second run resumes. `during(k)` runs after the k-th poll of both runs.
 */
function run(
  path: string,
  ck: string,
  crashAfter: number,
  commitLast: boolean,
  during: (k: number) => void = () => {},
): { got: Delivered[]; maxPollBytes: number; polls: number; notes: string[] } {
  const got: Delivered[] = [];
  const notes: string[] = [];
  let maxPollBytes = 0;
  let polls = 0;
  const take = (set: FollowerSet, commit: boolean): number => {
    const r = set.poll();
    polls++;
    const bytes = r.lines.reduce((n, l) => n + Buffer.byteLength(l.text) + 1, 0);
    maxPollBytes = Math.max(maxPollBytes, bytes);
    for (const l of r.lines) got.push({ id: l.id, text: l.text });
    notes.push(...r.notes);
    if (commit) set.commit();
    during(polls);
    return r.lines.length;
  };
  const first = new FollowerSet({ paths: [path], checkpointPath: ck, maxReadBytes: PIECE });
  for (let k = 1; k <= crashAfter; k++) {
    take(first, k < crashAfter || commitLast);
  }
  first.close();
  const second = new FollowerSet({ paths: [path], checkpointPath: ck, maxReadBytes: PIECE });
  for (let idle = 0; idle < 2;) idle = take(second, true) === 0 ? idle + 1 : 0;
  second.close();
  return { got, maxPollBytes, polls, notes };
}

/** After dedup by id: seq 100..total-1 exactly once, in order, and one id never carries two texts. */
function assertExactlyOnce(got: Delivered[], total: number, what: string): void {
  const byId = new Map<string, string>();
  const order: number[] = [];
  for (const g of got) {
    const prev = byId.get(g.id);
    if (prev !== undefined) {
      assert.equal(prev, g.text, `${what}: id ${g.id} carried two lines`);
      continue;
    }
    byId.set(g.id, g.text);
    order.push(Number(/seq=(\d+)/.exec(g.text)?.[1]));
  }
  const want = Array.from({ length: total - 100 }, (_, i) => i + 100);
  if (order.length !== want.length || order.some((s, i) => s !== want[i])) {
    const seen = new Set(order);
    const missing = want.filter((s) => !seen.has(s));
    assert.fail(
      `${what}: ${order.length} unique of ${want.length}; missing ${missing.length} (first ${missing.slice(0, 5)}); in order: ${order.every((s, i) => i === 0 || s > order[i - 1]!)}`,
    );
  }
}

test('restart catch-up through .2.gz and .1 is read a bounded piece per poll, every line once, in order', (t) => {
  const { path, ck, next } = downtime(tmp(t));
  const r = run(path, ck, 0, true);
  assertExactlyOnce(r.got, next, 'no crash');
  assert.ok(r.maxPollBytes <= PIECE, `a poll delivered ${r.maxPollBytes} bytes (piece ${PIECE})`);
  assert.ok(r.polls > 20, `only ${r.polls} polls for ~0.75 MB`);
});

test('kill -9 after any poll of a multi-poll catch-up (checkpoint saved or not): no line lost, none twice after dedup', (t) => {
  const dir = tmp(t);
  const { path, ck, next } = downtime(dir);
  const pristine = join(dir, 'pristine');
  snapshot(dir, pristine);
  const polls = run(path, ck, 0, true).polls;
  for (let crashAfter = 1; crashAfter <= polls; crashAfter++) {
    for (const commitLast of [true, false]) {
      restore(pristine, dir);
      const r = run(path, ck, crashAfter, commitLast);
      assertExactlyOnce(r.got, next, `crash after poll ${crashAfter} (commit ${commitLast})`);
    }
  }
});

test('rename and copytruncate of the live file in the middle of a catch-up, with a kill at any poll', (t) => {
  const dir = tmp(t);
  const { path, ck } = downtime(dir);
  const pristine = join(dir, 'pristine');
  snapshot(dir, pristine);
  // Poll 3: copytruncate (the live file's lines move to a new .1); poll 6: more lines and a rename;
  // poll 9: more lines and another copytruncate. All while .2.gz/.1 are still being caught up.
  const during = (k: number): void => {
    if (k === 3) {
      appendFileSync(path, lines(12500, 13000));
      rotateCopyTruncate(path);
      appendFileSync(path, lines(13000, 13500));
    } else if (k === 6) {
      appendFileSync(path, lines(13500, 14000));
      rotateRename(path);
      appendFileSync(path, lines(14000, 14500));
    } else if (k === 9) {
      appendFileSync(path, lines(14500, 15000));
      rotateCopyTruncate(path);
      appendFileSync(path, lines(15000, 15500));
    }
  };
  const seen = new Set<string>();
  const fds = readdirSync('/proc/self/fd').length;
  for (let crashAfter = 1; crashAfter <= 40; crashAfter++) {
    for (const commitLast of [true, false]) {
      restore(pristine, dir);
      const r = run(path, ck, crashAfter, commitLast, during);
      for (const n of r.notes) seen.add(n.replaceAll(dir, ''));
      assertExactlyOnce(
        r.got,
        15500,
        `rotations at polls 3, 6, 9, crash after ${crashAfter} (commit ${commitLast})`,
      );
      assert.ok(r.maxPollBytes <= PIECE, `a poll delivered ${r.maxPollBytes} bytes`);
    }
  }
  // Every generation held open during those catch-ups was closed again.
  assert.equal(readdirSync('/proc/self/fd').length, fds, 'file descriptors leaked');
  // The rotations did land in the middle of catch-ups (not only after one finished).
  const notes = [...seen].join(' | ');
  assert.match(notes, /rotated \(rename\) during catch-up/);
  assert.match(notes, /truncated \(copytruncate\) during catch-up/);
});

const FILES = ['syslog', 'syslog.1', 'syslog.2.gz', 'syslog.3.gz', 'syslog.4.gz', 'syslog.5.gz', 'ck.json'];
function snapshot(dir: string, to: string): void {
  writeFileSync(to + '.list', FILES.filter((f) => existsSync(join(dir, f))).join('\n'));
  for (const f of FILES) if (existsSync(join(dir, f))) copyFileSync(join(dir, f), `${to}.${f}`);
}
function restore(from: string, dir: string): void {
  for (const f of FILES) if (existsSync(join(dir, f))) unlinkSync(join(dir, f));
  for (const f of readFileSync(from + '.list', 'utf8').split('\n'))
    if (f) copyFileSync(`${from}.${f}`, join(dir, f));
}

test('the catch-up ends exactly at a poll budget, then the unread live file is copytruncated: its copy is read', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'syslog');
  const ck = join(dir, 'ck.json');
  const fixed = (from: number, to: number): string => {
    let s = '';
    for (let i = from; i < to; i++) s += `seq=${String(i).padStart(8, '0')} ${'z'.repeat(50)}\n`; // 64 bytes
    return s;
  };
  writeFileSync(path, '');
  const a = new FollowerSet({ paths: [path], checkpointPath: ck, maxReadBytes: PIECE });
  a.poll();
  appendFileSync(path, fixed(0, 100));
  assert.equal(a.poll().lines.length, 100);
  a.commit();
  a.close();
  appendFileSync(path, fixed(100, 100 + PIECE / 64)); // exactly one poll's budget left in it
  rotateRename(path);
  appendFileSync(path, fixed(612, 700));
  const b = new FollowerSet({ paths: [path], checkpointPath: ck, maxReadBytes: PIECE });
  const got = b.poll().lines.map((l) => l.text);
  assert.equal(got.length, PIECE / 64); // the budget ended with the rotated generation
  rotateCopyTruncate(path); // lines 612-699, never read, now only in the copy
  appendFileSync(path, fixed(700, 710));
  for (let i = 0; i < 3; i++) got.push(...b.poll().lines.map((l) => l.text));
  b.close();
  assert.deepEqual(
    got.map((s) => Number(s.slice(4, 12))),
    Array.from({ length: 610 }, (_, i) => i + 100),
  );
});

test('a rotated copy still being written (ends mid-line, just modified) is not cut: the line waits for its rest', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'syslog');
  const ck = join(dir, 'ck.json');
  writeFileSync(path, lines(0, 100));
  const a = new FollowerSet({ paths: [path], checkpointPath: ck, startAtEnd: false });
  assert.equal(a.poll().lines.length, 100);
  a.commit();
  a.close();
  // While stopped, copytruncate began: the copy so far ends in the middle of line 101.
  appendFileSync(path, lines(100, 102));
  const whole = readFileSync(path);
  const cut = whole.length - 20;
  writeFileSync(`${path}.1`, whole.subarray(0, cut));
  truncateSync(path, 0);
  const b = new FollowerSet({ paths: [path], checkpointPath: ck });
  assert.deepEqual(
    b.poll().lines.map((l) => l.text),
    [lines(100, 101).trimEnd()],
  );
  appendFileSync(`${path}.1`, whole.subarray(cut)); // the copy completes
  appendFileSync(path, lines(102, 103));
  const rest = b.poll().lines;
  b.close();
  assert.deepEqual(
    rest.map((l) => l.text),
    lines(101, 103).trimEnd().split('\n'),
  );
});

test('a rotated file whose last line never got its newline (not modified lately) delivers that line', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'syslog');
  const ck = join(dir, 'ck.json');
  writeFileSync(path, lines(0, 10));
  const a = new FollowerSet({ paths: [path], checkpointPath: ck, startAtEnd: false });
  assert.equal(a.poll().lines.length, 10);
  a.commit();
  a.close();
  appendFileSync(path, 'the daemon died mid-li');
  renameSync(path, `${path}.1`);
  const old = Date.now() / 1000 - 60;
  utimesSync(`${path}.1`, old, old);
  writeFileSync(path, lines(10, 11));
  const b = new FollowerSet({ paths: [path], checkpointPath: ck });
  assert.deepEqual(
    b.poll().lines.map((l) => l.text),
    ['the daemon died mid-li', lines(10, 11).trimEnd()],
  );
  b.close();
});
