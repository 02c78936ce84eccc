/** The bounded sliding counter behind rate rules: counts, decay, gaps, late events. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingCounter } from '../../src/rules/window.js';

test('counts the last window to within one slot, decays, survives long gaps', () => {
  const c = SlidingCounter.forWindow(60_000); // 10 slots of 6 s
  for (let t = 0; t < 60_000; t += 1000) c.add(t);
  assert.equal(c.count(59_999), 60);
  assert.equal(c.count(60_000), 54, 'the first 6 s slot has left the window');
  assert.equal(c.count(119_999), 0);
  c.add(10 * 60_000);
  assert.equal(c.count(10 * 60_000), 1, 'a gap longer than the window clears every slot');
});

test('late events count while inside the window and are dropped when older', () => {
  const c = SlidingCounter.forWindow(60_000);
  c.add(100_000);
  c.add(70_000);
  assert.equal(c.count(100_000), 2);
  c.add(30_000);
  assert.equal(c.count(100_000), 2, 'older than the window: not counted');
  c.add(100_000, 5);
  assert.equal(c.count(100_000), 7);
});
