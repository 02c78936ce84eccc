import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  EVENT_KINDS,
  isEventKind,
  END_CAUSES,
  EventBus,
  makeEvent,
  type Event,
} from '../../src/events/index.js';

test('every kind named in EVENTS.md exists in the code', (t) => {
  // The design doc lists kinds in backticks in its "Kinds by layer" table; the code must have them all.
  let doc: string;
  try {
    doc = readFileSync(new URL('../../../shared/design/EVENTS.md', import.meta.url), 'utf8');
  } catch {
    doc = '';
  }
  if (doc === '') {
    // shared/ is laid beside the clone in CI and sessions; a bare clone elsewhere has none.
    t.skip('shared/design/EVENTS.md is not beside this clone');
    return;
  }
  const table = doc.slice(doc.indexOf('## Kinds by layer'), doc.indexOf('## Sessions'));
  const named = [...table.matchAll(/`([a-z]+(?:\.[a-z]+)+)`/g)].map((m) => m[1] as string);
  assert.ok(named.length > 30, `expected the table to name many kinds, found ${named.length}`);
  for (const k of named) assert.ok(isEventKind(k), `kind ${k} from EVENTS.md is missing in kinds.ts`);
});

test('end causes include the documented set', () => {
  for (const c of ['user_disconnect', 'link_dead', 'auth_failed', 'mppe_failed', 'lcp_timeout', 'unknown']) {
    assert.ok((END_CAUSES as readonly string[]).includes(c), c);
  }
  assert.equal(new Set(EVENT_KINDS).size, EVENT_KINDS.length);
});

test('the bus delivers to every subscriber even when one throws', () => {
  const bus = new EventBus();
  const got: Event[] = [];
  bus.subscribe(() => {
    throw new Error('bad consumer');
  });
  bus.subscribe((e) => got.push(e));
  const ev = makeEvent('auth.fail', {
    ts: '2026-11-24T10:00:00.000Z',
    host: 'vpn1',
    severity: 'warning',
    attrs: { user: 'alice', reason: 'bad_password' },
  });
  bus.publish(ev);
  assert.equal(got.length, 1);
  assert.equal(bus.errors, 1);
  const first = got[0];
  assert.ok(first && first.kind === 'auth.fail' && first.attrs.reason === 'bad_password');
});
