// The file state store behind the control fingerprint: round trip, corrupt file, and, above all, that a
// path that is not a regular file (FIFO, symlink; `/dev/null` in practice) is neither read nor replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileStateStore } from '../../src/probes/state.js';

test('file state store: round trip, mode 0600, corrupt file read as empty', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pptpmon-state-'));
  try {
    const file = path.join(dir, 'sub', 'state.json');
    const s = new FileStateStore(file);
    assert.equal(await s.get('a'), undefined);
    await s.set('a', 'one');
    await s.set('b', 'two');
    assert.equal(await new FileStateStore(file).get('a'), 'one');
    assert.equal(lstatSync(file).mode & 0o777, 0o600);
    writeFileSync(file, '{not json');
    assert.equal(await s.get('a'), undefined);
    await s.set('c', 'three');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { c: 'three' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file state store: a FIFO or a symlink is never read (no hang) nor replaced', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pptpmon-state-'));
  try {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const s = new FileStateStore(fifo);
    assert.equal(await s.get('k'), undefined);
    await s.set('k', 'v');
    assert.ok(lstatSync(fifo).isFIFO(), 'still a FIFO');
    const target = path.join(dir, 'target');
    writeFileSync(target, 'untouched');
    const link = path.join(dir, 'link');
    symlinkSync(target, link);
    await new FileStateStore(link).set('k', 'v');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(target, 'utf8'), 'untouched');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
