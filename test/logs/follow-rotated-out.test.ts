/**
 * The follower was stopped longer than logrotate keeps generations: the file its checkpoint points into
 * was rotated, gzipped and finally deleted by retention. Its unread rest is gone (nothing can bring it
 * back), but every generation still on disk is newer, and those lines must not be lost too: they are
 * read, oldest first, before the live file. (Before: only the live file was read from its start.)
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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FollowerSet } from '../../src/logs/follow/set.js';

test('checkpointed file deleted by retention while stopped: the remaining rotated files and the live file are read, oldest first', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-rotated-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'syslog');
  writeFileSync(path, 'g0 a\ng0 b\n');
  const a = new FollowerSet({ paths: [path], checkpointPath: join(dir, 'ck.json'), startAtEnd: false });
  assert.deepEqual(
    a.poll().lines.map((l) => l.text),
    ['g0 a', 'g0 b'],
  );
  a.commit();
  a.close();
  appendFileSync(path, 'g0 c (written after the checkpoint, then rotated out)\n');
  // While stopped: four rename rotations with compress and `rotate 2` (keep .1 and .2.gz).
  for (let g = 1; g <= 4; g++) {
    unlinkSafe(`${path}.3.gz`);
    try {
      renameSync(`${path}.2.gz`, `${path}.3.gz`);
    } catch {
      /* not yet there */
    }
    try {
      writeFileSync(`${path}.2.gz`, gzipSync(readFileSync(`${path}.1`)));
      unlinkSync(`${path}.1`);
    } catch {
      /* no .1 yet */
    }
    renameSync(path, `${path}.1`);
    writeFileSync(path, `g${g} a\ng${g} b\n`);
    unlinkSafe(`${path}.3.gz`); // retention: only .1 and .2.gz stay
  }
  const b = new FollowerSet({ paths: [path], checkpointPath: join(dir, 'ck.json') });
  const r = b.poll();
  b.close();
  // g0 (ours) and g1 were deleted; g2 is .2.gz, g3 is .1, g4 is live.
  assert.deepEqual(
    r.lines.map((l) => l.text),
    ['g2 a', 'g2 b', 'g3 a', 'g3 b', 'g4 a', 'g4 b'],
  );
  assert.ok(
    r.notes.some((n) => /not found among rotated files .*unread lines are lost.*read 2 newer/.test(n)),
    `the loss is said: ${r.notes.join(' | ')}`,
  );
});

function unlinkSafe(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* absent */
  }
}
