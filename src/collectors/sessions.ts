/**
 * `sessions`: the live ppp links on this host, from the kernel (interface counters), pppd's pid files
 * (/var/run/pppN.pid, written by pppd main.c create_pidfile) and pppd's command line (pptpctrl passes
 * the client address as `ipparam`, pptpd pptpctrl.c), joined with what the logs said (user, peer,
 * start) through an injected lookup. Emits one `session.sample` per link per interval with bytes,
 * packets and errors each way and rates since the previous sample.
 */
import { join } from 'node:path';
import { statSync } from 'node:fs';
import type { Event } from '../events/index.js';
import { collectorEvent, type Collector, type CollectorContext } from './types.js';
import { readNetDev, readText, type IfaceCounters } from './procfs.js';

export interface LogSessionInfo {
  user?: string;
  peer?: string;
  start?: string;
  session?: string;
}

export interface LiveSession extends IfaceCounters {
  iface: string;
  pid?: number;
  user?: string;
  peer?: string;
  session?: string;
  localIp?: string;
  remoteIp?: string;
  start?: string;
  rxBps: number;
  txBps: number;
}

export interface SessionsOptions {
  intervalMs?: number;
  /** Interface name pattern of ppp links. */
  ifacePattern?: RegExp;
  /** What the log pipeline knows about the session on this interface or pppd pid. */
  lookup?: (iface: string, pid: number | undefined) => LogSessionInfo | undefined;
  /** Send a sample for every link every interval, moving or not. */
  everyInterval?: boolean;
  /** Skip `ip -j addr` (benchmarks of counter reading alone). */
  skipAddresses?: boolean;
}

// How long a new link's pid file and IPCP addresses are looked for. A time window, not a pass count:
// under load (a busy or emulated host) IPCP can end many seconds after pppd created the unit, and a
// count of 3 passes at 1 s gave up first, so the link stayed without addresses for its whole life
// (seen in test/agent/lab.test.ts on the loaded lab VM). Links still without both after this stop
// costing an `ip` run per pass.
const LOOKUP_WINDOW_MS = 120_000;

interface LinkMeta {
  firstSeen: number;
  pid?: number;
  start?: string;
  ipparam?: string;
  localIp?: string;
  remoteIp?: string;
}

export interface SessionsCollector extends Collector {
  live(): LiveSession[];
}

interface IpAddrJson {
  ifname?: string;
  addr_info?: Array<{ family?: string; local?: string; address?: string }>;
}

/** `ip -j -4 addr show`: for a point-to-point link `local` is ours and `address` the peer's. */
export function parseIpAddrJson(text: string): Map<string, { localIp?: string; remoteIp?: string }> {
  const out = new Map<string, { localIp?: string; remoteIp?: string }>();
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    return out;
  }
  if (!Array.isArray(rows)) return out;
  for (const r of rows as IpAddrJson[]) {
    const a = r.addr_info?.find((x) => x.family === 'inet');
    if (!r.ifname || !a) continue;
    out.set(r.ifname, { localIp: a.local, remoteIp: a.address ?? undefined });
  }
  return out;
}

/** The value after `ipparam` in a NUL-separated /proc/PID/cmdline. */
export function ipparamOf(cmdline: string): string | undefined {
  const args = cmdline.split('\0');
  const i = args.indexOf('ipparam');
  return i >= 0 ? args[i + 1] : undefined;
}

