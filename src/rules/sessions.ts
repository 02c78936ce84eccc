/**
 * Open sessions as the rules see them, derived from events: a session is counted active from
 * `ppp.ipcp.up` (the tunnel carries traffic) until `ppp.end`. Feeds the derived metric
 * `sessions.active` (per host) and the per-user rules. Bounded: at most `maxSessions` tracked, the
 * oldest dropped first (a log that never shows the end must not grow memory forever).
 */
import type { Event } from '../events/index.js';

export interface TrackedSession {
  id: string;
  host: string;
  user?: string;
  peer?: string;
  active: boolean;
  startMs: number;
  /** The user the active count was taken under (a user learned later must not unbalance it). */
  countedUser?: string;
}

export interface SessionChange {
  started?: TrackedSession;
  ended?: TrackedSession & { seconds: number };
  /** Host whose active count changed, and the new count. */
  host?: string;
  active?: number;
}

export class SessionTracker {
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly activeByHost = new Map<string, number>();
  private readonly activeByUser = new Map<string, number>();

  constructor(private readonly maxSessions = 200_000) {}

  activeOn(host: string): number {
    return this.activeByHost.get(host) ?? 0;
  }

  userActive(host: string, user: string): number {
    return this.activeByUser.get(`${host}\u0000${user}`) ?? 0;
  }

  get openSessions(): IterableIterator<TrackedSession> {
    return this.sessions.values();
  }

  get hosts(): IterableIterator<[string, number]> {
    return this.activeByHost.entries();
  }

  /** Updates from one event; undefined when nothing the rules care about changed. */
  observe(ev: Event, nowMs: number): SessionChange | undefined {
    const id = ev.session;
    if (id === undefined) return undefined;
    const key = `${ev.host}\u0000${id}`;
    let s = this.sessions.get(key);
    if (ev.kind === 'ppp.end') {
      if (s === undefined) return undefined;
      this.sessions.delete(key);
      const change: SessionChange = {};
      if (s.active) {
        this.count(s, -1);
        change.host = s.host;
        change.active = this.activeOn(s.host);
        const seconds = ev.attrs.seconds ?? (nowMs - s.startMs) / 1000;
        change.ended = { ...s, seconds };
      }
      return change;
    }
    if (s === undefined) {
      if (this.sessions.size >= this.maxSessions) this.evictOldest();
      s = { id, host: ev.host, active: false, startMs: nowMs };
      this.sessions.set(key, s);
    }
    const user = ev.user ?? (ev.kind === 'auth.ok' ? ev.attrs.user : undefined);
    if (user !== undefined && s.user === undefined) s.user = user;
    if (ev.peer !== undefined) s.peer ??= ev.peer;
    if (ev.kind === 'ppp.ipcp.up' && !s.active) {
      s.active = true;
      s.startMs = nowMs;
      this.count(s, 1);
      return { started: s, host: s.host, active: this.activeOn(s.host) };
    }
    return undefined;
  }

  private count(s: TrackedSession, d: number): void {
    this.activeByHost.set(s.host, this.activeOn(s.host) + d);
    if (d > 0) s.countedUser = s.user;
    if (s.countedUser !== undefined) {
      const k = `${s.host}\u0000${s.countedUser}`;
      const n = (this.activeByUser.get(k) ?? 0) + d;
      if (n <= 0) this.activeByUser.delete(k);
      else this.activeByUser.set(k, n);
    }
  }

  private evictOldest(): void {
    for (const [k, s] of this.sessions) {
      this.sessions.delete(k);
      if (s.active) this.count(s, -1);
      return;
    }
  }
}
