/**
 * `sessions`: the live ppp links on this host, from the kernel (interface counters), pppd's pid files
 * (/var/run/pppN.pid, written by pppd main.c create_pidfile) and pppd's command line (pptpctrl passes
 * the client address as `ipparam`, pptpd pptpctrl.c), joined with what the logs said (user, peer,
 * start) through an injected lookup. Emits one `session.sample` per link per interval with bytes,
 * packets and errors each way and rates since the previous sample.
 */
import { join } from 'node:path';
import { statSync, type Stats } from 'node:fs';
import type { Event } from '../events/index.js';
import { collectorEvent, type Collector, type CollectorContext } from './types.js';
import { readText, scanNetDev, type IfaceCounters } from './procfs.js';

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

/** Events per slice handed to the agent (collectSlices): bounds what one pass holds at once. */
const SLICE = 500;

/**
 * Everything kept per link, in one object updated in place each pass (at 10,000 links the collector
 * used to hold a LiveSession, a counters object, a previous-counters entry and a meta entry per link,
 * and rebuild three of them every pass).
 */
interface Link extends IfaceCounters {
  firstSeen: number;
  // Not optional: declared (undefined) in the literal that creates a link, so the lookup that sets them
  // later does not add properties (an out-of-object property array per link, ~11k at 10,000 links).
  pid: number | undefined;
  start: string | undefined;
  ipparam: string | undefined;
  localIp: string | undefined;
  remoteIp: string | undefined;
  /** Time of the last counters, and the pass that saw the link (links not seen are gone). */
  at: number;
  pass: number;
  /** Whether the previous pass had counters (rates and "unchanged" need two samples). */
  hasPrev: boolean;
  moved: boolean;
  rxBps: number;
  txBps: number;
}

export interface SessionsCollector extends Collector {
  live(): LiveSession[];
  /** How many links the last pass saw, without building the LiveSession list. */
  liveCount(): number;
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
  const links = new Map<string, Link>();
  let pass = 0;
  // The LiveSession list is built when asked for (API, `run`'s gauge), once per pass: the agent itself
  // never needs it, and 10,000 of them are several MB.
  let liveCache: LiveSession[] | undefined;

  const toLive = (iface: string, l: Link): LiveSession => {
    const fromLog = opts.lookup?.(iface, l.pid);
    return {
      iface,
      pid: l.pid,
      rxBytes: l.rxBytes,
      rxPackets: l.rxPackets,
      rxErrors: l.rxErrors,
      rxDropped: l.rxDropped,
      txBytes: l.txBytes,
      txPackets: l.txPackets,
      txErrors: l.txErrors,
      txDropped: l.txDropped,
      localIp: l.localIp,
      remoteIp: l.remoteIp,
      user: fromLog?.user,
      peer: fromLog?.peer ?? l.ipparam,
      session: fromLog?.session,
      start: fromLog?.start ?? l.start,
      rxBps: l.rxBps,
      txBps: l.txBps,
    };
  };

