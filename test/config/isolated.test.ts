/**
 * loadConfigIsolated (the agent's loader: validation in a worker thread that ends before the config is
 * used) gives what loadConfig gives, for a config touching every section, and the same errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { loadConfigIsolated } from '../../src/config/isolated.js';

const dir = mkdtempSync(join(tmpdir(), 'pptpmon-config-isolated-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const FULL = `
host: vpn1
logs: { files: [/var/log/a.log], journald: false, timezone: Europe/Berlin }
server: { listen: "0.0.0.0:9723", tokenFile: /etc/pptpmon/token }
agent:
  serverUrl: https://monitor.example:9723
  tokenFile: /etc/pptpmon/token
  pollInterval: 500ms
  spoolMaxMb: 64
  collectors: { sessions: { interval: 5s }, netstat: { enabled: false } }
store: { driver: sqlite, retention: { samplesRaw: 1d } }
rules: { files: [/etc/pptpmon/rules.yaml], defaults: false }
alerts:
  groupWait: 10s
  inhibit: [{ source: ['alertname=pptpd-down'], target: ['alertname=~"session-.*"'] }]
  silences:
    - id: nightly
      matchers: ['host=vpn1']
      schedule: { cron: "0 2 * * *", timezone: UTC, duration: 1h }
probes: { vantage: dc1, targets: [{ host: vpn.example, checks: [tcp], every: 2m }] }
`;

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('the isolated loader returns the same validated config as loadConfig, every section', async () => {
  const file = write('full.yaml', FULL);
  const iso = await loadConfigIsolated(file);
  assert.deepEqual(iso, await loadConfig(file));
  // Transforms and defaults were applied on the worker's side.
  assert.equal(iso.agent.pollInterval, 500);
  assert.equal(iso.probes.targets[0]?.every, 120_000);
  assert.equal(iso.agent.collectors.system.enabled, true);
  assert.deepEqual(iso.alerts.inhibit[0]?.target, [{ name: 'alertname', op: '=~', value: 'session-.*' }]);
  assert.deepEqual(await loadConfigIsolated(undefined), await loadConfig(undefined));
});

async function sameError(file: string): Promise<ConfigError> {
  const direct = await loadConfig(file).then(
    () => assert.fail('loadConfig accepted a bad config'),
    (e: unknown) => e,
  );
  const iso = await loadConfigIsolated(file).then(
    () => assert.fail('loadConfigIsolated accepted a bad config'),
    (e: unknown) => e,
  );
  assert.ok(iso instanceof ConfigError, String(iso));
  assert.ok(direct instanceof ConfigError);
  assert.equal(iso.message, direct.message);
  assert.deepEqual(iso.problems, direct.problems);
  return iso;
}

test('schema errors come back as ConfigError naming the file and each path', async () => {
  const file = write(
    'bad.yaml',
    'agent:\n  pollInterval: soon\n  colectors: {}\nalerts:\n  silences: [{ id: x, matchers: ["bad matcher"] }]\n',
  );
  const err = await sameError(file);
  assert.match(err.message, /bad\.yaml/);
  assert.ok(err.problems.some((p) => p.startsWith('agent.pollInterval: expected a duration')));
  assert.ok(err.problems.includes('agent.colectors: unknown setting'));
  assert.ok(err.problems.some((p) => p.startsWith('alerts.silences[0].matchers[0]: ')));
});

test('YAML syntax errors and an unreadable file are the same ConfigError', async () => {
  const syntax = await sameError(write('syntax.yaml', 'logs:\n  files: [a\n'));
  assert.match(syntax.message, /line \d+, column \d+/);
  const missing = await sameError(join(dir, 'nonexistent.yaml'));
  assert.match(missing.message, /nonexistent\.yaml.*ENOENT/s);
});
