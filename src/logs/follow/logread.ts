/**
 * Follows OpenWrt's logd ring buffer with `logread -f` (spawned with an argument array, never a shell).
 * logd keeps the log in RAM and writes no file unless `option log_file` is set; `logread -f` first
 * prints the WHOLE buffer, then follows. So every (re)start of logread repeats what was already
 * delivered, and the follower skips it: it remembers the last delivered line's second, its hash and how
 * many lines of that second it delivered (per text), and skips the replay up to that line.
 *
 * Skip rule while not yet in sync after a start: a line older than the remembered second is skipped;
 * a line of that second is skipped while its text was delivered that often already (the line that
 * completes the remembered last one puts us in sync); anything else (a newer second, or a text of that
 * second not delivered: the remembered line wrapped out of the buffer) is new, and from it on every line
 * is delivered. Known limit: if the clock stepped back after the remembered line AND that line has
 * wrapped out of the ring buffer before a restart, lines older than it are skipped as already seen.
 *
 * logd's buffer lives in RAM: after a reboot it holds only lines of this boot, so a remembered position
 * from another boot (kernel boot_id) is dropped and the whole buffer is new.
 *
 * Line ids: `logread:<boot>:<second>:<hash>:<n>` (n counts equal lines within the second), the same
 * for a line however often logread prints it, so the receiver dedups what a restart repeats.
 * Lines have OpenWrt's format (`Mon Nov 20 10:00:00 2026 daemon.info pppd[123]: ...`), which the
 * `openwrt` line format (src/logs/formats/syslog.ts) parses; BusyBox's logread (syslogd -C) prints BSD
 * syslog lines, which are parsed and skipped the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FollowedLine } from './file.js';
import { child, nat, number, object, record, string, type At } from './validate.js';

/** Where OpenWrt installs logread (ubox). */
export const LOGREAD_PATH = '/sbin/logread';

export interface LogreadState {
  /** Kernel boot id when the position was taken: logd's buffer does not survive a reboot. */
  boot: string;
  /** Second of the last delivered line (its ctime read as if UTC: only compared with itself). */
  t: number;
  /** Lines of second `t` delivered, by text hash. */
  counts: Record<string, number>;
  /** Hash of the last delivered line ('' when none: a first start at the end of the buffer). */
  last: string;
}

/** A checked copy of a saved logread position (follow-state.json). */
export function readLogreadState(v: unknown, at: At): LogreadState {
  const o = object(v, at);
  return {
    boot: string(o, 'boot', at),
    t: number(o, 't', at),
    counts: record(o.counts, child(at, 'counts'), nat),
    last: string(o, 'last', at),
  };
}

export interface LogreadFollowerOptions {
  /** The logread executable (tests inject a stand-in here). */
  logread?: string;
  /** Resume after this position (persisted by FollowerSet). */
  state?: LogreadState;
  /** No state: skip the buffer's older seconds (default), or deliver the whole buffer. */
  startAtEnd?: boolean;
  /** Restart delay after logread exits (logd restarted, ubus away). */
  restartMs?: number;
  /** The kernel's boot id; default /proc/sys/kernel/random/boot_id. */
  bootId?: string;
  now?: () => Date;
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const CTIME_RE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4}) /;

/** BusyBox's logread (syslogd -C shared buffer) prints syslogd's BSD lines: no weekday, no year. */
const BSD_RE = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) /;

/**
 * The time at the start of a logread line as seconds (read as UTC: only compared with itself), or
 * undefined. OpenWrt's ctime; BusyBox's BSD stamp takes the year of `now`.
 */
export function logreadSecond(line: string, now?: Date): number | undefined {
  const m = CTIME_RE.exec(line);
  const b = m ? undefined : BSD_RE.exec(line);
  const f = m ?? b;
  if (!f) return undefined;
  const mon = MONTHS.indexOf(f[1]!) / 3;
  if (!Number.isInteger(mon)) return undefined;
  const year = m ? +m[6]! : (now ?? new Date()).getFullYear();
  return Date.UTC(year, mon, +f[2]!.trim(), +f[3]!, +f[4]!, +f[5]!) / 1000;
}

/** Epoch ms of the start of the second a logread line was logged (its local time), or undefined. */
export function logreadMs(line: string, now?: Date): number | undefined {
  const s = logreadSecond(line, now);
  if (s === undefined) return undefined;
  const d = new Date(s * 1000);
  return new Date(
    d.getUTCFullYear(),
    d.getUTCMonth(),
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  ).getTime();
}

