import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, ConfigError, parseDuration, loadConfig } from '../../src/config/index.js';

test('an empty config is valid and fills every default', () => {
  const c = parseConfigText('');
  assert.equal(c.server.listen, '127.0.0.1:9723');
  assert.equal(c.store.driver, 'sqlite');
  assert.deepEqual(c.logs.files, []);
});

test('schema errors name the path of the bad field', () => {
  assert.throws(
    () => parseConfigText('store:\n  retentionDays: "ninety"\n', 'x.yaml'),
    (err: unknown) =>
      err instanceof ConfigError && /x\.yaml/.test(err.message) && /store\.retentionDays: /.test(err.message),
  );
});

test('unknown settings are rejected by name, not ignored', () => {
  assert.throws(
    () => parseConfigText('logs:\n  filez: [a]\n'),
    (err: unknown) =>
      err instanceof ConfigError && err.problems.some((p) => p === 'logs.filez: unknown setting'),
  );
});

test('YAML syntax errors give line and column', () => {
  assert.throws(
    () => parseConfigText('logs:\n  files: [a\n'),
    (err: unknown) => err instanceof ConfigError && /line \d+, column \d+/.test(err.message),
  );
});

test('durations parse to milliseconds and reject prose', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('2 minutes'), undefined);
});

test('an unreadable config file is a ConfigError naming the file', async () => {
  await assert.rejects(loadConfig('/nonexistent/pptpmon.yaml'), /\/nonexistent\/pptpmon\.yaml.*ENOENT/s);
});
