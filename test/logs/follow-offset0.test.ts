/**
 * An offset-0 checkpoint (the agent's first poll saw an EMPTY file) names no generation by content: no
 * line has been read to hash. Inode numbers are reused once a rotated file is deleted (ext4 hands a
 * freed inode to the next new file), so an inode match alone must not identify it. These tests run the
 * real rotation sequences on real files; the inode-reuse variants set the checkpoint's inode to the
 * file that would have reused it, which is exactly what a reuse looks like to the follower.
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
  statSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FollowerSet } from '../../src/logs/follow/set.js';
import { loadCheckpoints, saveCheckpoints } from '../../src/logs/follow/checkpoint.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-follow0-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const gen = (g: string, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += `${g} line ${i}\n`;
  return s;
};
const ALL = [...gen('gen1', 3), ...gen('gen2', 1), ...gen('gen3', 1)].join('').trimEnd().split('\n');

/** Steps 1-4 of the reported repro; returns the followed path and the checkpoint path. */
function repro(dir: string): { path: string; ckPath: string } {
  const path = join(dir, 'syslog');
  const ckPath = join(dir, 'ck.json');
  writeFileSync(path, '');
  const a = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  assert.deepEqual(a.poll().lines, []);
  a.commit();
  a.close();
  assert.equal(loadCheckpoints(ckPath).files[path]?.offset, 0);
  // While stopped: gen1 written, rename rotation, a new file with gen2.
  appendFileSync(path, gen('gen1', 3));
  renameSync(path, `${path}.1`);
  writeFileSync(path, gen('gen2', 1));
  // Next rotation (copytruncate, compress): .1 -> .2.gz (its inode is freed), live copied to .1.
  writeFileSync(`${path}.2.gz`, gzipSync(readFileSync(`${path}.1`)));
  unlinkSync(`${path}.1`);
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, gen('gen3', 1));
  return { path, ckPath };
}

function setCheckpointInode(ckPath: string, path: string, from: string): void {
  const cps = loadCheckpoints(ckPath);
  const ck = cps.files[path]!;
  const st = statSync(from);
  ck.dev = st.dev;
  ck.ino = st.ino;
  saveCheckpoints(ckPath, cps);
}

const restart = (path: string, ckPath: string): string[] => {
  const b = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  const texts = b.poll().lines.map((l) => l.text);
  b.close();
  return texts;
};

test('offset-0 checkpoint, its file rotated and gzipped while stopped: every generation is read, oldest first', (t) => {
  const dir = tmp(t);
  const { path, ckPath } = repro(dir);
  assert.deepEqual(restart(path, ckPath), ALL);
});

test('offset-0 checkpoint whose inode was reused by the copytruncate copy (.1): .2.gz is not skipped', (t) => {
  const dir = tmp(t);
  const { path, ckPath } = repro(dir);
  setCheckpointInode(ckPath, path, `${path}.1`);
  assert.deepEqual(restart(path, ckPath), ALL);
});

test('offset-0 checkpoint whose inode was reused by the new live file: the rotated ones are still read', (t) => {
  const dir = tmp(t);
  const { path, ckPath } = repro(dir);
  setCheckpointInode(ckPath, path, path);
  assert.deepEqual(restart(path, ckPath), ALL);
});

test('an offset-0 checkpoint records when the empty file was seen; a later one at a line offset does not', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'ppp.log');
  const ckPath = join(dir, 'ck.json');
  writeFileSync(path, '');
  const before = Date.now();
  const a = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  a.poll();
  a.commit();
  const seenAt = loadCheckpoints(ckPath).files[path]?.seenAt;
  assert.ok(seenAt !== undefined && seenAt >= before && seenAt <= Date.now(), `seenAt ${seenAt}`);
  appendFileSync(path, gen('x', 1));
  assert.equal(a.poll().lines.length, 1);
  a.commit();
  a.close();
  const ck = loadCheckpoints(ckPath).files[path];
  assert.equal(ck?.offset, gen('x', 1).length);
  assert.equal(ck?.seenAt, undefined);
});

test('offset-0 checkpoint, same file still live: read from its start, older generations not re-read', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'auth.log');
  const ckPath = join(dir, 'ck.json');
  writeFileSync(`${path}.1`, gen('old', 2));
  const hourAgo = Date.now() / 1000 - 3600;
  utimesSync(`${path}.1`, hourAgo, hourAgo); // rotated long before the agent started
  writeFileSync(path, '');
  const a = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  a.poll();
  a.commit();
  a.close();
  appendFileSync(path, gen('new', 2));
  assert.deepEqual(restart(path, ckPath), ['new line 0', 'new line 1']);
  // Restarting again before anything new keeps the position (the lines were not committed: re-read).
  assert.deepEqual(restart(path, ckPath), ['new line 0', 'new line 1']);
});

test('offset-0 checkpoint, the empty file copytruncated after gaining lines: copy then live, nothing twice', (t) => {
  const dir = tmp(t);
  const path = join(dir, 'messages');
  const ckPath = join(dir, 'ck.json');
  writeFileSync(path, '');
  const a = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  a.poll();
  a.commit();
  a.close();
  appendFileSync(path, gen('gen1', 2));
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, gen('gen2', 1));
  assert.deepEqual(restart(path, ckPath), ['gen1 line 0', 'gen1 line 1', 'gen2 line 0']);
});
