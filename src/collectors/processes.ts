/**
 * `processes`: pptpd, pptpctrl and pppd seen through /proc: up/down (with exit code or signal when the
 * corpse is still visible), restarts within a window, pppd processes orphaned from their pptpctrl,
 * pppd processes vs ppp links (ppp-links.ts), and systemd's NRestarts where systemd runs (systemd.ts).
 *
 * Why a /proc poll and not a pidfd: Node 20 has no pidfd_open/poll binding (it would need a native
 * addon), and a pidfd only exists for a pid we already know. A stat of /proc/PID/stat for the few
 * watched daemon pids every 250 ms costs microseconds and bounds detection at 250 ms plus the agent's
 * timer delay, inside the 1 s target; the full /proc scan for new pids runs less often. PID reuse is
 * caught by comparing the start time (field 22 of /proc/PID/stat, proc(5)).
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import type { Event } from '../events/index.js';
import { collectorEvent, type Collector, type CollectorContext } from './types.js';
import { listDir, readText } from './procfs.js';
import { PppLinkCheck } from './ppp-links.js';
import { UNIT_PROPERTIES, unitState } from './systemd.js';

export const WATCHED = ['pptpd', 'pptpctrl', 'pppd'] as const;
export type WatchedName = (typeof WATCHED)[number];

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  startTime: number;
  /** Wait status (field 52, Linux >= 3.5); meaningful once the process is a zombie. */
  exitStatus?: number;
}

/** Parses /proc/PID/stat; comm may hold spaces and parentheses, so split after the LAST ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  const exit = rest[49];
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    startTime: Number(rest[19]),
    exitStatus: exit === undefined ? undefined : Number(exit),
  };
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([k, v]) => [v, k]));

/** Decodes a wait(2) status: low 7 bits a signal, else exit code in bits 8-15. */
export function decodeWaitStatus(status: number): { exitCode?: number; signal?: string } {
  const sig = status & 0x7f;
  if (sig !== 0) return { signal: SIGNAL_NAMES.get(sig) ?? `SIG${sig}` };
  return { exitCode: (status >> 8) & 0xff };
}

export interface ProcessesOptions {
  /** Poll period for known daemon pids (death detection). */
  intervalMs?: number;
  /** Full /proc scan period (new processes). */
  scanMs?: number;
  /** Restarts of the same daemon within this window are counted together. */
  restartWindowS?: number;
  /** systemd unit whose NRestarts to read, where systemd runs. */
  unit?: string;
  /** pppd without a ppp link, or a link without pppd, for this long is reported. Default 30 s. */
  linkGraceS?: number;
  /** How often pppd processes are compared with ppp links. Default 10 s. */
  linkCheckMs?: number;
}

interface Tracked {
  name: WatchedName;
  startTime: number;
  ppid: number;
  fromPptpctrl: boolean;
  orphanReported: boolean;
}

