/**
 * sessions collector against real kernel interfaces: a ppp-named point-to-point link (a veth device
 * with a peer address) in a network namespace this test creates and deletes, a pppd-style pid file,
 * and a process whose command line carries `ipparam` as pptpctrl's pppd does. Counters are compared
 * with /sys/class/net/IF/statistics read in the same namespace. The real pppd/pptpd case is the lab test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipparamOf, parseIpAddrJson } from '../../src/collectors/sessions.js';
import type { Event } from '../../src/events/index.js';

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
    return t.skip(`cannot create a network namespace here: ${(err as Error).message}`);
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
