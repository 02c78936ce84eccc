/**
 * Which files the agent follows: the default Debian/RHEL/OpenWrt locations PLUS the configured
 * `logs.files` (issue 5), unless `logs.defaults: false` turns the defaults off; bad settings are
 * refused by the config schema with the setting's path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgent, followedPaths } from '../../src/agent/build.js';
import { parseConfig, parseConfigText } from '../../src/config/index.js';
import { DEFAULT_LOG_PATHS } from '../../src/logs/follow/set.js';
import type { AgentSink } from '../../src/agent/agent.js';

test('configured files add to the default paths; defaults: false leaves only them', () => {
  const none = parseConfig({}).logs;
  assert.equal(none.defaults, true);
  assert.deepEqual(followedPaths(none), DEFAULT_LOG_PATHS);
  const plus = parseConfig({ logs: { files: ['/srv/vpn/ppp.log', '/var/log/syslog'] } }).logs;
  // A configured default path is followed once, where the defaults put it.
  assert.deepEqual(followedPaths(plus), [...DEFAULT_LOG_PATHS, '/srv/vpn/ppp.log']);
  const only = parseConfig({ logs: { defaults: false, files: ['/srv/vpn/ppp.log'] } }).logs;
  assert.deepEqual(followedPaths(only), ['/srv/vpn/ppp.log']);
});

test('config: logs.defaults and logs.files are validated with the setting named', () => {
  assert.throws(() => parseConfigText('logs:\n  defaults: "no"\n'), /logs\.defaults: /);
  assert.throws(
    () => parseConfigText('logs:\n  files: [ppp.log]\n'),
    /logs\.files\[0\]: expected an absolute path/,
  );
  assert.throws(
    () => parseConfigText('logs:\n  defaults: false\n  journald: false\n  logread: false\n'),
    /logs\.defaults: false with no logs\.files, logs\.journald false and logs\.logread false: no log would be followed/,
  );
  // journald alone is a valid choice on a journald-only host.
  assert.equal(parseConfigText('logs:\n  defaults: false\n  journald: true\n').logs.defaults, false);
});

test('buildAgent follows the defaults plus the configured file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-sources-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'pptp-extra.log');
  writeFileSync(log, '');
  const sink: AgentSink = { write: async () => {} };
  const cfg = parseConfig({ logs: { files: [log], journald: false }, agent: { stateDir: join(dir, 's') } });
  const built = buildAgent(cfg, sink);
  assert.deepEqual(built.followedPaths, [...DEFAULT_LOG_PATHS, log]);
});
