/**
 * `netstat`: IP fragmentation/reassembly counters (/proc/net/snmp `Ip:`), the PPTP listener on TCP
 * 1723 (/proc/net/tcp{,6}: state 0A is LISTEN; for a listening socket rx_queue is the current accept
 * queue, net/ipv4/tcp_ipv4.c get_tcp4_sock; the backlog limit is only exported through inet_diag,
 * so it comes from `ss -ltn` when iproute2 is there), listen overflows/drops
 * (/proc/net/netstat `TcpExt:`), and conntrack GRE / PPTP-helper entries where nf_conntrack is loaded.
 * Counters are sent as increases since the previous sample; the first collect() only primes them.
 */
import { join } from 'node:path';
import type { Event } from '../events/index.js';
import { collectorEvent, type Collector, type CollectorContext } from './types.js';
import { parseSnmpPairs, readText } from './procfs.js';

export interface NetstatOptions {
  intervalMs?: number;
  port?: number;
}

export interface Listener {
  listening: boolean;
  acceptQueue: number;
  backlog: number;
}

/** Finds a LISTEN socket on `port` in /proc/net/tcp or tcp6 text. */
export function findListener(texts: string[], port: number): Listener {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const text of texts) {
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 5 || !f[1]?.endsWith(`:${hexPort}`) || f[3] !== '0A') continue;
      const rx = parseInt((f[4] ?? '0:0').split(':')[1] ?? '0', 16);
      return { listening: true, acceptQueue: rx, backlog: 0 };
    }
  }
  return { listening: false, acceptQueue: 0, backlog: 0 };
}

/** Counts conntrack entries for GRE and for connections with the PPTP helper attached. */
export function countConntrack(text: string): { gre: number; pptp: number } {
  let gre = 0;
  let pptp = 0;
  for (const line of text.split('\n')) {
    if (/^\S+\s+\d+\s+gre\s/.test(line)) gre++;
    if (line.includes('helper=pptp')) pptp++;
  }
  return { gre, pptp };
}

export function createNetstatCollector(ctx: CollectorContext, opts: NetstatOptions = {}): Collector {
  const port = opts.port ?? 1723;
  let prev: Map<string, number> | undefined;
  let wasListening: boolean | undefined;
  return {
    name: 'netstat',
    intervalMs: opts.intervalMs ?? 15_000,
    async collect(): Promise<Event[]> {
      const snmp = parseSnmpPairs(readText(join(ctx.procRoot, 'net/snmp')) ?? '');
      const ext = parseSnmpPairs(readText(join(ctx.procRoot, 'net/netstat')) ?? '');
      const cur = new Map<string, number>();
      for (const k of ['FragCreates', 'FragFails', 'ReasmFails', 'ReasmOKs'])
        cur.set(k, snmp.get('Ip')?.get(k) ?? 0);
      for (const k of ['ListenOverflows', 'ListenDrops']) cur.set(k, ext.get('TcpExt')?.get(k) ?? 0);
      const d = (k: string): number => Math.max(0, (cur.get(k) ?? 0) - (prev?.get(k) ?? 0));
      const listener = findListener(
        [readText(join(ctx.procRoot, 'net/tcp')) ?? '', readText(join(ctx.procRoot, 'net/tcp6')) ?? ''],
        port,
      );
      if (listener.listening) {
        try {
          // `ss -Hltn sport = :P`: "LISTEN <queue> <backlog> <addr:port> ..."
          const line = (await ctx.run('ss', ['-Hltn', `sport = :${port}`])).trim().split('\n')[0] ?? '';
          const backlog = Number(line.trim().split(/\s+/)[2]);
          if (Number.isFinite(backlog)) listener.backlog = backlog;
        } catch {
          // no ss: backlog stays unknown (0)
        }
      }
      const ctText = readText(join(ctx.procRoot, 'net/nf_conntrack'));
      const ct = ctText === undefined ? undefined : countConntrack(ctText);
      const out: Event[] = [];
      if (prev) {
        out.push(
          collectorEvent(ctx, 'netstat', 'net.ip.sample', 'info', {
            fragCreates: d('FragCreates'),
            fragFails: d('FragFails'),
            reasmFails: d('ReasmFails'),
            reasmOks: d('ReasmOKs'),
          }),
        );
      }
      // Losing the listener is the outage itself (clients get RST); say so at once, not only as a sample.
      const lost = wasListening === true && !listener.listening;
      out.push(
        collectorEvent(ctx, 'netstat', 'net.pptp.sample', lost ? 'critical' : 'info', {
          port,
          ...listener,
          listenOverflows: prev ? d('ListenOverflows') : 0,
          listenDrops: prev ? d('ListenDrops') : 0,
          conntrackGre: ct?.gre,
          conntrackPptp: ct?.pptp,
        }),
      );
      wasListening = listener.listening;
      prev = cur;
      return out;
    },
  };
}
