/**
 * Several followed files, plus journald and OpenWrt's logread when wanted, and their shared state. The
 * agent loop polls, stores the lines durably, then commits: the checkpoints move only after the lines
 * are safe (at-least-once), and the line ids make repeats detectable (dedup at the receiver).
 *
 * pppd's own logfile and a syslog-style source carry the same pppd messages; CopyDedup (dedup.ts)
 * keeps the syslog copy. The bare lines it holds are saved with the checkpoints (state.ts).
 */
import { statSync } from 'node:fs';
import { FileFollower, type FollowedLine } from './file.js';
import { emptyCheckpoints, loadCheckpoints, saveCheckpoints, type Checkpoints } from './checkpoint.js';
import { JournalFollower, type JournalFollowerOptions } from './journal.js';
import { LogreadFollower, logreadMs, type LogreadFollowerOptions, type LogreadState } from './logread.js';
import { CopyDedup, type CopyDedupOptions } from './dedup.js';
import { LineParser, hostTimeZone } from '../formats/index.js';
import {
  followStatePath,
  loadFollowState,
  removeFollowState,
  sameCheckpoints,
  saveFollowState,
} from './state.js';

/** Where Debian, RHEL and OpenWrt put pppd/pptpd/auth/RADIUS lines (OpenWrt logd also writes /var/log/messages). */
export const DEFAULT_LOG_PATHS = [
  '/var/log/syslog',
  '/var/log/messages',
  '/var/log/ppp.log',
  '/var/log/pptpd.log',
  '/var/log/auth.log',
  '/var/log/secure',
  '/var/log/freeradius/radius.log',
];

export interface FollowerSetOptions {
  paths: string[];
  /** Where checkpoints persist; undefined keeps them in memory only (tests, `analyze`-like runs). */
  checkpointPath?: string;
  startAtEnd?: boolean;
  maxReadBytes?: number;
  /** Also follow journald (`journalctl -f`); its cursor is kept with the checkpoints. */
  journal?: Omit<JournalFollowerOptions, 'cursor' | 'startAtEnd'>;
  /** Also follow OpenWrt's ring buffer (`logread -f`); its position is kept in the follow state. */
  logread?: Omit<LogreadFollowerOptions, 'state' | 'startAtEnd'>;
  /** IANA zone of syslog lines that carry none (logs.timezone); default: the host's. */
  timezone?: string;
  /** pppd logfile vs syslog copies (dedup.ts); false: deliver both. */
  dedup?: CopyDedupOptions | false;
}

export interface FollowerPoll {
  lines: FollowedLine[];
  notes: string[];
}

interface Stream {
  name: 'journal' | 'logread';
  start(): void;
  stop(): void;
}

export class FollowerSet {
  private readonly followers: FileFollower[];
  private readonly paths: string[];
  private readonly cps: Checkpoints;
  private readonly statePath: string | undefined;
  /** What follow-state.json holds: nothing, a state with entries, or an empty state. */
  private stateOnDisk: 'none' | 'full' | 'empty' = 'none';
  private readonly journal: JournalFollower | undefined;
  private readonly logread: LogreadFollower | undefined;
  private logreadState: LogreadState | undefined;
  private readonly dedup: CopyDedup | undefined;
  private streamsStarted = false;
  /** Per file, when the last line read was logged ('untimed': it had no time), and the parser for it. */
  private readonly lastMs = new Map<string, number | 'untimed'>();
  private readonly timeParsers = new Map<string, LineParser>();
  private startNotes: string[] = [];
  private startLines: FollowedLine[] = [];

  constructor(private readonly opts: FollowerSetOptions) {
    let cps = opts.checkpointPath ? loadCheckpoints(opts.checkpointPath) : emptyCheckpoints();
    this.statePath = opts.checkpointPath ? followStatePath(opts.checkpointPath) : undefined;
    const saved = this.statePath ? loadFollowState(this.statePath) : undefined;
    if (saved) {
      this.stateOnDisk = 'full'; // rewritten (or removed) by the first commit
      if (!sameCheckpoints(saved.checkpoints, cps)) {
        // Written first: the agent stopped between the two writes, and the follow state is newer.
        cps = saved.checkpoints;
        this.startNotes.push(
          `${this.statePath}: its checkpoints are newer than ${opts.checkpointPath}'s; resuming from them`,
        );
      }
    }
    this.cps = cps;
    const paths = [...new Set(opts.paths)];
    this.paths = paths;
    this.followers = paths.map(
      (path) =>
        new FileFollower({
          path,
          checkpoint: this.cps.files[path],
          startAtEnd: opts.startAtEnd,
          maxReadBytes: opts.maxReadBytes,
        }),
    );
    const sources: string[] = [...paths];
    if (opts.journal) {
      this.journal = new JournalFollower({
        ...opts.journal,
        cursor: this.cps.journal?.cursor,
        startAtEnd: opts.startAtEnd,
      });
      sources.push('journal');
    }
    if (opts.logread) {
      this.logreadState = saved?.logread;
      this.logread = new LogreadFollower({
        ...opts.logread,
        state: saved?.logread,
        startAtEnd: opts.startAtEnd,
      });
      sources.push('logread');
    }
    if (opts.dedup !== false && sources.length > 1) {
      this.dedup = new CopyDedup(sources, opts.dedup);
      if (saved?.dedup) this.dedup.restore(saved.dedup);
    } else if (saved?.dedup?.held.length) {
      // Held when stopped, and no dedup now (fewer sources configured): the saved positions are past
      // them, so they are delivered now rather than lost.
      this.startLines = saved.dedup.held;
    }
  }

