/**
 * config-drift keeps its HMAC key in its own 0600 file (STATEDIR/config-drift.key), never in the
 * state file beside the keyed hashes: with config-drift.json alone, a guess at a chap-secrets line
 * cannot be tested. The key is created once and reused across restarts (unchanged files stay quiet);
 * a state file that still holds its key (v2) is upgraded quietly with the key moved out; a key file
 * others can read is narrowed to 0600; a lost key file means a quiet new baseline, not a flood.
 * Real files in a temp dir, the real collector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfigDriftCollector } from '../../src/collectors/config-drift.js';
import { defaultContext } from '../../src/collectors/types.js';

const CHAP = '"alice" pptpd Al1ce-Pw *\nbob pptpd B0b-Pw 10.0.0.9\n';

function setup(t: { after: (fn: () => void) => void }): {
  etc: string;
  state: string;
  collector: () => ReturnType<typeof createConfigDriftCollector>;
} {
  const root = mkdtempSync(join(tmpdir(), 'pptpmon-drift-key-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const etc = join(root, 'etc');
  const state = join(root, 'state');
  mkdirSync(join(etc, 'ppp'), { recursive: true });
  writeFileSync(join(etc, 'ppp/chap-secrets'), CHAP);
  writeFileSync(join(etc, 'ppp/options.pptpd'), 'name pptpd\npassword Opt-Pw\n');
  const collector = (): ReturnType<typeof createConfigDriftCollector> =>
    createConfigDriftCollector(defaultContext({ etcRoot: etc, stateDir: state }), { firewall: false });
  return { etc, state, collector };
}

const hmac = (key: string, s: string): string => createHmac('sha256', key).update(s).digest('hex');
const readJson = (f: string): Record<string, unknown> =>
  JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;

test('the key is in its own 0600 file, not in the state file; reused after a restart', async (t) => {
  const { etc, state, collector } = setup(t);
  assert.deepEqual(await collector().collect(), [], 'baseline');
  const keyFile = join(state, 'config-drift.key');
  const key = readFileSync(keyFile, 'utf8').trim();
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'key file 0600');
  const stateText = readFileSync(join(state, 'config-drift.json'), 'utf8');
  assert.ok(!stateText.includes(key), 'the key is not in the state file');
  assert.equal(readJson(join(state, 'config-drift.json')).key, undefined);
  assert.equal(readJson(join(state, 'config-drift.json')).v, 3);
  // The stored hash of bob's line is an HMAC under the key file's key: without that file, a guess
  // ("B0b-Pw"?) cannot be checked against the state file.
  const files = readJson(join(state, 'config-drift.json')).files as Record<
    string,
    { users: Record<string, string> }
  >;
  assert.equal(files['ppp/chap-secrets']?.users.bob, hmac(key, 'bob pptpd B0b-Pw 10.0.0.9'));

  // A restart (a new collector, as after an agent restart) reuses the key: unchanged is quiet.
  assert.deepEqual(await collector().collect(), []);
  assert.equal(readFileSync(keyFile, 'utf8').trim(), key, 'same key');
  writeFileSync(join(etc, 'ppp/chap-secrets'), CHAP.replace('B0b-Pw', 'B0b-Pw2'));
  const evs = await collector().collect();
  assert.deepEqual(
    evs.map((e) => (e.kind === 'sec.config.change' ? e.attrs.summary : e.kind)),
    ['users changed: bob'],
  );
});

test('a v2 state file with the key inside: moved to the key file quietly, hashes still compare', async (t) => {
  const { etc, state, collector } = setup(t);
  await collector().collect();
  const keyFile = join(state, 'config-drift.key');
  const stateFile = join(state, 'config-drift.json');
  const key = readFileSync(keyFile, 'utf8').trim();
  // What a v2 collector wrote: the same keyed hashes, the key beside them, no key file.
  const v2 = { ...readJson(stateFile), v: 2, key };
  writeFileSync(stateFile, JSON.stringify(v2), { mode: 0o600 });
  rmSync(keyFile);

  assert.deepEqual(await collector().collect(), [], 'nothing changed: no event');
  assert.equal(readFileSync(keyFile, 'utf8').trim(), key, 'the old key, now in its own file');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.ok(!readFileSync(stateFile, 'utf8').includes(key), 'gone from the state file');
  assert.equal(readJson(stateFile).v, 3);
  // Drift is still seen with the moved key.
  writeFileSync(join(etc, 'ppp/chap-secrets'), `${CHAP}carol pptpd C-Pw *\n`);
  const evs = await collector().collect();
  assert.deepEqual(
    evs.map((e) => (e.kind === 'sec.config.change' ? e.attrs.summary : e.kind)),
    ['users added: carol'],
  );
});

test('a key file others can read is narrowed to 0600; a lost key file re-baselines quietly', async (t) => {
  const { etc, state, collector } = setup(t);
  await collector().collect();
  const keyFile = join(state, 'config-drift.key');
  chmodSync(keyFile, 0o644);
  assert.deepEqual(await collector().collect(), []);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'narrowed');

  const old = readFileSync(keyFile, 'utf8').trim();
  rmSync(keyFile);
  assert.deepEqual(await collector().collect(), [], 'no flood of "changed" for every file');
  const fresh = readFileSync(keyFile, 'utf8').trim();
  assert.notEqual(fresh, old);
  writeFileSync(join(etc, 'ppp/chap-secrets'), CHAP.replace('Al1ce-Pw', 'x'));
  const evs = await collector().collect();
  assert.deepEqual(
    evs.map((e) => (e.kind === 'sec.config.change' ? e.attrs.summary : e.kind)),
    ['users changed: alice'],
  );
});
