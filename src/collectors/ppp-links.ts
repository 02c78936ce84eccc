/**
 * pppd processes against ppp links, for the processes collector ("pppd count vs session count").
 *
 * pppd creates its ppp unit as soon as the channel is up (pppd main.c: "Using interface pppN", then
 * set_ifunit -> create_pidfile writes /var/run/pppN.pid with its pid) and the kernel removes the unit
 * when pppd's /dev/ppp descriptor closes. So a pppd that has had no ppp interface for long is stuck
 * before its link (pty never answered, pptpctrl gone) or left behind after it; a ppp interface whose
 * pid file names no live pppd is a link nobody manages (stale pid file, a pppd in another pid
 * namespace). Both must last `graceS` before they count: a starting pppd has no unit for a moment,
 * and a new unit has no pid file for a moment.
 */
import { join } from 'node:path';
import { listDir, readText } from './procfs.js';

export interface PppMismatch {
  pppd: number;
  links: number;
  pppdWithoutLink: number[];
  linksWithoutPppd: string[];
}

export class PppLinkCheck {
  /** iface -> pid from its pid file, read once per link while that pid stays a live pppd. */
  private readonly pidOf = new Map<string, number | undefined>();
  private readonly pidSince = new Map<number, number>();
  private readonly linkSince = new Map<string, number>();
  private reported = '';

  constructor(
    private readonly sysRoot: string,
    private readonly runRoot: string,
    private readonly graceS: number,
    private readonly pattern: RegExp = /^ppp\d+$/,
  ) {}

  /**
   * `pppds`: the live pppd pids now. Returns the mismatch when what is out of step changed since the
   * last report (also when it cleared), else undefined.
   */
  check(pppds: ReadonlySet<number>, nowMs: number): PppMismatch | undefined {
    const links = listDir(join(this.sysRoot, 'class/net')).filter((n) => this.pattern.test(n));
    const linked = new Set<number>();
    const orphanLinks: string[] = [];
    const present = new Set(links);
    // One readdir instead of a failed open per link without a pid file (10,000 test links have none).
    let runFiles: Set<string> | undefined;
    for (const iface of links) {
      let pid = this.pidOf.get(iface);
      if (pid === undefined || !pppds.has(pid)) {
        runFiles ??= new Set(listDir(this.runRoot));
        const name = `${iface}.pid`;
        const text = runFiles.has(name) ? readText(join(this.runRoot, name)) : undefined;
        pid = text === undefined ? undefined : Number.parseInt(text, 10) || undefined;
        this.pidOf.set(iface, pid);
      }
      if (pid !== undefined && pppds.has(pid)) {
        linked.add(pid);
        this.linkSince.delete(iface);
      } else {
        const since = this.linkSince.get(iface) ?? nowMs;
        this.linkSince.set(iface, since);
        if (nowMs - since >= this.graceS * 1000) orphanLinks.push(iface);
      }
    }
    for (const iface of this.pidOf.keys()) if (!present.has(iface)) this.pidOf.delete(iface);
    for (const iface of this.linkSince.keys()) if (!present.has(iface)) this.linkSince.delete(iface);

    const stuck: number[] = [];
    for (const pid of pppds) {
      if (linked.has(pid)) {
        this.pidSince.delete(pid);
        continue;
      }
      const since = this.pidSince.get(pid) ?? nowMs;
      this.pidSince.set(pid, since);
      if (nowMs - since >= this.graceS * 1000) stuck.push(pid);
    }
    for (const pid of this.pidSince.keys()) if (!pppds.has(pid)) this.pidSince.delete(pid);

    stuck.sort((a, b) => a - b);
    orphanLinks.sort();
    const key = `${stuck.join(',')}|${orphanLinks.join(',')}`;
    if (key === this.reported) return undefined;
    this.reported = key;
    return { pppd: pppds.size, links: links.length, pppdWithoutLink: stuck, linksWithoutPppd: orphanLinks };
  }
}