/** The same clock reading for now, in local time as logread prints it. */
function localSecond(d: Date): number {
  const ms = Date.UTC(
    d.getFullYear(),
    d.getMonth(),
    d.getDate(),
    d.getHours(),
    d.getMinutes(),
    d.getSeconds(),
  );
  return ms / 1000;
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

export class LogreadFollower {
  private child: ChildProcess | undefined;
  private buffered: FollowedLine[] = [];
  private notes: string[] = [];
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly boot: string;
  /** Position to skip the replay up to; undefined: in sync, deliver every line. */
  private marker: LogreadState | undefined;
  /** The second being read and the count of each text in it (skipped or delivered). */
  private curT = Number.NaN;
  private cur = new Map<string, number>();
  /** Last delivered line: where a restarted logread is skipped to. */
  private lastT: number | undefined;
  private lastHash = '';
  /** Position of the last line handed out by poll(): what the caller persists. */
  private polled: LogreadState | undefined;
  private seq = 0;
  private lastExit = '';
  readonly counts = { delivered: 0, skipped: 0, restarts: 0 };

  constructor(private readonly opts: LogreadFollowerOptions = {}) {
    this.boot = opts.bootId ?? readBootId();
    const st = opts.state;
    if (st && st.boot === this.boot) {
      this.marker = st;
      this.polled = st;
    } else if (!st && (opts.startAtEnd ?? true)) {
      // Like tail -F on a first start: what the buffer held before now is history.
      this.marker = {
        boot: this.boot,
        t: localSecond((opts.now ?? (() => new Date()))()),
        counts: {},
        last: '',
      };
    }
    // else a position from another boot: logd's buffer was emptied by the reboot, all of it is new.
  }

  start(): void {
    if (this.stopped || this.child || this.restartTimer) return;
    const exe = this.opts.logread ?? LOGREAD_PATH;
    const child = spawn(exe, ['-f'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    let errText = '';
    child.stderr!.on('data', (d: Buffer) => (errText = (errText + d.toString()).slice(-500)));
    child.on('error', (err) => this.notes.push(`logread: ${err.message}`));
    child.on('close', (code, signal) => {
      this.child = undefined;
      if (this.stopped) return;
      this.counts.restarts++;
      // logd down (ubus: "Failed to find log object") makes logread exit at every retry: say it once.
      const why = `logread exited (${signal ?? code}): ${errText.trim() || 'no message'}; restarting`;
      if (why !== this.lastExit) this.notes.push(why);
      this.lastExit = why;
      // The restarted logread prints the buffer again: skip up to the last line delivered (a marker
      // not yet reached stays as it is).
      if (!this.marker && this.lastT !== undefined)
        this.marker = {
          boot: this.boot,
          t: this.lastT,
          counts: this.countsAt(this.lastT),
          last: this.lastHash,
        };
      this.curT = Number.NaN;
      this.cur = new Map();
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        this.start();
      }, this.opts.restartMs ?? 2000);
    });
  }

  /** Counts of the current second when it is `t` (the last delivered line's second), else none. */
  private countsAt(t: number): Record<string, number> {
    return t === this.curT ? Object.fromEntries(this.cur) : {};
  }

  private onLine(line: string): void {
    if (!line) return;
    const t = logreadSecond(line) ?? (Number.isNaN(this.curT) ? (this.marker?.t ?? 0) : this.curT);
    if (t !== this.curT) {
      this.curT = t;
      this.cur = new Map();
    }
    const h = createHash('sha1').update(line).digest('hex').slice(0, 16);
    const n = this.cur.get(h) ?? 0;
    this.cur.set(h, n + 1);
    const m = this.marker;
    if (m) {
      const had = t === m.t ? (m.counts[h] ?? 0) : 0;
      if (t < m.t || n < had) {
        this.counts.skipped++;
        if (t === m.t && h === m.last && n + 1 === had) this.marker = undefined;
        return;
      }
      this.marker = undefined;
    }
    this.lastT = t;
    this.lastHash = h;
    this.lastExit = '';
    this.counts.delivered++;
    this.buffered.push({
      id: `logread:${this.boot.slice(0, 8)}:${t}:${h}:${n}`,
      file: 'logread',
      line: ++this.seq,
      text: line,
      readFrom: 'logread',
    });
  }

  /** Lines received since the last poll, and the position to persist once they are stored. */
  poll(): { lines: FollowedLine[]; state: LogreadState | undefined; notes: string[] } {
    const lines = this.buffered;
    const notes = this.notes;
    this.buffered = [];
    this.notes = [];
    // The buffer ends with the last line delivered, and the counts of its second are current.
    if (lines.length > 0 && this.lastT !== undefined)
      this.polled = {
        boot: this.boot,
        t: this.lastT,
        counts: this.countsAt(this.lastT),
        last: this.lastHash,
      };
    return { lines, state: this.polled, notes };
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
  }
}