export function createSessionsCollector(
  ctx: CollectorContext,
  opts: SessionsOptions = {},
): SessionsCollector {
  const pattern = opts.ifacePattern ?? /^ppp\d+$/;
  let prev = new Map<string, { at: number; c: IfaceCounters }>();
  let current: LiveSession[] = [];
  const meta = new Map<string, LinkMeta>();

  return {
    name: 'sessions',
    intervalMs: opts.intervalMs ?? 10_000,
    live: () => current,
    async collect(): Promise<Event[]> {
      const now = ctx.now().getTime();
      const counters = readNetDev(ctx.procRoot);
      // A ppp link's addresses and pppd pid do not change during its life: look them up only when a
      // link is new (or its addresses were not there yet), so an idle pass over 10,000 links is one
      // read of /proc/net/dev and no `ip` run, no 10,000 pid-file reads.
      let needAddrs = false;
      for (const iface of counters.keys()) {
        if (!pattern.test(iface)) continue;
        const m = meta.get(iface);
        if (!m || (m.localIp === undefined && now - m.firstSeen < LOOKUP_WINDOW_MS)) needAddrs = true;
      }
      let addrs = new Map<string, { localIp?: string; remoteIp?: string }>();
      if (needAddrs && !opts.skipAddresses) {
        try {
          addrs = parseIpAddrJson(await ctx.run('ip', ['-j', '-4', 'addr', 'show']));
        } catch {
          // no iproute2: sessions still listed, without addresses
        }
      }
      const next = new Map<string, { at: number; c: IfaceCounters }>();
      const live: LiveSession[] = [];
      const out: Event[] = [];
      for (const [iface, c] of counters) {
        if (!pattern.test(iface)) continue;
        next.set(iface, { at: now, c });
        let m = meta.get(iface);
        // pppd writes its pid file and IPCP sets the addresses a moment after the link appears:
        // look again for a while, then stop (a link without either is not re-read forever).
        if (
          !m ||
          ((m.pid === undefined || m.localIp === undefined) && now - m.firstSeen < LOOKUP_WINDOW_MS)
        ) {
          const pidFile = join(ctx.runRoot, `${iface}.pid`);
          const pidText = readText(pidFile)?.trim();
          const pid = pidText && /^\d+$/.test(pidText) ? Number(pidText) : undefined;
          let start: string | undefined;
          try {
            start = statSync(pidFile).mtime.toISOString();
          } catch {
            start = undefined;
          }
          const cmd = pid === undefined ? undefined : readText(join(ctx.procRoot, String(pid), 'cmdline'));
          const a = addrs.get(iface);
          m = {
            pid,
            start,
            ipparam: cmd ? ipparamOf(cmd) : undefined,
            localIp: a?.localIp ?? m?.localIp,
            remoteIp: a?.remoteIp ?? m?.remoteIp,
            firstSeen: m?.firstSeen ?? now,
          };
          meta.set(iface, m);
        }
        const { pid, start } = m;
        const fromLog = opts.lookup?.(iface, pid);
        const p = prev.get(iface);
        const dt = p ? (now - p.at) / 1000 : 0;
        const rate = (a: number, b: number | undefined): number =>
          dt > 0 && b !== undefined && a >= b ? Math.round((a - b) / dt) : 0;
        const s: LiveSession = {
          iface,
          pid,
          ...c,
          localIp: m.localIp,
          remoteIp: m.remoteIp,
          user: fromLog?.user,
          peer: fromLog?.peer ?? m.ipparam,
          session: fromLog?.session,
          start: fromLog?.start ?? start,
          rxBps: rate(c.rxBytes, p?.c.rxBytes),
          txBps: rate(c.txBytes, p?.c.txBytes),
        };
        live.push(s);
        // Idle links (counters unchanged) are not re-sent every interval: at 10,000 sessions that
        // would be 10,000 events per interval for nothing. A new or moving link is always sent.
        const unchanged =
          p !== undefined &&
          p.c.rxBytes === c.rxBytes &&
          p.c.txBytes === c.txBytes &&
          p.c.rxErrors === c.rxErrors &&
          p.c.txErrors === c.txErrors;
        if (unchanged && !opts.everyInterval) continue;
        out.push(
          collectorEvent(
            ctx,
            'sessions',
            'session.sample',
            'info',
            {
              iface,
              pid: s.pid,
              localIp: s.localIp,
              remoteIp: s.remoteIp,
              start: s.start,
              rxBytes: c.rxBytes,
              txBytes: c.txBytes,
              rxPackets: c.rxPackets,
              txPackets: c.txPackets,
              rxErrors: c.rxErrors,
              txErrors: c.txErrors,
              rxBps: s.rxBps,
              txBps: s.txBps,
            },
            { user: s.user, peer: s.peer, session: s.session },
          ),
        );
      }
      prev = next;
      current = live;
      for (const iface of meta.keys()) if (!next.has(iface)) meta.delete(iface); // link gone: forget it
      return out;
    },
  };
}
