/** Which rules run: the default pack plus rule files; file rules retune defaults by name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/index.js';
import { loadDefaultRules, loadRules } from '../../src/rules/index.js';

test('rule files add rules and replace defaults of the same name; defaults can be turned off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-rules-'));
  try {
    const f = join(dir, 'site.yaml');
    writeFileSync(
      f,
      `rules:
  - { name: cpu-high, type: threshold, match: { kind: sys.sample }, value: attrs.cpuPct, warning: 70, critical: 90, for: 5m }
  - { name: site-mppe-40bit, type: rate, match: { kind: ppp.mppe.failed }, window: 1h, warning: 0 }
`,
    );
    const all = await loadRules({ files: [f], defaults: true });
    assert.equal(all.length, loadDefaultRules().length + 1);
    const cpu = all.find((r) => r.name === 'cpu-high');
    assert.ok(cpu?.type === 'threshold' && cpu.warning === 70 && cpu.for === 300_000);
    const only = await loadRules({ files: [f], defaults: false });
    assert.deepEqual(
      only.map((r) => r.name),
      ['cpu-high', 'site-mppe-40bit'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every bad file is reported with its name before giving up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-rules-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'rules:\n  - { name: x, type: rate, match: { kind: auth.fail }, window: soon, warning: 1 }\n',
    );
    const missing = join(dir, 'missing.yaml');
    await assert.rejects(loadRules({ files: [bad, missing], defaults: true }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems, [
        `${bad}: rules[0].window: expected a duration like "2m", got "soon" (rule "x")`,
        `${missing}: cannot read: ENOENT`,
      ]);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
