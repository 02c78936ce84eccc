/** The rule language: errors name the rule and the field; valid packs load typed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/index.js';
import { parseRulesText } from '../../src/rules/index.js';

function problems(yaml: string): string[] {
  try {
    parseRulesText(yaml, 'rules.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('a bad duration names the rule index, field and rule name', () => {
  const p = problems(`
rules:
  - { name: a, type: rate, match: { kind: auth.fail }, window: 1m, warning: 1 }
  - { name: b, type: rate, match: { kind: auth.fail }, window: 1m, warning: 1 }
  - { name: c, type: rate, match: { kind: auth.fail }, window: 1m, warning: 1 }
  - { name: auth-fail-per-peer, type: rate, match: { kind: auth.fail }, window: 1m, warning: 1, for: 2 minutes }
`);
  assert.deepEqual(p, [
    'rules[3].for: expected a duration like "2m", got "2 minutes" (rule "auth-fail-per-peer")',
  ]);
});

test('unknown kinds, unknown settings, missing levels and duplicates are all reported', () => {
  const p = problems(`
rules:
  - { name: x, type: rate, match: { kind: auth.failed }, window: 1m, warning: 1 }
  - { name: y, type: threshold, match: { kind: sys.sample }, value: attrs.cpuPct, warn: 80 }
  - { name: x, type: state, down: { kind: proc.down } }
  - { name: z, type: nonsense }
`);
  const text = p.join('\n');
  assert.match(text, /rules\[0\]\.match\.kind: unknown event kind "auth\.failed".*\(rule "x"\)/);
  assert.match(text, /rules\[1\]\.warn: unknown setting \(rule "y"\)/);
  assert.match(text, /rules\[2\]\.up: set "up" \(what clears it\) or "clearAfter" \(rule "x"\)/);
  assert.match(text, /rules\[3\]\.type: .*\(rule "z"\)/);
});

test('YAML syntax errors give line and column', () => {
  const p = problems('rules:\n  - { name: a, type: rate\n');
  assert.match(p[0] ?? '', /^line \d+, column \d+: /);
});

test('a valid pack loads with defaults filled in and disabled rules left out', () => {
  const rules = parseRulesText(`
rules:
  - { name: cpu, type: threshold, match: { kind: sys.sample }, value: attrs.cpuPct, warning: 80, for: 2m }
  - { name: off, type: rate, match: { kind: probe.* }, window: 30s, critical: 3, enabled: false }
`);
  assert.equal(rules.length, 1);
  const r = rules[0];
  assert.ok(r?.type === 'threshold');
  assert.equal(r.for, 120_000);
  assert.deepEqual(r.groupBy, ['host']);
  assert.equal(r.op, '>');
});
