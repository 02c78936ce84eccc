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
import { skipOrFail } from '../helpers/require.js';

const EVENTS_MD = new URL('../../../shared/design/EVENTS.md', import.meta.url);

/** EVENTS.md beside the clone, or '' (shared/ is laid beside it in CI and sessions, not in a bare clone). */
function eventsDoc(): string {
  try {
    return readFileSync(EVENTS_MD, 'utf8');
  } catch {
    return '';
  }
}

test('every kind named in EVENTS.md exists in the code', (t) => {
  // The design doc lists kinds in backticks in its "Kinds by layer" table; the code must have them all.
  const doc = eventsDoc();
  if (doc === '') {
    // PPTPMON_REQUIRE=design turns this skip into a failure.
    skipOrFail(t, 'design', 'shared/design/EVENTS.md is not beside this clone');
    return;
  }
  const table = doc.slice(doc.indexOf('## Kinds by layer'), doc.indexOf('## Sessions'));
  const named = [...table.matchAll(/`([a-z]+(?:\.[a-z]+)+)`/g)].map((m) => m[1] as string);
  assert.ok(named.length > 30, `expected the table to name many kinds, found ${named.length}`);
  for (const k of named) assert.ok(isEventKind(k), `kind ${k} from EVENTS.md is missing in kinds.ts`);
});

// Every end cause EVENTS.md lists (## Sessions, "End causes"), written out here so the test needs no
// shared/ beside the clone; the doc check below keeps this list and the doc in step when it is there.
const DOCUMENTED_CAUSES = [
  'user_disconnect',
  'link_dead',
  'admin',
  'auth_failed',
  'auth_backend',
  'mppe_failed',
  'lcp_timeout',
  'ccp_timeout',
  'ipcp_timeout',
  'ip_config',
  'gre_error',
  'mtu',
  'config_error',
  'pppd_crash',
  'ctrl_closed',
  'server_restart',
  'idle_timeout',
  'session_timeout',
  'unknown',
];

test('end causes: exactly the documented set', () => {
  assert.deepEqual([...END_CAUSES].sort(), [...DOCUMENTED_CAUSES].sort());
  assert.equal(new Set(END_CAUSES).size, END_CAUSES.length);
  assert.equal(new Set(EVENT_KINDS).size, EVENT_KINDS.length);
});

test('end causes named in EVENTS.md are the documented set', (t) => {
  const doc = eventsDoc();
  if (doc === '') {
    skipOrFail(t, 'design', 'shared/design/EVENTS.md is not beside this clone');
    return;
  }
  const from = doc.indexOf('End causes');
  assert.ok(from > 0, 'EVENTS.md has an "End causes" paragraph');
  // The list ends with `unknown`. (the paragraph goes on about analyze and `transport`).
  const para = doc.slice(from, doc.indexOf('`unknown`', from) + '`unknown`'.length);
  // Each cause opens a backticked name at the start of an item: `name` (...) or `name`, ...
  const named = [...para.matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string);
  assert.deepEqual([...new Set(named)].sort(), [...DOCUMENTED_CAUSES].sort());
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
