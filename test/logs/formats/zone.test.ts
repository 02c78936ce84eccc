/**
 * Local wall-clock times to UTC through the shared cached offset lookup (rules/zone.ts ZoneOffsets),
 * and the host zone without ICU when it is UTC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostTimeZone, ZoneClock } from '../../../src/logs/formats/time.js';

const iso = (ms: number): string => new Date(ms).toISOString();

test('ZoneClock: a half-hour zone on the hour after its DST start (cached per quarter hour, not per hour)', () => {
  // Australia/Adelaide: 2026-10-04 02:00 ACST (+9:30) -> 03:00 ACDT (+10:30), i.e. 16:30 UTC.
  // A per-UTC-hour cache read 03:10 ACDT with the +9:30 of 16:00 UTC: 17:40Z (was so before).
  const c = new ZoneClock('Australia/Adelaide');
  assert.equal(iso(c.toUtc(2026, 9, 4, 3, 10, 0)), '2026-10-03T16:40:00.000Z');
  assert.equal(iso(c.toUtc(2026, 9, 4, 1, 59, 0)), '2026-10-03T16:29:00.000Z');
  assert.equal(iso(c.toUtc(2026, 6, 1, 12, 0, 0)), '2026-07-01T02:30:00.000Z');
});

test('ZoneClock: Europe/Berlin around both DST changes; UTC needs no lookup', () => {
  const b = new ZoneClock('Europe/Berlin');
  assert.equal(iso(b.toUtc(2026, 2, 29, 1, 59, 59)), '2026-03-29T00:59:59.000Z');
  assert.equal(iso(b.toUtc(2026, 2, 29, 3, 0, 0)), '2026-03-29T01:00:00.000Z');
  assert.equal(iso(b.toUtc(2026, 9, 25, 4, 0, 0)), '2026-10-25T03:00:00.000Z');
  assert.equal(b.offsetAt(Date.parse('2026-07-01T00:00:00Z')), 2 * 3_600_000);
  const u = new ZoneClock('UTC');
  assert.equal(u.offsetAt(Date.parse('2026-07-01T00:00:00Z')), 0);
  assert.throws(() => new ZoneClock('Mars/Olympus'), /unknown time zone "Mars\/Olympus"/);
});

test('hostTimeZone: TZ names UTC -> UTC; another TZ is what ICU says', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = ':UTC';
    assert.equal(hostTimeZone(), 'UTC');
    process.env.TZ = 'Etc/UTC';
    assert.equal(hostTimeZone(), 'UTC');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
  // Without TZ: a UTC /etc/localtime link gives UTC without ICU, anything else ICU's answer.
  if (process.env.TZ === undefined) {
    const icu = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const got = hostTimeZone();
    assert.ok(got === icu || (got === 'UTC' && /^(Etc\/)?UTC$/.test(icu)), `${got} vs ICU ${icu}`);
  }
});
