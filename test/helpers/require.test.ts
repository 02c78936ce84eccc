/**
 * PPTPMON_REQUIRE (test/helpers/require.ts): a required component that is missing fails the test with
 * the reason; an optional one skips. Checked on the helper itself and end to end on the real PostgreSQL
 * half of the store suite (test/store/writer.test.ts) with a cluster that cannot be set up (its
 * directory under /proc), run as a child `node --test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isRequired, parseRequire, skipOrFail, skipUnlessRequired } from './require.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('parseRequire: comma list, blanks ignored, unknown names rejected', () => {
  assert.deepEqual([...parseRequire(' pg, netns,,journald ')], ['pg', 'netns', 'journald']);
  assert.deepEqual([...parseRequire(undefined)], []);
  assert.deepEqual([...parseRequire('')], []);
  assert.throws(() => parseRequire('pg,postgres'), /unknown component "postgres"/);
  assert.equal(isRequired('pg', { PPTPMON_REQUIRE: 'lab,pg' }), true);
  assert.equal(isRequired('lab', { PPTPMON_REQUIRE: 'pg' }), false);
});

test('skipOrFail skips an optional component and throws the reason for a required one', () => {
  const skipped: (string | undefined)[] = [];
  const t = { skip: (m?: string) => void skipped.push(m) };
  skipOrFail(t, 'netns', 'no CAP_SYS_ADMIN', { PPTPMON_REQUIRE: 'pg' });
  assert.deepEqual(skipped, ['no CAP_SYS_ADMIN']);
  assert.throws(
    () => skipOrFail(t, 'netns', 'no CAP_SYS_ADMIN', { PPTPMON_REQUIRE: 'pg,netns' }),
    /netns is required by PPTPMON_REQUIRE but unavailable: no CAP_SYS_ADMIN/,
  );
  assert.equal(skipped.length, 1, 'a required component must not be skipped');
  assert.equal(skipUnlessRequired('pg', 'down', {}), 'down');
  assert.equal(skipUnlessRequired('pg', 'down', { PPTPMON_REQUIRE: 'pg' }), false);
  assert.equal(skipUnlessRequired('pg', undefined, {}), false);
});

function storeSuite(require: string): { code: number | null; out: string } {
  // A child `node --test` that inherits NODE_TEST_CONTEXT thinks it is nested and runs nothing.
  const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=tap', 'test/store/writer.test.ts'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      // No PostgreSQL can be set up under /proc: 20-postgres.sh fails at mkdir, before any initdb.
      env: {
        ...env,
        PPTPMON_PG_DIR: '/proc/pptpmon-no-such-dir/pg',
        PPTPMON_PG_URL: '',
        PPTPMON_REQUIRE: require,
      },
    },
  );
  return { code: r.status, out: r.stdout + r.stderr };
}

test('the store suite skips PostgreSQL when optional and fails when PPTPMON_REQUIRE has pg', () => {
  const optional = storeSuite('netns');
  assert.equal(optional.code, 0, optional.out);
  assert.match(optional.out, /# SKIP PostgreSQL unavailable: .*20-postgres\.sh failed/);
  const required = storeSuite('pg');
  assert.notEqual(required.code, 0, required.out);
  assert.match(required.out, /not ok \d+ - EventWriter on postgres/);
  assert.match(required.out, /PostgreSQL unavailable: .*20-postgres\.sh failed/);
  assert.doesNotMatch(required.out, /# SKIP PostgreSQL/);
});
