/**
 * File follower against real files on this host: rotation by rename and copytruncate, gzip'd
 * catch-up after downtime, a file that appears later, torn lines, checkpoints across restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FileFollower } from '../../src/logs/follow/file.js';
import { FollowerSet } from '../../src/logs/follow/set.js';
import { loadCheckpoints } from '../../src/logs/follow/checkpoint.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-follow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const lines = (from: number, to: number): string => {
  let s = '';
  for (let i = from; i < to; i++) s += `line ${i}\n`;
  return s;
};
const texts = (f: FileFollower): string[] => f.poll().lines.map((l) => l.text);

test('a file that appears later is read from its start', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'ppp.log');
  const f = new FileFollower({ path });
  assert.deepEqual(texts(f), []);
  writeFileSync(path, lines(0, 3));
  assert.deepEqual(texts(f), ['line 0', 'line 1', 'line 2']);
});

test('first start on an existing file begins at its end; a torn line waits for its newline', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'syslog');
  writeFileSync(path, lines(0, 5));
  const f = new FileFollower({ path });
  assert.deepEqual(texts(f), []);
  appendFileSync(path, 'half a li');
  assert.deepEqual(texts(f), []);
  appendFileSync(path, 'ne\nline 6\n');
  assert.deepEqual(texts(f), ['half a line', 'line 6']);
});

test('rename rotation: the old generation is drained, then the new file is read', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'syslog');
  writeFileSync(path, '');
  const f = new FileFollower({ path });
  f.poll(); // the first poll joins the file at its (empty) end
  appendFileSync(path, lines(0, 3));
  assert.deepEqual(texts(f), ['line 0', 'line 1', 'line 2']);
  appendFileSync(path, 'line 3\nunterminated');
  renameSync(path, `${path}.1`);
  writeFileSync(path, lines(4, 6));
  const r = f.poll();
  assert.deepEqual(
    r.lines.map((l) => l.text),
    ['line 3', 'unterminated', 'line 4', 'line 5'],
  );
  assert.ok(r.notes.some((n) => n.includes('rotated (rename)')));
});

test('copytruncate: unread tail is recovered from the copy, even when the file regrew past the old offset', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'pptpd.log');
  writeFileSync(path, '');
  const f = new FileFollower({ path });
  f.poll();
  appendFileSync(path, lines(0, 10));
  assert.equal(f.poll().lines.length, 10);
  appendFileSync(path, lines(10, 12)); // not read before the rotation
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, lines(12, 40).replaceAll('line', 'LINE')); // longer than before: size >= old offset
  const got = f.poll().lines.map((l) => l.text);
  assert.deepEqual(got.slice(0, 2), ['line 10', 'line 11']);
  assert.equal(got.length, 30);
  assert.equal(got[2], 'LINE 12');
});

test('restart after rotations while stopped: catch-up through .1 and .2.gz, nothing lost or repeated', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'messages');
  const ckPath = join(dir, 'state', 'checkpoints.json');
  writeFileSync(path, '');
  const a = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  a.poll();
  appendFileSync(path, lines(0, 5));
  assert.equal(a.poll().lines.length, 5);
  a.commit();
  a.close();
  // While stopped: 3 more lines, rotation, the old one compressed (delaycompress), another rotation.
  appendFileSync(path, lines(5, 8));
  renameSync(path, `${path}.1`);
  writeFileSync(path, lines(8, 10));
  writeFileSync(`${path}.2.gz`, gzipSync(readFileSync(`${path}.1`)));
  unlinkSync(`${path}.1`);
  renameSync(path, `${path}.1`);
  writeFileSync(path, lines(10, 12));
  const b = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  const r = b.poll();
  assert.deepEqual(
    r.lines.map((l) => l.text),
    ['line 5', 'line 6', 'line 7', 'line 8', 'line 9', 'line 10', 'line 11'],
  );
  assert.equal(r.lines[0]?.readFrom, `${path}.2.gz`);
  b.commit();
  const ck = loadCheckpoints(ckPath).files[path];
  assert.ok(ck && ck.offset === lines(10, 12).length);
});

test('line ids survive rename and gzip: the same line read twice has the same id', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'auth.log');
  writeFileSync(path, lines(0, 4));
  const first = new FileFollower({ path, startAtEnd: false }).poll().lines;
  renameSync(path, `${path}.1`);
  writeFileSync(`${path}.1.gz`, gzipSync(readFileSync(`${path}.1`)));
  const ck = { ...new FileFollower({ path: `${path}.1`, startAtEnd: false }).poll().checkpoint! };
  assert.equal(ck.offset, lines(0, 4).length);
  const again = new FileFollower({ path, startAtEnd: false }).poll().lines; // path missing: nothing
  assert.deepEqual(again, []);
  const ids = first.map((l) => l.id);
  assert.equal(new Set(ids).size, 4);
  assert.ok(ids.every((id) => id.startsWith(`${path}#`)));
});

test('a crash between delivery and commit repeats lines with the same ids (dedup), never loses them', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'ppp.log');
  const ckPath = join(dir, 'ck.json');
  writeFileSync(path, '');
  const a = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  a.poll();
  a.commit();
  appendFileSync(path, lines(0, 3));
  const delivered = a.poll().lines; // stored, but the process dies before commit()
  a.close();
  const b = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  const again = b.poll().lines;
  assert.deepEqual(
    again.map((l) => [l.id, l.text]),
    delivered.map((l) => [l.id, l.text]),
  );
});

test('stopped right after a rotation (nothing read from the new file), then copytruncate: the copy is read', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'syslog');
  const ckPath = join(dir, 'ck.json');
  writeFileSync(path, '');
  const a = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  a.poll();
  appendFileSync(path, lines(0, 3));
  a.poll();
  renameSync(path, `${path}.1`);
  writeFileSync(path, '');
  a.poll(); // switched to the new, empty generation
  a.commit();
  a.close();
  // While stopped: the new generation gets lines, then is copytruncated (its content now only in a copy).
  appendFileSync(path, lines(3, 6));
  writeFileSync(`${path}.2.gz`, gzipSync(readFileSync(`${path}.1`)));
  unlinkSync(`${path}.1`);
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, lines(6, 8));
  const b = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  assert.deepEqual(
    b.poll().lines.map((l) => l.text),
    ['line 3', 'line 4', 'line 5', 'line 6', 'line 7'],
  );
});
