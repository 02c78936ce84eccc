/**
 * `system`: CPU, memory, load, root disk usage and disk I/O, and per-interface errors and drops for
 * the non-ppp interfaces (ppp links are the sessions collector's). CPU and I/O are rates between two
 * samples, so the first collect() only primes them.
 */
import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '../events/index.js';
import { collectorEvent, type Collector, type CollectorContext } from './types.js';
import { readText, scanNetDev } from './procfs.js';

export interface SystemOptions {
  intervalMs?: number;
  /** Mount point whose usage is reported. */
  diskPath?: string;
  /** Interfaces left out of net.iface.sample (ppp links are sampled as sessions). */
  ifaceExclude?: RegExp;
}

/** /proc/stat first line: busy and total jiffies. */
export function parseCpu(text: string): { busy: number; total: number } | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user (proc(5))
  return { busy: total - idle, total };
}

export function parseMemPct(text: string): number {
  const get = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  const total = get('MemTotal');
  const avail = get('MemAvailable');
  return total > 0 && Number.isFinite(avail) ? round1(((total - avail) / total) * 100) : 0;
}

/** /proc/diskstats: sectors read/written (always 512-byte units, Documentation/admin-guide/iostats.rst) and ms busy, whole disks only. */
export function parseDiskstats(text: string): { readBytes: number; writeBytes: number; busyMs: number } {
  let readBytes = 0;
  let writeBytes = 0;
  let busyMs = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const name = f[2];
    if (
      !name ||
      /^(loop|ram|dm-|sr)/.test(name) ||
      /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+)\d+$|^nvme\d+n\d+p\d+$|^mmcblk\d+p\d+$/.test(name)
    )
      continue;
    readBytes += Number(f[5]) * 512;
    writeBytes += Number(f[9]) * 512;
    busyMs += Number(f[12]);
  }
  return { readBytes, writeBytes, busyMs };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export function createSystemCollector(ctx: CollectorContext, opts: SystemOptions = {}): Collector {
  const exclude = opts.ifaceExclude ?? /^(ppp\d+|lo)$/;
  let prevCpu: { busy: number; total: number } | undefined;
  let prevIo: { at: number; readBytes: number; writeBytes: number; busyMs: number } | undefined;
  return {
    name: 'system',
    intervalMs: opts.intervalMs ?? 30_000,
    async collect(): Promise<Event[]> {
      const out: Event[] = [];
      const now = ctx.now().getTime();
      const cpu = parseCpu(readText(join(ctx.procRoot, 'stat')) ?? '');
      const cpuPct =
        cpu && prevCpu && cpu.total > prevCpu.total
          ? round1(((cpu.busy - prevCpu.busy) / (cpu.total - prevCpu.total)) * 100)
          : 0;
      const primed = prevCpu !== undefined;
      prevCpu = cpu;
      const memPct = parseMemPct(readText(join(ctx.procRoot, 'meminfo')) ?? '');
      const load1 = Number((readText(join(ctx.procRoot, 'loadavg')) ?? '0').split(' ')[0]);
      let diskPct: number;
      try {
        const st = statfsSync(opts.diskPath ?? '/');
        diskPct = st.blocks > 0 ? round1(((st.blocks - st.bfree) / st.blocks) * 100) : 0;
      } catch {
        diskPct = 0;
      }
      const io = parseDiskstats(readText(join(ctx.procRoot, 'diskstats')) ?? '');
      if (primed) {
        out.push(collectorEvent(ctx, 'system', 'sys.sample', 'info', { cpuPct, memPct, diskPct, load1 }));
        if (prevIo && now > prevIo.at) {
          const dt = (now - prevIo.at) / 1000;
          out.push(
            collectorEvent(ctx, 'system', 'sys.io.sample', 'info', {
              readBytesPerS: Math.round((io.readBytes - prevIo.readBytes) / dt),
              writeBytesPerS: Math.round((io.writeBytes - prevIo.writeBytes) / dt),
              busyPct: round1(Math.min(100, (io.busyMs - prevIo.busyMs) / (dt * 10))),
            }),
          );
        }
      }
      prevIo = { at: now, ...io };
      // Lines of excluded interfaces (10,000 ppp links) are skipped before their numbers are parsed.
      scanNetDev(
        readText(join(ctx.procRoot, 'net/dev')) ?? '',
        (iface) => !exclude.test(iface),
        (iface, f) => {
          out.push(
            collectorEvent(ctx, 'system', 'net.iface.sample', 'info', {
              iface,
              rxBytes: f[0]!,
              txBytes: f[8]!,
              rxErrors: f[2]!,
              txErrors: f[10]!,
              rxDropped: f[3]!,
              txDropped: f[11]!,
            }),
          );
        },
      );
      return out;
    },
  };
}
