/**
 * The followers' state files read back through the hand-written validator (src/logs/follow/validate.ts):
 * what a real FollowerSet writes loads back equal, unknown keys are dropped, and a wrong-typed or
 * corrupt field is an error naming the file and the field (one case per state: checkpoints.json, the
 * dedup part of follow-state.json, logread's position in it). Real files, real FollowerSet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FollowerSet } from '../../../src/logs/follow/set.js';
import { loadCheckpoints, saveCheckpoints } from '../../../src/logs/follow/checkpoint.js';
import {
  followStatePath,
  loadFollowState,
  sameCheckpoints,
  saveFollowState,
  type FollowState,
} from '../../../src/logs/follow/state.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-statefiles-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A checkpoint file written by a real FollowerSet after reading two lines of `path`. */
function written(dir: string): { path: string; ckPath: string } {
  const path = join(dir, 'syslog');
  const ckPath = join(dir, 'checkpoints.json');
  writeFileSync(path, '');
  const f = new FollowerSet({ paths: [path], checkpointPath: ckPath });
  f.poll();
  appendFileSync(path, 'one\ntwo\n');
  assert.equal(f.poll().lines.length, 2);
  f.commit();
  f.close();
  return { path, ckPath };
}

test('checkpoints.json: loads back what was saved, unknown keys dropped, key order fixed', (t) => {
  const { path, ckPath } = written(tmp(t));
  const raw = JSON.parse(readFileSync(ckPath, 'utf8')) as { files: Record<string, Record<string, unknown>> };
  const cps = loadCheckpoints(ckPath);
  assert.deepEqual(cps, raw);
  assert.equal(cps.files[path]?.offset, 8);
  assert.equal(cps.files[path]?.line, 2);
  // An older or newer writer's extra key, and the keys in another order: same checkpoints.
  const shuffled = { extra: 1, files: { [path]: { ...raw.files[path], future: 'x' } }, version: 1 };
  writeFileSync(ckPath, JSON.stringify(shuffled));
  const again = loadCheckpoints(ckPath);
  assert.deepEqual(again, raw);
  assert.ok(sameCheckpoints(again, cps));
  saveCheckpoints(ckPath, again);
  assert.deepEqual(JSON.parse(readFileSync(ckPath, 'utf8')), raw);
});

test('checkpoints.json: a wrong-typed or corrupt field is an error naming the file and the field', (t) => {
  const { path, ckPath } = written(tmp(t));
  const raw = JSON.parse(readFileSync(ckPath, 'utf8')) as { files: Record<string, Record<string, unknown>> };
  const err = (edit: (ck: Record<string, unknown>) => void): string => {
    try {
      const copy = structuredClone(raw);
      edit(copy.files[path]!);
      writeFileSync(ckPath, JSON.stringify(copy));
      loadCheckpoints(ckPath);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  const field = `files[${JSON.stringify(path)}]`;
  assert.equal(
    err((ck) => (ck.offset = '8')),
    `checkpoint file ${ckPath}: ${field}.offset: expected an integer >= 0, got string "8"`,
  );
  assert.equal(
    err((ck) => (ck.line = -1)),
    `checkpoint file ${ckPath}: ${field}.line: expected an integer >= 0, got number -1`,
  );
  assert.equal(
    err((ck) => delete ck.lastLineHash),
    `checkpoint file ${ckPath}: ${field}.lastLineHash: expected a string, got undefined`,
  );
  assert.equal(
    err((ck) => (ck.seenAt = null)),
    `checkpoint file ${ckPath}: ${field}.seenAt: expected a number, got null`,
  );
  writeFileSync(ckPath, '{"version":1,"files":{');
  assert.throws(() => loadCheckpoints(ckPath), new RegExp(`^Error: checkpoint file ${ckPath}: not JSON`));
  writeFileSync(ckPath, '{"version":2,"files":{}}');
  assert.throws(() => loadCheckpoints(ckPath), {
    message: `checkpoint file ${ckPath}: version: expected 1, got number 2`,
  });
  // The follower set refuses to start on it rather than re-reading from a guessed position.
  assert.throws(() => new FollowerSet({ paths: [path], checkpointPath: ckPath }), /version: expected 1/);
});

function followState(t: { after: (fn: () => void) => void }): { statePath: string; st: FollowState } {
  const { path, ckPath } = written(tmp(t));
  const st: FollowState = {
    version: 1,
    checkpoints: loadCheckpoints(ckPath),
    logread: { boot: 'b00t', t: 1_700_000_000, counts: { abc: 2, def: 1 }, last: 'def' },
    dedup: {
      held: [{ id: 'x:1', file: path, line: 1, text: 'pppd[1]: hello', readFrom: path }],
      copies: [{ id: 'y:2', src: path, msg: 'm' }],
    },
  };
  const statePath = followStatePath(ckPath);
  saveFollowState(statePath, st);
  return { statePath, st };
}

test('follow-state.json: round trip; a wrong-typed dedup field is an error naming it', (t) => {
  const { statePath, st } = followState(t);
  assert.deepEqual(loadFollowState(statePath), st);
  const copy = structuredClone(st) as unknown as { dedup: { held: Record<string, unknown>[] } };
  copy.dedup.held[0]!.line = '1';
  writeFileSync(statePath, JSON.stringify(copy));
  assert.throws(() => loadFollowState(statePath), {
    message: `follow state ${statePath}: dedup.held[0].line: expected a number, got string "1"`,
  });
  const copy2 = structuredClone(st) as unknown as { dedup: { copies: unknown } };
  copy2.dedup.copies = {};
  writeFileSync(statePath, JSON.stringify(copy2));
  assert.throws(() => loadFollowState(statePath), {
    message: `follow state ${statePath}: dedup.copies: expected an array, got object`,
  });
});

test("follow-state.json: a wrong-typed field of logread's position is an error naming it", (t) => {
  const { statePath, st } = followState(t);
  const copy = structuredClone(st) as unknown as { logread: { counts: Record<string, unknown> } };
  copy.logread.counts.def = 1.5;
  writeFileSync(statePath, JSON.stringify(copy));
  assert.throws(() => loadFollowState(statePath), {
    message: `follow state ${statePath}: logread.counts.def: expected an integer >= 0, got number 1.5`,
  });
  const copy2 = structuredClone(st) as unknown as { logread: unknown };
  copy2.logread = 'b00t';
  writeFileSync(statePath, JSON.stringify(copy2));
  assert.throws(() => loadFollowState(statePath), {
    message: `follow state ${statePath}: logread: expected an object, got string "b00t"`,
  });
});