  private streams(): Stream[] {
    const s: Stream[] = [];
    if (this.journal)
      s.push({ name: 'journal', start: () => this.journal!.start(), stop: () => this.journal!.stop() });
    if (this.logread)
      s.push({ name: 'logread', start: () => this.logread!.start(), stop: () => this.logread!.stop() });
    return s;
  }

  /** One pass over every source. An unreadable file is a note, never a stop for the others. */
  poll(): FollowerPoll {
    const lines: FollowedLine[] = this.startLines;
    const notes: string[] = this.startNotes;
    this.startNotes = [];
    this.startLines = [];
    if (!this.streamsStarted) {
      this.streamsStarted = true;
      for (const s of this.streams()) s.start();
    }
    const d = this.dedup;
    for (const f of this.followers) {
      if (d?.paused(f.path, this.paths)) continue;
      const t0 = Date.now();
      const before = statOrUndefined(f.path);
      try {
        const r = f.poll();
        notes.push(...r.notes);
        if (!d) {
          for (const l of r.lines) lines.push(l);
          continue;
        }
        d.accept(f.path, r.lines, lines, notes);
        const last = r.lines[r.lines.length - 1];
        if (last) this.lastMs.set(f.path, this.timeOf(f.path, last.text) ?? 'untimed');
        // Everything the file held before this poll was read: it is covered up to t0, or up to its
        // last line's time when its lines carry one (dedup.ts).
        const ck = r.checkpoint;
        const k = this.lastMs.get(f.path);
        const caughtUp =
          !before ||
          before.size === 0 ||
          (ck !== undefined && ck.dev === before.dev && ck.ino === before.ino && ck.offset >= before.size);
        // A missing file (a default path this distribution does not use) can carry no copy; an empty
        // one can (a fresh syslog after rotation, rsyslog's queue behind): it waits like the rest.
        if (!before) d.cover(f.path, t0);
        else if (caughtUp) {
          if (k === 'untimed') d.cover(f.path, t0);
          else d.coverTimed(f.path, t0, k); // k undefined: no line read yet, lagMs rules
        }
      } catch (err) {
        notes.push(`${f.path}: ${(err as Error).message}`);
        // Unreadable (permissions, a directory): no copy can come from it, do not wait for it.
        d?.cover(f.path, t0);
      }
    }
    if (this.journal) {
      const t0 = Date.now();
      const j = this.journal.poll();
      notes.push(...j.notes);
      if (j.cursor !== undefined) this.cps.journal = { cursor: j.cursor };
      this.deliver('journal', j.lines, lines, notes, t0);
    }
    if (this.logread) {
      const t0 = Date.now();
      const r = this.logread.poll();
      notes.push(...r.notes);
      this.logreadState = r.state;
      this.deliver('logread', r.lines, lines, notes, t0);
    }
    d?.release(lines, notes);
    return { lines, notes };
  }

  private timeOf(path: string, text: string): number | undefined {
    let p = this.timeParsers.get(path);
    if (!p) {
      p = new LineParser({ file: path, zone: this.opts.timezone ?? hostTimeZone(), refMs: Date.now() });
      this.timeParsers.set(path, p);
    }
    return p.timeOf(text);
  }

  private deliver(src: string, got: FollowedLine[], out: FollowedLine[], notes: string[], t0: number): void {
    if (!this.dedup) {
      for (const l of got) out.push(l);
      return;
    }
    this.dedup.accept(src, got, out, notes);
    const last = got[got.length - 1];
    this.dedup.coverTimed(src, t0, last && (src === 'journal' ? journalMs(last.text) : logreadMs(last.text)));
  }

  /**
   * Persist the positions reached by the last poll. Call after its lines are stored. The follow state
   * goes first (see state.ts): held lines are never behind a saved position without being saved too.
   */
  commit(): void {
    for (const f of this.followers) {
      const ck = f.checkpoint();
      if (ck) this.cps.files[f.path] = ck;
    }
    if (!this.opts.checkpointPath || !this.statePath) return;
    const dedup = this.dedup?.state();
    const logread = this.logreadState;
    const full = dedup !== undefined || logread !== undefined;
    if (full || this.stateOnDisk === 'full') {
      saveFollowState(this.statePath, { version: 1, checkpoints: this.cps, logread, dedup });
      this.stateOnDisk = full ? 'full' : 'empty';
    } else if (this.stateOnDisk === 'empty') {
      // The empty state on disk holds the checkpoints on disk: nothing is lost if we stop after this.
      removeFollowState(this.statePath);
      this.stateOnDisk = 'none';
    }
    saveCheckpoints(this.opts.checkpointPath, this.cps);
  }

  /** The journald cursor shares the checkpoint file so one atomic write covers both. */
  get journalCursor(): string | undefined {
    return this.cps.journal?.cursor;
  }

  set journalCursor(cursor: string | undefined) {
    if (cursor === undefined) delete this.cps.journal;
    else this.cps.journal = { cursor };
  }

  /** Copies of pppd lines dropped, held and delivered alone (dedup.ts), when more than one source is followed. */
  dedupStats(): ReturnType<CopyDedup['stats']> | undefined {
    return this.dedup?.stats();
  }

  close(): void {
    for (const s of this.streams()) s.stop();
    for (const f of this.followers) f.close();
  }
}

/** journald's receive time of an entry (`__REALTIME_TIMESTAMP`, µs), from its JSON line. */
function journalMs(text: string): number | undefined {
  try {
    const us = Number((JSON.parse(text) as { __REALTIME_TIMESTAMP?: unknown }).__REALTIME_TIMESTAMP);
    return Number.isFinite(us) ? us / 1000 : undefined;
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): { dev: number; ino: number; size: number } | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? { dev: st.dev, ino: st.ino, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}
