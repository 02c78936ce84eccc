/** system collector on this host's real /proc, plus its parsers on known text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSystemCollector, parseCpu, parseDiskstats, parseMemPct } from '../../src/collectors/system.js';
import { defaultContext } from '../../src/collectors/types.js';

test('parsers: cpu jiffies, MemAvailable, whole-disk diskstats', () => {
  assert.deepEqual(parseCpu('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3'), { busy: 150, total: 1000 });
  assert.equal(parseMemPct('MemTotal:  1000 kB\nMemFree: 100 kB\nMemAvailable:   250 kB\n'), 75);
  const io = parseDiskstats(
    '   8       0 sda 10 0 100 0 20 0 200 0 0 30 0\n   8       1 sda1 10 0 100 0 20 0 200 0 0 30 0\n   7  0 loop0 1 0 999 0 1 0 999 0 0 1 0',
  );
  assert.deepEqual(io, { readBytes: 100 * 512, writeBytes: 200 * 512, busyMs: 30 });
});

test('real /proc: first collect primes, second reports cpu/mem/load/disk and per-iface counters', async () => {
  let now = Date.now();
  const c = createSystemCollector(defaultContext({ now: () => new Date(now) }));
  const first = await c.collect();
  assert.equal(first.filter((e) => e.kind === 'sys.sample').length, 0);
  for (let i = 0; i < 2e6; i++) now += 0; // a little CPU between samples
  await new Promise((r) => setTimeout(r, 300));
  now += 300;
  const evs = await c.collect();
  const s = evs.find((e) => e.kind === 'sys.sample');
  assert.ok(s && s.kind === 'sys.sample');
  assert.ok(s.attrs.cpuPct >= 0 && s.attrs.cpuPct <= 100);
  assert.ok(s.attrs.memPct > 0 && s.attrs.memPct < 100);
  assert.ok(s.attrs.diskPct > 0 && s.attrs.diskPct <= 100);
  assert.ok(Number.isFinite(s.attrs.load1));
  assert.ok(evs.some((e) => e.kind === 'sys.io.sample'));
  assert.ok(!evs.some((e) => e.kind === 'net.iface.sample' && e.attrs.iface === 'lo'), 'lo left out');
});
