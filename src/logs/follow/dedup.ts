/**
 * One pppd message, two copies: pppd sends every message to syslog and, with its `logfile` option, also
 * writes it bare (no time, host or pid) to that file (pppd/utils.c log_write: syslog() first, then the
 * text and a newline to the logfile). Following both the logfile (/var/log/ppp.log is a default path)
 * and a syslog-style source (/var/log/syslog, /var/log/messages, journald, logread) would ingest each
 * message twice.
 *
 * Rule: the syslog copy wins, because it has the pid and the time session correlation needs. A bare
 * pppd line is held until either a prefixed pppd line with the same message text (from any source) turns
 * up, and then the bare copy is dropped and counted; or every followed source has been read up to
 * `windowMs` past the moment the bare line was read, and then no copy can still come: it is delivered
 * (RHEL's /var/log/messages takes *.info only, so pppd's debug lines exist in the logfile alone).
 * Prefixed pppd lines are always delivered at once; each is remembered for matching until the same
 * coverage condition holds for it (the logfile copy is usually on disk first, as pppd writes it after
 * handing the message to syslog, but the two files are read in separate polls and catch-ups).
 *
 * "Read up to T" is judged by FollowerSet. A file is covered only by a poll that reached the size it
 * had before the poll (or finds it empty, missing or unreadable); then up to the poll's start if its
 * lines carry no time (pppd's logfile: pppd writes it synchronously), else up to the time of its last
 * line (rsyslog writes in order of receipt but may trail under load). A stream (journald, logread) is
 * covered up to its last line's time. Both at least up to `lagMs` before the poll, for a source with
 * nothing to say (coverTimed). Matching is by exact text, oldest first: N equal messages cancel N
 * copies.
 *
 * Held lines and remembered copies are part of the follower state (FollowerSet persists them with the
 * checkpoints in one atomic write), so a restart, even after kill -9, neither loses a held line nor
 * forgets a copy its partner has not met yet.
 */
import { existsSync } from 'node:fs';
import { LineParser } from '../formats/index.js';
import type { FollowedLine } from './file.js';
import { msgKey, restoredKey, savedKey } from './msgkey.js';
import type { DedupState } from './state.js';

export interface CopyDedupOptions {
  /** How long past a line every source must have been read before it is settled (rsyslog's delay). */
  windowMs?: number;
  /**
   * A held line is delivered after this long even if another source never caught up (a note says
   * so). Memory is bounded by pausing instead (see paused()); this is for a source stuck behind.
   */
  maxHoldMs?: number;
  /**
   * A file with this many lines waiting (held, or copies remembered) is not read until the others
   * catch up (paused()); the bound proper is a poll's read more, at most.
   */
  pauseAt?: number;
  /** How far behind a quiet timestamped source (rsyslog file, journald, logread) may be: coverTimed(). */
  lagMs?: number;
  /** Hard bound on held lines and on remembered copies each; beyond it the oldest is settled early. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  id: string;
  /** The source it was read from. */
  src: string;
  /** msgKey() of the message text. */
  msg: number;
  /** When it was read (now()), or restored. */
  at: number;
  /** Held bare line (undefined for a remembered syslog copy). */
  line?: FollowedLine;
  done: boolean;
}

/** Openings of BSD/OpenWrt prefixes ("Nov 24 ..." / "Mon Nov 24 ..."): never a bare pppd message. */
const PREFIXED_RE = /^[A-Z][a-z]{2} /;
const LAST_REPEATED = 'last message repeated ';

