/** The `alerts:` and `rules:` sections of pptpmon.yaml: defaults, and errors located by path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../src/config/index.js';

test('an empty config has working alert and rule defaults', () => {
  const c = parseConfigText('');
  assert.equal(c.alerts.groupWait, 30_000);
  assert.equal(c.alerts.inhibitDefaults, true);
  assert.deepEqual(c.alerts.defaultChain, [{ receiver: 'default', after: 0 }]);
  assert.deepEqual(c.rules, { files: [], defaults: true });
});

test('alert policy errors in pptpmon.yaml name the full path', () => {
  assert.throws(
    () =>
      parseConfigText(`
alerts:
  repeatInterval: 4 hours
  routes:
    - match: ['component=~"pptpd|radius"']
      chain: [{ receiver: oncall }, { receiver: lead, after: soon }]
  silences:
    - { id: sunday, matchers: ['host="vpn1"'], schedule: { cron: '30 2 * * 0', timezone: Mars/Olympus, duration: 1h } }
`),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.includes('alerts.repeatInterval: expected a duration like "2m", got "4 hours"') &&
      e.problems.includes('alerts.routes[0].chain[1].after: expected a duration like "2m", got "soon"') &&
      e.problems.some((p) => p.startsWith('alerts.silences[0].schedule: unknown time zone "Mars/Olympus"')),
  );
});
