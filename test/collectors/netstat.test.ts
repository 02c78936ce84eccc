/**
 * netstat collector: the listener check against a real listening socket on this host (its port
 * passed in, so no clash with a real pptpd on 1723), and the conntrack/snmp parsers on known text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { countConntrack, createNetstatCollector, findListener } from '../../src/collectors/netstat.js';
import { defaultContext } from '../../src/collectors/types.js';
import { parseSnmpPairs } from '../../src/collectors/procfs.js';

test('parsers: listener line, conntrack GRE and pptp helper, snmp pairs', () => {
  const tcp =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
    '   0: 00000000:06BB 00000000:0000 0A 00000003:00000002 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n';
  assert.deepEqual(findListener([tcp], 1723), { listening: true, acceptQueue: 2, backlog: 0 });
  assert.equal(findListener([tcp], 1724).listening, false);
  const ct =
    'ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.2 dst=10.0.0.1 sport=40000 dport=1723 src=10.0.0.1 dst=10.0.0.2 sport=1723 dport=40000 [ASSURED] mark=0 helper=pptp use=2\n' +
    'ipv4     2 gre      47 179 timeout=180, stream_timeout=18000 src=10.0.0.2 dst=10.0.0.1 srckey=0x0 dstkey=0x1 [ASSURED] mark=0 use=1\n';
  assert.deepEqual(countConntrack(ct), { gre: 1, pptp: 1 });
  assert.equal(parseSnmpPairs('Ip: Forwarding ReasmOKs\nIp: 1 7\n').get('Ip')?.get('ReasmOKs'), 7);
});

test('real listener: seen with its backlog; its loss is a critical sample', async (t) => {
  const srv = createServer();
  t.after(() => srv.close());
  await new Promise<void>((r) => srv.listen({ host: '127.0.0.1', port: 0, backlog: 7 }, r));
  const port = (srv.address() as AddressInfo).port;
  const c = createNetstatCollector(defaultContext(), { port });
  const first = await c.collect();
  const s1 = first.find((e) => e.kind === 'net.pptp.sample');
  assert.ok(s1 && s1.kind === 'net.pptp.sample');
  assert.equal(s1.attrs.listening, true);
  assert.equal(s1.attrs.backlog, 7);
  await new Promise((r) => srv.close(r));
  const second = await c.collect();
  const s2 = second.find((e) => e.kind === 'net.pptp.sample');
  assert.ok(s2 && s2.kind === 'net.pptp.sample');
  assert.equal(s2.attrs.listening, false);
  assert.equal(s2.severity, 'critical');
  assert.ok(second.some((e) => e.kind === 'net.ip.sample'));
});