export class CopyDedup {
  private readonly parsers = new Map<string, LineParser>();
  /** Both FIFOs are in read order; `done` entries are skipped and trimmed from the front. */
  private held: Entry[] = [];
  private copies: Entry[] = [];
  private readonly heldByMsg = new Map<number, Entry[]>();
  private readonly copiesByMsg = new Map<number, Entry[]>();
  private readonly ids = new Set<string>();
  private readonly covered = new Map<string, number>();
  /**
   * Sources that carry prefixed pppd lines (held bare lines wait for these) and bare ones (remembered
   * copies wait for these): named ones from the start, any other once it has shown such a line. A
   * quiet auth.log or radius.log, which never gets pppd's lines, then delays nothing.
   */
  private readonly prefixed = new Set<string>();
  private readonly bare = new Set<string>();
  /**
   * pppd-logfile-named files (ppp.log) that did not exist, nor their `.1`, when last looked: not (yet)
   * carriers, so syslog copies are not remembered for them (most Debian hosts: ppp.log is a default
   * path but pppd has no logfile option). Looked at again after each read of another source: pppd
   * opens its logfile (creating it) before it logs a message there, and writes the syslog copy
   * first, so a copy read while the file still did not exist has no logfile twin.
   */
  private readonly absent = new Set<string>();
  /** Held lines and remembered copies per source. */
  private readonly pending = new Map<string, number>();
  private readonly windowMs: number;
  private readonly maxHoldMs: number;
  private readonly maxEntries: number;
  private readonly pauseAt: number;
  private readonly lagMs: number;
  private readonly now: () => number;
  private dropNoted = false;
  /** Per source, the last pppd copy (line number, message): what a sysklogd repeat line repeats. */
  private readonly lastCopy = new Map<string, { line: number; msg: number }>();
  readonly counts = { dropped: 0, deliveredAlone: 0, forced: 0 };

  constructor(sources: readonly string[], opts: CopyDedupOptions = {}) {
    this.windowMs = opts.windowMs ?? 2000;
    this.maxHoldMs = opts.maxHoldMs ?? 120_000;
    this.maxEntries = opts.maxEntries ?? 100_000;
    this.pauseAt = opts.pauseAt ?? 5_000;
    this.lagMs = opts.lagMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    for (const s of sources) {
      this.covered.set(s, Number.NEGATIVE_INFINITY);
      const name = s.split('/').pop() ?? '';
      // Where copies come from before any is seen: the syslog files pppd's daemon facility goes to,
      // journald and logread; pppd's logfile is named for ppp (as the intake's rule).
      if (/^(syslog|messages)$/.test(name) || s === 'journal' || s === 'logread') this.prefixed.add(s);
      if (/ppp|pptp/.test(name)) (existsSync(s) || existsSync(`${s}.1`) ? this.bare : this.absent).add(s);
    }
  }

  /**
   * Whether to leave file `src` unread this poll: it is so far ahead of the others (a catch-up after
   * downtime reads a small ppp.log much faster than a big syslog) that `pauseAt` lines wait for their
   * copies. Never while another source is paused, so two cannot wait for each other.
   */
  paused(src: string, others: readonly string[]): boolean {
    if ((this.pending.get(src) ?? 0) < this.pauseAt) return false;
    return !others.some((o) => o !== src && (this.pending.get(o) ?? 0) >= this.pauseAt);
  }

  /** `src` has been read up to everything written before `t`. */
  cover(src: string, t: number): void {
    if (t > (this.covered.get(src) ?? Number.NEGATIVE_INFINITY)) this.covered.set(src, t);
  }

  /**
   * A timestamped source read at `t0`, its last line logged at `lastMs`. What its writer has not yet
   * written (rsyslog's queue) or printed (journalctl's pipe) is unknown, and may trail the clock under
   * load, so it counts as read up to that last line's time (lines come in time order), and at least
   * up to `lagMs` before the poll, for a source with nothing to say.
   */
  coverTimed(src: string, t0: number, lastMs: number | undefined): void {
    const floor = t0 - this.lagMs;
    this.cover(src, lastMs !== undefined && lastMs > floor ? Math.min(lastMs, t0) : floor);
  }

  private parser(src: string): LineParser {
    let p = this.parsers.get(src);
    if (!p) {
      // Same pppd-logfile rule as the agent's intake (src/agent/intake.ts): the file's name says ppp/pptp.
      const pppdLogfile = /ppp|pptp/.test(src.split('/').pop() ?? '');
      p = new LineParser({ file: src, zone: 'UTC', refMs: this.now(), pppdLogfile });
      this.parsers.set(src, p);
    }
    return p;
  }

