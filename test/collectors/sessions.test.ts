/**
 * sessions collector against real kernel interfaces: a ppp-named point-to-point link (a veth device
 * with a peer address) in a network namespace this test creates and deletes, a pppd-style pid file,
 * and a process whose command line carries `ipparam` as pptpctrl's pppd does. Counters are compared
 * with /sys/class/net/IF/statistics read in the same namespace. The real pppd/pptpd case is the lab test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSessionsCollector, ipparamOf, parseIpAddrJson } from '../../src/collectors/sessions.js';
import { parseNetDev, scanNetDev } from '../../src/collectors/procfs.js';
import { defaultContext } from '../../src/collectors/types.js';
import type { Event } from '../../src/events/index.js';
import { skipOrFail } from '../helpers/require.js';

const NS = `pptpmon-sess-${process.pid}`;
const CHILD = new URL('./sessions-child.ts', import.meta.url).pathname;
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

test('parsers: ip -j addr peer addresses, ipparam from a NUL-separated cmdline', () => {
  const m = parseIpAddrJson(
    '[{"ifname":"ppp0","addr_info":[{"family":"inet","local":"192.168.0.1","address":"192.168.0.234","prefixlen":32}]}]',
  );
  assert.deepEqual(m.get('ppp0'), { localIp: '192.168.0.1', remoteIp: '192.168.0.234' });
  assert.equal(
    ipparamOf('pppd\0file\0/etc/ppp/options.pptpd\0ipparam\u0000198.51.100.7\u0000'),
    '198.51.100.7',
  );
});

test('live ppp link: addresses, pid, peer from ipparam, counters equal to the kernel statistics', async (t) => {
  try {
    ip('netns', 'add', NS);
  } catch (err) {
    return skipOrFail(t, 'netns', `cannot create a network namespace here: ${(err as Error).message}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-sess-'));
  const holder = spawn('/bin/bash', ['-c', 'sleep 30; :', 'pppd', 'ipparam', '203.0.113.5'], {
    stdio: 'ignore',
  });
  t.after(() => {
    holder.kill('SIGKILL');
    ip('netns', 'del', NS);
    rmSync(dir, { recursive: true, force: true });
  });
  // No dummy module on this host kernel: a veth pair is a real kernel link with real counters.
  ip('-n', NS, 'link', 'add', 'ppp0', 'type', 'veth', 'peer', 'name', 'peer0');
  ip('-n', NS, 'link', 'set', 'peer0', 'up');
  ip('-n', NS, 'addr', 'add', '192.168.0.1', 'peer', '192.168.0.234/32', 'dev', 'ppp0');
  ip('-n', NS, 'link', 'set', 'ppp0', 'up');
  writeFileSync(join(dir, 'ppp0.pid'), `${holder.pid}\n`);
  // Traffic out of the link while the collector samples (ARP and pings leave through ppp0).
  const pinger = spawn(
    'ip',
    ['netns', 'exec', NS, 'ping', '-q', '-i', '0.2', '-c', '8', '-s', '1000', '192.168.0.234'],
    {
      stdio: 'ignore',
    },
  );
  const out = execFileSync(
    'ip',
    ['netns', 'exec', NS, process.execPath, '--import', 'tsx', CHILD, dir, '800'],
    {
      encoding: 'utf8',
    },
  );
  await new Promise((r) => pinger.once('exit', r));
  const evs = JSON.parse(out) as Event[];
  const s = evs.find((e) => e.kind === 'session.sample');
  assert.ok(s && s.kind === 'session.sample');
  assert.equal(s.attrs.iface, 'ppp0');
  assert.equal(s.attrs.pid, holder.pid);
  assert.equal(s.attrs.localIp, '192.168.0.1');
  assert.equal(s.attrs.remoteIp, '192.168.0.234');
  assert.equal(s.peer, '203.0.113.5');
  const kernelTx = Number(ip('netns', 'exec', NS, 'cat', '/sys/class/net/ppp0/statistics/tx_bytes'));
  assert.ok(s.attrs.txBytes > 0, 'pings were counted');
  assert.ok(s.attrs.txBytes <= kernelTx, 'never more than the kernel says');
  assert.ok(s.attrs.txBps > 0, 'a rate between the two samples');
});

test('sessions over a /proc fixture: idle links not re-sent, rates, pid files, gone links dropped; scanNetDev = parseNetDev', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-sessfx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'proc/net'), { recursive: true });
  mkdirSync(join(dir, 'run'));
  const head =
    'Inter-|   Receive                                                |  Transmit\n' +
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  const row = (name: string, rx: number, tx: number, err = 0): string =>
    `${name.padStart(6)}: ${rx} ${Math.floor(rx / 100)} ${err} 1 0 0 0 0 ${tx} ${Math.floor(tx / 100)} 0 2 0 0 0 0\n`;
  const dev = (rows: string): void => writeFileSync(join(dir, 'proc/net/dev'), head + rows);
  writeFileSync(join(dir, 'run/ppp1.pid'), '4242\n');
  let now = Date.parse('2026-11-25T00:00:00Z');
  const ctx = defaultContext({
    procRoot: join(dir, 'proc'),
    runRoot: join(dir, 'run'),
    now: () => new Date(now),
    run: async () => '[]',
  });
  const c = createSessionsCollector(ctx, {
    lookup: (iface) => (iface === 'ppp1' ? { user: 'alice', session: 's1' } : undefined),
  });
  dev(row('lo', 500, 500) + row('ppp0', 1000, 2000) + row('ppp1', 3000, 4000) + 'ppp9: 1 2 x\n');
  const first = await c.collect();
  assert.deepEqual(
    first.map((e) => (e.kind === 'session.sample' ? e.attrs.iface : '')),
    ['ppp0', 'ppp1'],
  );
  const p1 = first[1]!;
  assert.ok(p1.kind === 'session.sample');
  assert.equal(p1.attrs.pid, 4242);
  assert.equal(p1.user, 'alice');
  assert.equal(p1.attrs.rxBps, 0, 'no rate from one sample');
  now += 10_000;
  dev(row('ppp0', 1000, 2000) + row('ppp1', 3000, 14_000) + row('ppp2', 100, 100));
  const second = await c.collect();
  const by = new Map(second.map((e) => [e.kind === 'session.sample' ? e.attrs.iface : '', e]));
  assert.deepEqual([...by.keys()], ['ppp1', 'ppp2'], 'idle ppp0 not re-sent; new ppp2 sent');
  const s1 = by.get('ppp1')!;
  assert.ok(s1.kind === 'session.sample');
  assert.equal(s1.attrs.txBps, 1000);
  assert.equal(s1.attrs.txBytes, 14_000);
  assert.equal(s1.attrs.txPackets, 140);
  const live = c.live();
  assert.deepEqual(
    live.map((s) => s.iface),
    ['ppp0', 'ppp1', 'ppp2'],
  );
  assert.equal(live.find((s) => s.iface === 'ppp0')?.rxDropped, 1);
  assert.equal(c.liveCount(), 3);
  now += 10_000;
  dev(row('ppp1', 3000, 14_000, 3));
  const third = await c.collect();
  assert.equal(third.length, 1, 'an error count change is sent');
  assert.equal(c.liveCount(), 1);
  assert.deepEqual(
    c.live().map((s) => s.iface),
    ['ppp1'],
    'gone links dropped',
  );
  const text = head + row('eth0', 1, 2) + row('ppp7', 300, 400) + 'bad: 1 2 x 4\n' + 'short: 1 2 3\n';
  const scanned = new Map<string, number[]>();
  scanNetDev(
    text,
    () => true,
    (n, f) => scanned.set(n, [...f]),
  );
  const parsed = parseNetDev(text);
  assert.deepEqual([...scanned.keys()], [...parsed.keys()]);
  assert.equal(scanned.get('ppp7')![8], parsed.get('ppp7')!.txBytes);
});

test('sessions collectSlices: a 1,200-link first pass comes in slices of at most 500, every link once, in order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-sessfx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'proc/net'), { recursive: true });
  let text = 'Inter-| header\n face | header\n';
  for (let i = 0; i < 1200; i++) text += `ppp${i}: ${i} 1 0 0 0 0 0 0 ${i * 2} 1 0 0 0 0 0 0\n`;
  writeFileSync(join(dir, 'proc/net/dev'), text);
  const c = createSessionsCollector(
    defaultContext({ procRoot: join(dir, 'proc'), runRoot: join(dir, 'run'), run: async () => '[]' }),
  );
  const sizes: number[] = [];
  const ifaces: string[] = [];
  for await (const slice of c.collectSlices!()) {
    sizes.push(slice.length);
    for (const e of slice) if (e.kind === 'session.sample') ifaces.push(e.attrs.iface);
  }
  assert.deepEqual(sizes, [500, 500, 200]);
  assert.deepEqual(
    ifaces,
    Array.from({ length: 1200 }, (_, i) => `ppp${i}`),
  );
  assert.equal((await c.collect()).length, 0, 'nothing moved: nothing re-sent');
});