export function createProcessesCollector(ctx: CollectorContext, raw: ProcessesOptions = {}): Collector {
  const intervalMs = raw.intervalMs ?? 250;
  const scanMs = raw.scanMs ?? 2000;
  const windowS = raw.restartWindowS ?? 300;
  const unit = raw.unit ?? 'pptpd.service';
  const tracked = new Map<number, Tracked>();
  const downs = new Map<WatchedName, number[]>();
  let lastScan = -Infinity;
  let lastSystemd = -Infinity;
  let lastNRestarts: number | undefined;
  const links = new PppLinkCheck(ctx.sysRoot, ctx.runRoot, raw.linkGraceS ?? 30);
  const linkCheckMs = raw.linkCheckMs ?? 10_000;
  let lastLinkCheck = -Infinity;

  const stat = (pid: number): ProcStat | undefined => {
    const t = readText(join(ctx.procRoot, String(pid), 'stat'));
    return t === undefined ? undefined : parseProcStat(t);
  };

  function down(pid: number, t: Tracked, st: ProcStat | undefined, out: Event[]): void {
    tracked.delete(pid);
    const how = st && st.state === 'Z' && st.exitStatus !== undefined ? decodeWaitStatus(st.exitStatus) : {};
    // pppd ending is a session ending (logged by pppd itself); pptpd ending is an outage.
    const severity = t.name === 'pptpd' ? 'critical' : 'info';
    out.push(collectorEvent(ctx, 'processes', 'proc.down', severity, { name: t.name, pid, ...how }));
    if (t.name === 'pptpd') {
      const now = ctx.now().getTime();
      downs.set(
        t.name,
        [...(downs.get(t.name) ?? []), now].filter((x) => now - x <= windowS * 1000),
      );
    }
  }

  function scan(out: Event[]): void {
    const ctrlPids = new Set<number>();
    const seen: ProcStat[] = [];
    for (const d of listDir(ctx.procRoot)) {
      if (!/^\d+$/.test(d)) continue;
      const comm = readText(join(ctx.procRoot, d, 'comm'))?.trim();
      if (!comm || !(WATCHED as readonly string[]).includes(comm)) continue;
      const st = stat(Number(d));
      if (!st || st.state === 'Z') continue;
      seen.push(st);
      if (comm === 'pptpctrl') ctrlPids.add(st.pid);
    }
    for (const st of seen) {
      const name = st.comm as WatchedName;
      const known = tracked.get(st.pid);
      if (known && known.startTime === st.startTime) {
        known.ppid = st.ppid;
        continue;
      }
      tracked.set(st.pid, {
        name,
        startTime: st.startTime,
        ppid: st.ppid,
        fromPptpctrl: ctrlPids.has(st.ppid),
        orphanReported: false,
      });
      out.push(collectorEvent(ctx, 'processes', 'proc.up', 'info', { name, pid: st.pid }));
      const recent = downs.get(name);
      if (recent && recent.length > 0) {
        out.push(
          collectorEvent(ctx, 'processes', 'proc.restart', 'warning', {
            name,
            count: recent.length,
            windowSeconds: windowS,
          }),
        );
      }
    }
    // A pppd whose pptpctrl went away keeps the link (and its IP) but no control connection.
    for (const [pid, t] of tracked) {
      if (t.name !== 'pppd' || !t.fromPptpctrl || t.orphanReported || ctrlPids.has(t.ppid)) continue;
      t.orphanReported = true;
      out.push(
        collectorEvent(ctx, 'processes', 'proc.orphan', 'warning', { name: 'pppd', pid, ppid: t.ppid }),
      );
    }
  }

  async function systemd(out: Event[]): Promise<void> {
    if (!existsSync(join(ctx.runRoot, 'systemd/system'))) return; // not booted with systemd
    try {
      const st = unitState(await ctx.run('systemctl', ['show', unit, '-p', UNIT_PROPERTIES.join(',')]));
      // A unit systemd does not know still shows NRestarts=0: not a pptpd under systemd.
      if (st.loadState !== 'loaded') return;
      const n = st.nRestarts ?? Number.NaN;
      if (Number.isFinite(n) && lastNRestarts !== undefined && n > lastNRestarts) {
        out.push(
          collectorEvent(ctx, 'processes', 'proc.restart', 'warning', {
            name: 'pptpd',
            count: n - lastNRestarts,
            windowSeconds: 60,
          }),
        );
      }
      if (Number.isFinite(n)) lastNRestarts = n;
    } catch {
      // systemctl missing or the unit unknown: NRestarts is a bonus, /proc remains the source.
    }
  }

  return {
    name: 'processes',
    intervalMs,
    async collect(): Promise<Event[]> {
      const out: Event[] = [];
      const now = ctx.now().getTime();
      const fullScan = now - lastScan >= scanMs;
      for (const [pid, t] of tracked) {
        // Daemons every tick (death within 1 s); per-session processes only on full scans, so
        // thousands of pppd do not cost thousands of reads every 250 ms.
        if (t.name !== 'pptpd' && !fullScan) continue;
        const st = stat(pid);
        if (!st || st.startTime !== t.startTime || st.state === 'Z' || st.state === 'X')
          down(pid, t, st, out);
      }
      if (fullScan) {
        lastScan = now;
        scan(out);
      }
      if (fullScan && now - lastLinkCheck >= linkCheckMs) {
        lastLinkCheck = now;
        const pppds = new Set<number>();
        for (const [pid, t] of tracked) if (t.name === 'pppd') pppds.add(pid);
        const m = links.check(pppds, now);
        if (m) {
          const bad = m.pppdWithoutLink.length + m.linksWithoutPppd.length > 0;
          out.push(collectorEvent(ctx, 'processes', 'proc.ppp.mismatch', bad ? 'warning' : 'info', m));
        }
      }
      if (now - lastSystemd >= 60_000) {
        lastSystemd = now;
        await systemd(out);
      }
      return out;
    },
  };
}