  /** Sorts one source's lines of a poll: delivered ones go to `out` now, bare pppd copies may wait. */
  accept(src: string, lines: readonly FollowedLine[], out: FollowedLine[], notes: string[]): void {
    const at = this.now();
    if (lines.length > 0 && this.absent.size > 0) this.lookForLogfiles();
    // Nothing can match a prefixed pppd line of a source known to carry them: no bare-line source to
    // remember it for, no bare line held. It is delivered without being parsed (a burst of syslog on
    // a host without ppp.log costs the dedup nothing).
    const pass = this.bare.size === 0 && this.heldByMsg.size === 0 && this.prefixed.has(src);
    for (const l of lines) {
      const t = l.text;
      const c = t.charCodeAt(0);
      // 'last message repeated N times' (sysklogd, busybox) names no program: it repeats the line before.
      const hasPppd =
        t.includes('pppd') || (this.lastCopy.get(src)?.line === l.line - 1 && t.includes(LAST_REPEATED));
      // No time prefix can start so (digits: ISO, '<': PRI, '{': journal JSON, "Nov 24 "/"Mon Nov ").
      const maybeBare = !(c >= 48 && c <= 57) && c !== 60 && c !== 123 && !PREFIXED_RE.test(t);
      if (!maybeBare && (pass || !hasPppd)) {
        out.push(l);
        continue;
      }
      const { rec } = this.parser(src).parse(t, l.line);
      // pppd-logfile: a bare pppd message; bare: e.g. pppd's indented "  script /etc/ppp/ip-down, pid
      // 198" lines, which the line format does not take for pppd's but syslog carries as pppd's.
      if (rec.format === 'pppd-logfile' || rec.format === 'bare') {
        if (t.trim() === '') {
          out.push(l);
          continue;
        }
        const msg = msgKey(rec.message.trim());
        if (this.ids.has(l.id)) continue; // held already (restored state): the same line re-read
        const copy = this.take(this.copiesByMsg, msg);
        this.bare.add(src);
        if (copy) this.drop(src, notes);
        else this.add(this.held, this.heldByMsg, { id: l.id, src, msg, at, line: l, done: false });
        continue;
      }
      out.push(l);
      let msg: number;
      if (rec.repeated !== undefined && rec.message.startsWith(LAST_REPEATED)) {
        const prev = this.lastCopy.get(src);
        if (!prev || prev.line !== l.line - 1) continue;
        msg = prev.msg;
      } else if (rec.program === 'pppd') msg = msgKey(rec.message.trim());
      else continue;
      this.lastCopy.set(src, { line: l.line, msg });
      this.prefixed.add(src);
      // rsyslog's "message repeated N times: [msg]" and sysklogd's repeat stand for N copies.
      const n = rec.repeated ?? 1;
      for (let k = 0; k < n; k++) {
        const id = k === 0 ? l.id : `${l.id}#${k}`;
        const bare = this.take(this.heldByMsg, msg);
        if (bare) this.drop(bare.line!.file, notes);
        else if (this.bare.size > 0 && !this.ids.has(id))
          this.add(this.copies, this.copiesByMsg, { id, src, msg, at, done: false });
      }
    }
  }

  /** Absent pppd logfiles that now exist become carriers (see `absent`). */
  private lookForLogfiles(): void {
    for (const s of this.absent)
      if (existsSync(s) || existsSync(`${s}.1`)) {
        this.absent.delete(s);
        this.bare.add(s);
      }
  }

  private drop(logfile: string, notes: string[]): void {
    this.counts.dropped++;
    if (!this.dropNoted) {
      this.dropNoted = true;
      notes.push(
        `${logfile}: pppd's logfile lines also arrive through syslog; the syslog copy (with pid and time) is kept, the logfile copy dropped`,
      );
    }
  }

  private add(fifo: Entry[], byMsg: Map<number, Entry[]>, e: Entry): void {
    fifo.push(e);
    this.ids.add(e.id);
    this.pending.set(e.src, (this.pending.get(e.src) ?? 0) + 1);
    const list = byMsg.get(e.msg);
    if (list) list.push(e);
    else byMsg.set(e.msg, [e]);
  }

