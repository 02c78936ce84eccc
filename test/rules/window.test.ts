/** The bounded sliding counter behind rate rules: counts, decay, gaps, late events. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterArena, SlidingCounter } from '../../src/rules/window.js';

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

test('an arena holds many independent counters, copies one into another arena, grows and resets', () => {
  const slotMs = 6000; // a 1 min window
  const a = new CounterArena(2);
  const ids = Array.from({ length: 100 }, () => a.alloc());
  assert.equal(a.size, 100, 'grew past its initial capacity of 2');
  ids.forEach((c, i) => {
    for (let k = 0; k <= Math.min(i, 59); k++) a.add(c, slotMs, 1000 * k);
  });
  ids.forEach((c, i) => assert.equal(a.count(c, slotMs, 59_999), Math.min(i + 1, 60)));
  const b = new CounterArena();
  const moved = b.copyFrom(a, ids[42] ?? -1);
  assert.equal(b.count(moved, slotMs, 59_999), 43);
  b.add(moved, slotMs, 60_000);
  assert.equal(b.count(moved, slotMs, 60_000), 43 - 6 + 1, 'the copy slides on like the original');
  assert.equal(a.count(ids[42] ?? -1, slotMs, 59_999), 43, 'the original is untouched');
  a.reset();
  assert.equal(a.size, 0);
  const fresh = a.alloc();
  assert.equal(a.count(fresh, slotMs, 59_999), 0, 'a counter reused after reset starts empty');
});
