/**
 * Followed lines -> LogRecords (src/logs/formats LineParser, one per file) -> Events and Sessions
 * (src/logs LogPipeline, the same classifiers `analyze` uses). Event ids become the follower's line ids
 * (stable across restarts and rotation), so a line re-read after a crash makes an event the store
 * recognises as already stored. Also keeps a small iface -> session index for the sessions collector.
 */
import type { Event } from '../events/index.js';
import { LineParser, hostTimeZone } from '../logs/formats/index.js';
import { LogPipeline } from '../logs/pipeline.js';
import type { Session } from '../logs/session.js';
import type { FollowedLine } from '../logs/follow/file.js';
import type { LogSessionInfo } from '../collectors/index.js';

export interface IntakeOptions {
  host: string;
  timezone?: string;
  now?: () => Date;
}

interface Known extends LogSessionInfo {
  iface?: string;
  pid?: number;
}

/** Open sessions kept for the lookup; beyond this the oldest are forgotten (bounded memory). */
const MAX_KNOWN = 50_000;

export class LineIntake {
  private readonly parsers = new Map<string, LineParser>();
  private readonly pipeline: LogPipeline;
  private readonly known = new Map<string, Known>();
  private readonly byIface = new Map<string, string>();
  private readonly byPid = new Map<number, string>();
  private lines = 0;

  constructor(private readonly opts: IntakeOptions) {
    this.pipeline = new LogPipeline({ host: opts.host });
  }

  private parser(file: string): LineParser {
    let p = this.parsers.get(file);
    if (!p) {
      p = new LineParser({
        file,
        zone: this.opts.timezone ?? hostTimeZone(),
        refMs: (this.opts.now ?? (() => new Date()))().getTime(),
        pppdLogfile: /ppp|pptp/.test(file.split('/').pop() ?? ''),
      });
      this.parsers.set(file, p);
    }
    return p;
  }

  push(lines: readonly FollowedLine[]): Event[] {
    const out: Event[] = [];
    for (const l of lines) {
      this.lines++;
      const { rec } = this.parser(l.file).parse(l.text, l.line);
      const evs = this.pipeline.push(rec);
      for (let i = 0; i < evs.length; i++) {
        const ev = evs[i] as Event;
        ev.id = i === 0 ? l.id : `${l.id}#${i}`;
        this.index(ev, rec.program === 'pppd' ? rec.pid : undefined);
        out.push(ev);
      }
    }
    return out;
  }

  /** Sessions that ended since the last call (to upsert into the store). */
  closedSessions(): Session[] {
    return this.pipeline.drainClosed();
  }

  /** pppd's pid (from its pid file) is the sure join; the interface name is the fallback. */
  lookup = (iface: string, pid?: number): LogSessionInfo | undefined => {
    const id = (pid !== undefined ? this.byPid.get(pid) : undefined) ?? this.byIface.get(iface);
    return id === undefined ? undefined : this.known.get(id);
  };

  private index(ev: Event, pppdPid: number | undefined): void {
    if (ev.session === undefined) return;
    let k = this.known.get(ev.session);
    if (!k) {
      if (this.known.size >= MAX_KNOWN) {
        const oldest = this.known.keys().next().value as string;
        const gone = this.known.get(oldest);
        if (gone?.iface) this.byIface.delete(gone.iface);
        if (gone?.pid !== undefined) this.byPid.delete(gone.pid);
        this.known.delete(oldest);
      }
      k = { session: ev.session, start: ev.ts };
      this.known.set(ev.session, k);
    }
    if (pppdPid !== undefined && k.pid !== pppdPid) {
      k.pid = pppdPid;
      this.byPid.set(pppdPid, ev.session);
    }
    if (ev.user !== undefined) k.user = ev.user;
    if (ev.peer !== undefined) k.peer = ev.peer;
    if (ev.kind === 'ppp.link.up' && ev.attrs.iface) {
      if (k.iface && this.byIface.get(k.iface) === ev.session) this.byIface.delete(k.iface);
      k.iface = ev.attrs.iface;
      this.byIface.set(ev.attrs.iface, ev.session);
    }
    if (ev.kind === 'ppp.end') {
      if (k.iface && this.byIface.get(k.iface) === ev.session) this.byIface.delete(k.iface);
      if (k.pid !== undefined && this.byPid.get(k.pid) === ev.session) this.byPid.delete(k.pid);
      this.known.delete(ev.session);
    }
  }

  stats(): { lines: number } & ReturnType<LogPipeline['stats']> {
    return { lines: this.lines, ...this.pipeline.stats() };
  }
}
