import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionsPerUser } from '../../src/collectors/per-user.js';

test('sessions per user: counted by name (sorted), sessions of unknown users apart', () => {
  const live = [{ user: 'bob' }, { user: 'alice' }, { user: 'bob' }, {}, { user: '' }, { user: 'carol' }];
  const r = sessionsPerUser(live);
  assert.deepEqual(r, { users: { alice: 1, bob: 2, carol: 1 }, unknown: 2 });
  assert.deepEqual(Object.keys(r.users), ['alice', 'bob', 'carol']);
  assert.deepEqual(sessionsPerUser([]), { users: {}, unknown: 0 });
});
