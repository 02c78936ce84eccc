/**
 * The agent's V8 flags (src/cli/agent.ts) are set with v8.setFlagsFromString, which ignores a flag this
 * node's V8 does not know with at most a warning: a node upgrade that renamed one would silently bring
 * the memory back. Each must be accepted by this node on its command line, where unknown ones fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AGENT_V8_FLAGS } from '../../src/cli/agent.js';

test('every agent V8 flag is known to this node', () => {
  assert.ok(AGENT_V8_FLAGS.length > 0);
  for (const flag of [...AGENT_V8_FLAGS, '--no-such-v8-flag-for-the-test']) {
    const r = spawnSync(process.execPath, [flag, '-e', '0'], { encoding: 'utf8' });
    const known = r.status === 0 && r.stderr === '';
    assert.equal(known, !flag.includes('no-such'), `${flag}: status ${r.status}, ${r.stderr}`);
  }
});
