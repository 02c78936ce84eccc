/**
 * Which files the agent follows: the default Debian/RHEL/OpenWrt locations PLUS the configured
 * `logs.files` (issue 5), unless `logs.defaults: false` turns the defaults off; bad settings are
 * refused by the config schema with the setting's path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgent, followedPaths } from '../../src/agent/build.js';
import { parseConfig, parseConfigText } from '../../src/config/index.js';
import { DEFAULT_LOG_PATHS } from '../../src/logs/follow/set.js';
import type { AgentSink } from '../../src/agent/agent.js';
import type { AgentItem } from '../../src/agent/items.js';

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

test('the agent following ppp.log and syslog stores what it stores following syslog alone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-sources-dup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ppp = join(dir, 'ppp.log');
  const sys = join(dir, 'syslog');
  const sample = readFileSync(new URL('../../samples/ppp-server.log', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  // pppd's logfile (bare messages) and rsyslog's copies of the same messages, with pid and time.
  writeFileSync(ppp, sample.map((m) => `${m}\n`).join(''));
  writeFileSync(
    sys,
    sample
      .map((m, i) => `Nov 24 21:58:${String(26 + (i >> 5)).padStart(2, '0')} vpn pppd[139]: ${m}\n`)
      .join(''),
  );
  const run = async (
    files: string[],
    state: string,
  ): Promise<{ kinds: string[]; built: ReturnType<typeof buildAgent> }> => {
    const items: AgentItem[] = [];
    const sink: AgentSink = { write: async (it) => void items.push(...it) };
    const cfg = parseConfig({
      logs: { defaults: false, files, journald: false, logread: false, timezone: 'UTC' },
      agent: { stateDir: join(dir, state), startAtEnd: false },
    });
    const built = buildAgent(cfg, sink);
    t.after(() => built.followers.close());
    // The logfile lines wait until every source was read 2 s past them.
    for (let i = 0; i < 15; i++) {
      await built.agent.pollLogs();
      await new Promise((r) => setTimeout(r, 200));
    }
    return { kinds: items.flatMap((i) => ('e' in i ? [i.e.kind] : [])), built };
  };
  const alone = await run([sys], 'a');
  const both = await run([ppp, sys], 'b');
  assert.ok(alone.kinds.length > 5);
  assert.deepEqual(both.kinds, alone.kinds);
  assert.equal(both.built.followers.dedupStats()?.dropped, sample.length);
});