  return {
    name: 'sessions',
    intervalMs: opts.intervalMs ?? 10_000,
    liveCount: () => links.size,
    live: () => {
      if (!liveCache) {
        liveCache = [];
        for (const [iface, l] of links) liveCache.push(toLive(iface, l));
      }
      return liveCache;
    },
    async collect(): Promise<Event[]> {
      const all: Event[] = [];
      for await (const slice of this.collectSlices!()) all.push(...slice);
      return all;
    },
    async *collectSlices(): AsyncGenerator<Event[]> {
      const now = ctx.now().getTime();
      pass++;
      liveCache = undefined;
      // A ppp link's addresses and pppd pid do not change during its life: look them up only when a
      // link is new (or its addresses were not there yet), so an idle pass over 10,000 links is one
      // read of /proc/net/dev and no `ip` run, no 10,000 pid-file reads.
      let needAddrs = false;
      scanNetDev(
        readText(join(ctx.procRoot, 'net/dev')) ?? '',
        (name) => pattern.test(name),
        (iface, f) => {
          let l = links.get(iface);
          if (!l) {
            l = {
              firstSeen: now,
              pid: undefined,
              start: undefined,
              ipparam: undefined,
              localIp: undefined,
              remoteIp: undefined,
              at: now,
              pass,
              hasPrev: false,
              moved: true,
              rxBps: 0,
              txBps: 0,
              rxBytes: 0,
              rxPackets: 0,
              rxErrors: 0,
              rxDropped: 0,
              txBytes: 0,
              txPackets: 0,
              txErrors: 0,
              txDropped: 0,
            };
            links.set(iface, l);
            needAddrs = true;
          } else {
            l.hasPrev = true;
            if (l.localIp === undefined && now - l.firstSeen < LOOKUP_WINDOW_MS) needAddrs = true;
          }
          const rxBytes = f[0]!;
          const txBytes = f[8]!;
          const rxErrors = f[2]!;
          const txErrors = f[10]!;
          const dt = l.hasPrev ? (now - l.at) / 1000 : 0;
          const rate = (a: number, b: number): number => (dt > 0 && a >= b ? Math.round((a - b) / dt) : 0);
          l.rxBps = l.hasPrev ? rate(rxBytes, l.rxBytes) : 0;
          l.txBps = l.hasPrev ? rate(txBytes, l.txBytes) : 0;
          // Idle links (counters unchanged) are not re-sent every interval: at 10,000 sessions that
          // would be 10,000 events per interval for nothing. A new or moving link is always sent.
          l.moved =
            !l.hasPrev ||
            l.rxBytes !== rxBytes ||
            l.txBytes !== txBytes ||
            l.rxErrors !== rxErrors ||
            l.txErrors !== txErrors;
          l.rxBytes = rxBytes;
          l.rxPackets = f[1]!;
          l.rxErrors = rxErrors;
          l.rxDropped = f[3]!;
          l.txBytes = txBytes;
          l.txPackets = f[9]!;
          l.txErrors = txErrors;
          l.txDropped = f[11]!;
          l.at = now;
          l.pass = pass;
        },
      );
      let addrs = new Map<string, { localIp?: string; remoteIp?: string }>();
      if (needAddrs && !opts.skipAddresses) {
        try {
          addrs = parseIpAddrJson(await ctx.run('ip', ['-j', '-4', 'addr', 'show']));
        } catch {
          // no iproute2: sessions still listed, without addresses
        }
      }
      let out: Event[] = [];
      for (const [iface, l] of links) {
        if (out.length >= SLICE) {
          yield out;
          out = [];
        }
        if (l.pass !== pass) {
          links.delete(iface); // link gone: forget it
          continue;
        }
        // pppd writes its pid file and IPCP sets the addresses a moment after the link appears:
        // look again for a while, then stop (a link without either is not re-read forever).
        if (
          !l.hasPrev ||
          ((l.pid === undefined || l.localIp === undefined) && now - l.firstSeen < LOOKUP_WINDOW_MS)
        ) {
          const pidFile = join(ctx.runRoot, `${iface}.pid`);
          // stat first, without throwing: a link with no pid file yet (or none at all, 10,000 of them
          // in the benchmark) costs one syscall, not two failed calls with their exceptions.
          let st: Stats | undefined;
          try {
            st = statSync(pidFile, { throwIfNoEntry: false });
          } catch {
            st = undefined; // unreadable run dir: no pid, like no file
          }
          const pidText = st ? readText(pidFile)?.trim() : undefined;
          const pid = pidText && /^\d+$/.test(pidText) ? Number(pidText) : undefined;
          const start = st?.mtime.toISOString();
          const cmd = pid === undefined ? undefined : readText(join(ctx.procRoot, String(pid), 'cmdline'));
          const a = addrs.get(iface);
          l.pid = pid;
          l.start = start;
          l.ipparam = cmd ? ipparamOf(cmd) : undefined;
          l.localIp = a?.localIp ?? l.localIp;
          l.remoteIp = a?.remoteIp ?? l.remoteIp;
        }
        if (!l.moved && !opts.everyInterval) continue;
        const s = toLive(iface, l);
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
              rxBytes: s.rxBytes,
              txBytes: s.txBytes,
              rxPackets: s.rxPackets,
              txPackets: s.txPackets,
              rxErrors: s.rxErrors,
              txErrors: s.txErrors,
              rxBps: s.rxBps,
              txBps: s.txBps,
            },
            { user: s.user, peer: s.peer, session: s.session },
          ),
        );
      }
      if (out.length > 0) yield out;
    },
  };
}