  /** The oldest live entry with this message, marked done. */
  private take(byMsg: Map<number, Entry[]>, msg: number): Entry | undefined {
    const list = byMsg.get(msg);
    if (!list) return undefined;
    const e = list.shift()!;
    if (list.length === 0) byMsg.delete(msg);
    this.finish(e);
    return e;
  }

  private finish(e: Entry): void {
    e.done = true;
    this.ids.delete(e.id);
    this.pending.set(e.src, (this.pending.get(e.src) ?? 1) - 1);
  }

  /**
   * Every source but `src` that could carry the other copy (`carriers`) read up to `t`: no copy
   * written before `t` can still turn up.
   */
  private settledAt(t: number, src: string, carriers: ReadonlySet<string>): boolean {
    for (const s of carriers)
      if (s !== src && (this.covered.get(s) ?? Number.NEGATIVE_INFINITY) < t) return false;
    return true;
  }

  /**
   * Held lines that are settled go to `out` (read order), and remembered copies that are settled are
   * forgotten. Call after the poll's cover() and accept() calls.
   */
  release(out: FollowedLine[], notes: string[]): void {
    const now = this.now();
    let forced = 0;
    this.held = this.settle(this.held, this.heldByMsg, now, (e, force) => {
      out.push(e.line!);
      if (force) forced++;
      else this.counts.deliveredAlone++;
    });
    this.copies = this.settle(this.copies, this.copiesByMsg, now, () => undefined);
    if (forced > 0) {
      this.counts.forced += forced;
      const behind = [...this.covered].filter(([, c]) => c < now - this.maxHoldMs).map(([s]) => s);
      notes.push(
        `${forced} pppd logfile line(s) delivered without waiting longer for a syslog copy ` +
          `(${behind.length ? `not caught up: ${behind.join(', ')}` : 'too many held'}); a copy arriving later is ingested twice`,
      );
    }
  }

  private settle(
    fifo: Entry[],
    byMsg: Map<number, Entry[]>,
    now: number,
    done: (e: Entry, forced: boolean) => void,
  ): Entry[] {
    let i = 0;
    let live = fifo.length;
    for (const e of fifo) if (e.done) live--;
    for (; i < fifo.length; i++) {
      const e = fifo[i]!;
      if (e.done) continue;
      const over = live > this.maxEntries || now - e.at >= this.maxHoldMs;
      const carriers = e.line ? this.prefixed : this.bare;
      if (!over && !this.settledAt(e.at + this.windowMs, e.src, carriers)) break;
      const list = byMsg.get(e.msg)!;
      list.splice(list.indexOf(e), 1);
      if (list.length === 0) byMsg.delete(e.msg);
      this.finish(e);
      live--;
      done(e, over);
    }
    return i === 0 ? fifo : fifo.slice(i);
  }

  /** What must survive a restart; undefined when nothing is held or remembered. */
  state(): DedupState | undefined {
    const held = this.held.filter((e) => !e.done).map((e) => e.line!);
    const copies = this.copies
      .filter((e) => !e.done)
      .map((e) => ({ id: e.id, src: e.src, msg: savedKey(e.msg) }));
    return held.length || copies.length ? { held, copies } : undefined;
  }

  /** Restored entries count as read now: they wait a full window again. */
  restore(st: DedupState): void {
    const at = this.now();
    for (const c of st.copies)
      this.add(this.copies, this.copiesByMsg, {
        id: c.id,
        src: c.src,
        msg: restoredKey(c.msg),
        at,
        done: false,
      });
    for (const line of st.held) {
      const { rec } = this.parser(line.file).parse(line.text, line.line);
      const msg = msgKey(rec.message.trim());
      this.add(this.held, this.heldByMsg, { id: line.id, src: line.file, msg, at, line, done: false });
    }
  }

  stats(): { held: number; copies: number } & CopyDedup['counts'] {
    const live = (fifo: Entry[]): number => fifo.reduce((n, e) => (e.done ? n : n + 1), 0);
    return { held: live(this.held), copies: live(this.copies), ...this.counts };
  }
}
