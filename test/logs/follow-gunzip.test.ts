/**
 * Incremental gunzip (gunzip.ts) and piece-wise generation reads (generation.ts) against zlib's own
 * one-shot gunzip, on real files: the same bytes come out whatever the piece sizes, a `.gz` cut short
 * is flagged (not taken as whole), corrupt data is an error value and no late crash, and a generation
 * opened before it was deleted is still read in full through its fd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { SyncGunzip, syncGunzipWorks } from '../../src/logs/follow/gunzip.js';
import { openGeneration } from '../../src/logs/follow/generation.js';
import { mulberry32 as rng } from '../helpers/rng.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-gunzip-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function logText(n: number, seed: number): Buffer {
  const r = rng(seed);
  let s = '';
  for (let i = 0; i < n; i++)
    s += `Dec  5 18:00:00 vpn pppd[${Math.floor(r() * 9999)}]: line ${i} ${'y'.repeat(Math.floor(r() * 80))}\n`;
  return Buffer.from(s);
}

test('this Node inflates incrementally (no whole-file fallback)', () => {
  assert.equal(syncGunzipWorks(), true);
});

test('random input pieces through one state give what gunzipSync gives, multi-member too', () => {
  const text = logText(20_000, 1);
  const gz = Buffer.concat([gzipSync(text.subarray(0, 700_000)), gzipSync(text.subarray(700_000))]);
  const r = rng(2);
  const g = new SyncGunzip();
  const parts: Buffer[] = [];
  for (let at = 0; at < gz.length;) {
    const n = 1 + Math.floor(r() * 40_000);
    parts.push(g.push(gz.subarray(at, at + n)));
    at += n;
  }
  parts.push(g.push(Buffer.alloc(0), true));
  g.close();
  assert.ok(Buffer.concat(parts).equals(text));
});

test('a stream cut short throws at its end; corrupt data throws; neither crashes the process later', async () => {
  const gz = gzipSync(logText(2_000, 3));
  const cut = new SyncGunzip();
  assert.ok(cut.push(gz.subarray(0, gz.length >> 1)).length > 0);
  assert.throws(() => cut.push(Buffer.alloc(0), true), /unexpected end of file/);
  cut.close();
  const bad = new SyncGunzip();
  assert.throws(() => bad.push(Buffer.from('this is not gzip data\n')), /incorrect header check/);
  bad.close();
  await sleep(50); // zlib also emits the error on a later tick: it must not be an uncaught 'error'
});

test('a .gz generation read forward in random piece sizes equals its content, eof only at the end', (t) => {
  const dir = tmp(t);
  const text = logText(30_000, 4);
  const name = join(dir, 'syslog.2.gz');
  writeFileSync(name, gzipSync(text));
  const g = openGeneration(name)!;
  unlinkSync(name); // deleted (retention) after we opened it: the fd still reads it
  const r = rng(5);
  const got: Buffer[] = [];
  let at = 0;
  let eof = false;
  while (!eof) {
    const piece = g.read(at, 1 + Math.floor(r() * 70_000));
    // Keep only part of each piece, like a poll that stops at the last complete line.
    const keep = piece.eof ? piece.data.length : Math.floor(piece.data.length * r());
    got.push(Buffer.from(piece.data.subarray(0, keep)));
    at += keep;
    eof = piece.eof;
  }
  g.close();
  assert.ok(Buffer.concat(got).equals(text));
  assert.equal(g.whole, true);
});

test('a .gz that ends before its trailer (being written) is not whole, and gives what it has', (t) => {
  const dir = tmp(t);
  const text = logText(10_000, 6);
  const gz = gzipSync(text);
  const name = join(dir, 'syslog.2.gz');
  writeFileSync(name, gz.subarray(0, gz.length - 100));
  const g = openGeneration(name)!;
  const piece = g.read(0, 4 << 20);
  g.close();
  assert.equal(piece.eof, true);
  assert.equal(g.whole, false);
  assert.match(g.error ?? '', /unexpected end of file/);
  assert.ok(piece.data.length > 0 && text.subarray(0, piece.data.length).equals(piece.data));
});
