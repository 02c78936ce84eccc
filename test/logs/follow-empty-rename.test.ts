/**
 * A running follower whose live file is EMPTY at a poll, and before the next poll that file is renamed
 * away twice (rename rotation with `ifempty`, delaycompress gzip of the first): the generation in
 * between (`.1` now) got lines. The empty file names nothing (no line to hash), so finding the files
 * rotated in after it needs another anchor: the generation before it (the last a line came from), or,
 * if it was the first file seen, every rotated file modified since it was opened. Before, the
 * in-between generation was silently skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FileFollower } from '../../src/logs/follow/file.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-empty-rename-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** logrotate `create`, `ifempty`, delaycompress: .N.gz shift, .1 -> .2.gz, live -> .1, new live. */
function rotate(path: string): void {
  for (let i = 4; i >= 2; i--)
    if (existsSync(`${path}.${i}.gz`)) renameSync(`${path}.${i}.gz`, `${path}.${i + 1}.gz`);
  if (existsSync(`${path}.1`)) {
    writeFileSync(`${path}.2.gz`, gzipSync(readFileSync(`${path}.1`)));
    unlinkSync(`${path}.1`);
  }
  renameSync(path, `${path}.1`);
  writeFileSync(path, '');
}

const texts = (f: FileFollower): string[] => f.poll().lines.map((l) => l.text);

test('an empty live file renamed away twice between polls: the generation in between is read (anchor: the one before)', (t) => {
  const path = join(tmp(t), 'syslog');
  writeFileSync(path, '');
  const f = new FileFollower({ path });
  f.poll();
  appendFileSync(path, 'g0 a\ng0 b\n');
  assert.deepEqual(texts(f), ['g0 a', 'g0 b']);
  rotate(path); // g0 -> .1, the new live file is empty...
  assert.deepEqual(texts(f), []); // ...and seen empty
  rotate(path); // the empty one -> .1 (g0 -> .2.gz)
  appendFileSync(path, 'g2 a\ng2 b\n');
  rotate(path); // g2 -> .1, the empty one -> .2.gz, g0 -> .3.gz
  appendFileSync(path, 'g3 a\n');
  assert.deepEqual(texts(f), ['g2 a', 'g2 b', 'g3 a']);
  assert.deepEqual(texts(f), []);
});

test('the first file seen is empty and is renamed away twice before the next poll: every newer generation is read', (t) => {
  const path = join(tmp(t), 'messages');
  writeFileSync(path, '');
  const f = new FileFollower({ path });
  assert.deepEqual(texts(f), []); // joined at its (empty) end: no earlier generation to anchor on
  rotate(path);
  appendFileSync(path, 'g1 a\ng1 b\n');
  rotate(path);
  appendFileSync(path, 'g2 a\n');
  assert.deepEqual(texts(f), ['g1 a', 'g1 b', 'g2 a']);
});

test('an empty live file renamed away once: nothing older is read again', (t) => {
  const path = join(tmp(t), 'auth.log');
  writeFileSync(path, '');
  const f = new FileFollower({ path });
  f.poll();
  appendFileSync(path, 'g0 a\n');
  assert.deepEqual(texts(f), ['g0 a']);
  rotate(path);
  assert.deepEqual(texts(f), []);
  rotate(path);
  appendFileSync(path, 'g2 a\n');
  assert.deepEqual(texts(f), ['g2 a']);
});
