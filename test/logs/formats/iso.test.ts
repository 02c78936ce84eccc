/**
 * isoOf / isoMs (src/logs/formats/time.ts), the record-time text conversions the reader and the
 * session tracker use instead of Date#toISOString / Date.parse: the same text and the same numbers,
 * including times around minute edges, milliseconds, the 4-digit-year limits, invalid times (the same
 * RangeError), and texts isoMs must hand to Date.parse (leap second, bad digits, other forms).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoMs, isoOf } from '../../../src/logs/formats/time.js';

test('isoOf writes what toISOString writes', () => {
  const base = Date.UTC(2026, 10, 20);
  for (let i = 0; i < 200_000; i++) {
    const t = base + i * 777 + (i % 7 === 0 ? 0 : i % 1000);
    assert.equal(isoOf(t), new Date(t).toISOString());
  }
  // Going back in time (a merged older file) and across the minute the cache holds.
  for (const t of [base + 59_999, base + 60_000, base - 1, base, base + 59_999])
    assert.equal(isoOf(t), new Date(t).toISOString());
  for (const t of [0, -1, -62167219200000, -62167219200001, 253402300799999, 253402300800000, 1.5, -0.5])
    assert.equal(isoOf(t), new Date(t).toISOString(), String(t));
  for (const t of [NaN, Infinity, 8.64e15 + 1]) assert.throws(() => isoOf(t), RangeError);
});

test('isoMs reads what Date.parse reads', () => {
  const base = Date.UTC(2026, 10, 20);
  for (let i = 0; i < 200_000; i++) {
    const t = base + i * 613;
    assert.equal(isoMs(new Date(t).toISOString()), t);
  }
  for (const s of [
    '2026-11-20T00:00:60.000Z',
    '2026-11-20T00:00:5x.000Z',
    '2026-13-20T00:00:00.000Z',
    '2026-11-20 00:00:00.000Z',
    '2026-11-20T00:00:00.000+01:00',
    '2026-11-20T00:00:00Z',
    'Nov 20 2026',
    '',
  ]) {
    const want = Date.parse(s);
    const got = isoMs(s);
    assert.ok(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${s}: ${got} vs ${want}`);
  }
});
