/**
 * Which log sources the agent follows: with rsyslog beside journald, /var/log/syslog and the journal
 * both carry every pppd/pptpd line, so following both would ingest each line twice (auth failures
 * counted double, rate rules firing at half their threshold). `logs.journald: auto` (the default)
 * follows journald only on a journald-only host; true/false are obeyed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgent, journaldWanted } from '../../src/agent/build.js';
import { parseConfig } from '../../src/config/index.js';
import type { AgentSink } from '../../src/agent/agent.js';

test('journald auto: only where journald runs and no syslog file carries the same lines', () => {
  assert.equal(journaldWanted('auto', { journaldRuns: true, syslogFiles: [] }), true);
  assert.equal(journaldWanted('auto', { journaldRuns: true, syslogFiles: ['/var/log/syslog'] }), false);
  assert.equal(journaldWanted('auto', { journaldRuns: true, syslogFiles: ['/var/log/messages'] }), false);
  assert.equal(journaldWanted('auto', { journaldRuns: false, syslogFiles: [] }), false);
  assert.equal(journaldWanted(true, { journaldRuns: false, syslogFiles: ['/var/log/syslog'] }), true);
  assert.equal(journaldWanted(false, { journaldRuns: true, syslogFiles: [] }), false);
});

test('config: logs.journald defaults to auto, accepts true/false, rejects anything else by path', () => {
  assert.equal(parseConfig({}).logs.journald, 'auto');
  assert.equal(parseConfig({ logs: { journald: false } }).logs.journald, false);
  assert.throws(() => parseConfig({ logs: { journald: 'yes' } }), /logs\.journald/);
});

test('buildAgent obeys logs.journald (false never follows journald, true always does)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-jchoice-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'syslog');
  writeFileSync(log, '');
  const sink: AgentSink = { write: async () => {} };
  for (const journald of [false, true] as const) {
    const cfg = parseConfig({
      logs: { defaults: false, files: [log], journald },
      agent: { stateDir: join(dir, `s-${journald}`) },
    });
    const built = buildAgent(cfg, sink);
    assert.equal(built.journald, journald);
    assert.deepEqual(built.followedPaths, [log]);
  }
});
