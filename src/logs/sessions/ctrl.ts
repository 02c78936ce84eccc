/**
 * pptpctrl bookkeeping for session correlation: which pptpctrl (and so which client IP) drives which
 * pppd. pptpctrl.c logs `Starting call` then forks; the child logs `CTRL (PPPD Launcher): ...` (debug
 * only) under the pid that execs pppd; `Reaping child PPP[pid]` (debug only) confirms the pair.
 * Without debug, the next pppd to start on the host after a `Starting call` is taken (FIFO, within
 * LAUNCH_WINDOW_MS), and the guess is undone if that pppd turns out to be a client.
 */
export interface CtrlState {
  host: string;
  pid: number;
  peer?: string;
  pppdPid?: number;
  /** Open session key of the linked pppd, while it is open. */
  sessionKey?: string;
  ptyFailed: boolean;
  launchingMs?: number;
  lastMs?: number;
  /** "CTRL: remote address = X" (debug): the PPP address of this call, repeated by its launcher. */
  remoteAddr?: string;
  /** Its launcher named the same remote address: the pptpctrl -> pppd pair is certain. */
  launcherConfirmed?: boolean;
}

const LAUNCH_WINDOW_MS = 30_000;
/** pptpctrl "Starting call" -> pppd "started": 0-2 s in the lab captures, even under emulation. */
const FRESH_MS = 5_000;
const MAX_CTRL = 20_000;

export class CtrlLinks {
  private readonly states = new Map<string, CtrlState>();
  /** Per host, pptpctrls that said `Starting call` and have no pppd yet, oldest first. */
  private readonly pending = new Map<string, CtrlState[]>();
  /** host|launcher pid -> its pptpctrl. */
  private readonly launchers = new Map<string, CtrlState>();
  /**
   * host|launcher pid of launchers that logged while no pptpctrl was waiting: pptpctrl logs `Starting
   * call` before it forks the launcher, so that line of their pptpctrl was lost, and every pptpctrl
   * that starts a call later is not theirs (their pppd must not take one by start order).
   */
  private readonly orphans = new Set<string>();

  touch(host: string, pid: number, ms: number | undefined): CtrlState {
    const key = `${host}|${pid}`;
    let c = this.states.get(key);
    if (!c) {
      if (this.states.size >= MAX_CTRL) this.evictOldest();
      c = { host, pid, ptyFailed: false };
      this.states.set(key, c);
    }
    if (ms !== undefined) c.lastMs = ms;
    return c;
  }

  get size(): number {
    return this.states.size;
  }

  /** The pptpctrl has not logged its exit (nor been dropped with its pptpd). */
  alive(c: CtrlState): boolean {
    return this.states.get(`${c.host}|${c.pid}`) === c;
  }

  get(host: string, pid: number): CtrlState | undefined {
    return this.states.get(`${host}|${pid}`);
  }

  launching(c: CtrlState, ms: number | undefined): void {
    c.launchingMs = ms;
    const list = this.pending.get(c.host) ?? [];
    if (!list.includes(c)) list.push(c);
    this.pending.set(c.host, list);
  }

  /**
   * A launcher child logged. Its first line only says that a call is starting: it is taken to belong
   * to the pptpctrl that most recently started one. Its "remote address = X" line then names the
   * pptpctrl for certain (the one that logged the same X): when several calls start at once the guess
   * is corrected, handing the guessed pptpctrl back (to the launcher that took the right one, if any).
   * The launcher logs that line before it execs pppd, so no pppd has claimed a wrong guess yet.
   */
  launcherSeen(host: string, launcherPid: number, remote?: string): void {
    const key = `${host}|${launcherPid}`;
    const had = this.launchers.get(key);
    if (remote === undefined || remote === '') {
      if (had) return;
      const c = this.pending.get(host)?.pop();
      if (!c) {
        if (this.orphans.size >= MAX_CTRL) this.orphans.clear();
        this.orphans.add(key);
        return;
      }
      if (this.pending.get(host)?.length === 0) this.pending.delete(host);
      this.assign(key, c, launcherPid, false);
      return;
    }
    if (had?.remoteAddr === remote) {
      had.launcherConfirmed = true;
      return;
    }
    let c = this.pending.get(host)?.find((x) => x.remoteAddr === remote);
    let otherKey: string | undefined;
    if (!c)
      for (const [k, x] of this.launchers)
        if (x.host === host && x.remoteAddr === remote && x.launcherConfirmed !== true) {
          c = x;
          otherKey = k;
          break;
        }
    if (!c) {
      // No pptpctrl logged that address (its lines were not captured): keep the guess, if any.
      if (!had) this.launcherSeen(host, launcherPid);
      return;
    }
    if (otherKey !== undefined) {
      // Another launcher guessed our pptpctrl: it gets the one we guessed (its own remote line will
      // confirm or correct that again).
      this.launchers.delete(otherKey);
      if (had) this.assign(otherKey, had, Number(otherKey.slice(host.length + 1)), false);
    } else {
      this.unpend(c);
      if (had) this.repend(had);
    }
    this.assign(key, c, launcherPid, true);
  }

