/**
 * Several followed files plus their shared checkpoint file. The agent loop polls, stores the lines
 * durably, then commits: the checkpoint moves only after the lines are safe (at-least-once), and the
 * line ids make repeats detectable (dedup at the receiver).
 */
import { FileFollower, type FollowedLine } from './file.js';
import { loadCheckpoints, saveCheckpoints, type Checkpoints } from './checkpoint.js';

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
}

export interface FollowerPoll {
  lines: FollowedLine[];
  notes: string[];
}

export class FollowerSet {
  private readonly followers: FileFollower[];
  private readonly cps: Checkpoints;

  constructor(private readonly opts: FollowerSetOptions) {
    this.cps = opts.checkpointPath ? loadCheckpoints(opts.checkpointPath) : { version: 1, files: {} };
    this.followers = [...new Set(opts.paths)].map(
      (path) =>
        new FileFollower({
          path,
          checkpoint: this.cps.files[path],
          startAtEnd: opts.startAtEnd,
          maxReadBytes: opts.maxReadBytes,
        }),
    );
  }

  /** One pass over every file. An unreadable file is a note, never a stop for the others. */
  poll(): FollowerPoll {
    const lines: FollowedLine[] = [];
    const notes: string[] = [];
    for (const f of this.followers) {
      try {
        const r = f.poll();
        for (const l of r.lines) lines.push(l);
        notes.push(...r.notes);
      } catch (err) {
        notes.push(`${f.path}: ${(err as Error).message}`);
      }
    }
    return { lines, notes };
  }

  /** Persist the positions reached by the last poll. Call after its lines are stored. */
  commit(): void {
    for (const f of this.followers) {
      const ck = f.checkpoint();
      if (ck) this.cps.files[f.path] = ck;
    }
    if (this.opts.checkpointPath) saveCheckpoints(this.opts.checkpointPath, this.cps);
  }

  /** The journald cursor shares the checkpoint file so one atomic write covers both. */
  get journalCursor(): string | undefined {
    return this.cps.journal?.cursor;
  }

  set journalCursor(cursor: string | undefined) {
    if (cursor === undefined) delete this.cps.journal;
    else this.cps.journal = { cursor };
  }

  close(): void {
    for (const f of this.followers) f.close();
  }
}