  private assign(key: string, c: CtrlState, launcherPid: number, confirmed: boolean): void {
    this.orphans.delete(key);
    c.pppdPid = launcherPid;
    c.launcherConfirmed = confirmed;
    this.launchers.set(key, c);
  }

  /** A guessed pptpctrl that was not the launcher's: back to waiting, in `Starting call` order. */
  private repend(c: CtrlState): void {
    c.pppdPid = undefined;
    c.launcherConfirmed = false;
    const list = this.pending.get(c.host) ?? [];
    list.push(c);
    list.sort((a, b) => (a.launchingMs ?? 0) - (b.launchingMs ?? 0));
    this.pending.set(c.host, list);
  }

  /** The pptpctrl for a pppd that just started, if one can be named. */
  claimForPppd(
    host: string,
    pppdPid: number,
    ms: number | undefined,
  ): { ctrl: CtrlState; guessed: boolean } | undefined {
    const key = `${host}|${pppdPid}`;
    const l = this.launchers.get(key);
    if (l) {
      this.launchers.delete(key);
      if (this.states.get(`${host}|${l.pid}`) === l) return { ctrl: l, guessed: false };
      return undefined;
    }
    if (this.orphans.delete(key)) return undefined;
    const list = this.pending.get(host);
    while (list && list.length > 0) {
      const c = list[0];
      if (!c) break;
      if (ms !== undefined && c.launchingMs !== undefined && ms - c.launchingMs > LAUNCH_WINDOW_MS) {
        list.shift();
        continue;
      }
      // The launcher execs pppd at once and pppd logs "started" right after reading its options: a
      // pptpctrl that has waited longer than FRESH_MS while a later one started its call just now has
      // most likely lost its pppd's start line; the later one is this pppd's.
      const fresh =
        ms !== undefined && c.launchingMs !== undefined && ms - c.launchingMs > FRESH_MS
          ? list.findIndex((x) => x.launchingMs !== undefined && ms - x.launchingMs <= FRESH_MS)
          : -1;
      const [taken] = list.splice(fresh > 0 ? fresh : 0, 1);
      if (list.length === 0) this.pending.delete(host);
      if (!taken) break;
      taken.pppdPid = pppdPid;
      return { ctrl: taken, guessed: true };
    }
    return undefined;
  }

  /**
   * The pptpctrl waiting for its pppd whose client is `peer`: pptpctrl.c launch_pppd() passes pppd
   * `remotenumber <client ip>`, which pppd logs as "peer from calling number X authorized" — the same
   * address as the pptpctrl's "Client X control connection started". Oldest first, within the window.
   */
  claimByPeer(host: string, peer: string, pppdPid: number, ms: number | undefined): CtrlState | undefined {
    const list = this.pending.get(host);
    const c = list?.find(
      (x) =>
        x.peer === peer &&
        (ms === undefined || x.launchingMs === undefined || ms - x.launchingMs <= LAUNCH_WINDOW_MS),
    );
    if (!c) return undefined;
    this.unpend(c);
    c.pppdPid = pppdPid;
    return c;
  }

  reaped(c: CtrlState, pppdPid: number): void {
    c.pppdPid = pppdPid;
    this.unpend(c);
  }

  /** Undo a guessed link (the pppd was a client): the pptpctrl waits for its pppd again. */
  release(c: CtrlState): void {
    c.pppdPid = undefined;
    c.sessionKey = undefined;
    const list = this.pending.get(c.host) ?? [];
    list.unshift(c);
    this.pending.set(c.host, list);
  }

  drop(c: CtrlState): void {
    this.states.delete(`${c.host}|${c.pid}`);
    this.unpend(c);
    if (c.pppdPid !== undefined) this.launchers.delete(`${c.host}|${c.pppdPid}`);
  }

  dropHost(host: string): void {
    for (const c of [...this.states.values()]) if (c.host === host) this.drop(c);
    this.pending.delete(host);
    for (const k of [...this.launchers.keys()]) if (k.startsWith(`${host}|`)) this.launchers.delete(k);
    for (const k of [...this.orphans]) if (k.startsWith(`${host}|`)) this.orphans.delete(k);
  }

  private unpend(c: CtrlState): void {
    const list = this.pending.get(c.host);
    if (!list) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.pending.delete(c.host);
  }

  private evictOldest(): void {
    // Map iteration order is insertion order: the first entry is the oldest pptpctrl still tracked.
    const first = this.states.values().next();
    if (!first.done) this.drop(first.value);
  }
}
