/**
 * Follows journald with `journalctl -f -o json` (execFile-style spawn with an argument array, never a
 * shell). Resumes with `--after-cursor` from the persisted `__CURSOR` of the last stored entry, so the
 * same at-least-once + dedup contract as files holds: a line's id comes from its journal cursor
 * (journalLineId).
 *
 * Each delivered line's text is the original JSON object line, so the `journal-json` line format
 * (src/logs/formats/) parses it like any `journalctl -o json` input.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FollowedLine } from './file.js';

export interface JournalFollowerOptions {
  /** Resume after this cursor (from the checkpoint file). */
  cursor?: string;
  /** Read these journal files instead of the system journal (`--file`): tests, exported journals. */
  files?: string[];
  /** Field matches such as `SYSLOG_IDENTIFIER=pppd` (journalctl ORs matches of the same field). */
  matches?: string[];
  /** No cursor: begin at the end (default) or read everything (`--no-tail`). */
  startAtEnd?: boolean;
  journalctl?: string;
  /** Restart delay after journalctl exits (e.g. journald restarted), and retry delay while no journal exists. */
  restartMs?: number;
  /** Where journald keeps the system journal (one subdirectory per machine id): see start(). */
  journalDirs?: string[];
}

/** journald's runtime and persistent journal directories (systemd-journald.service(8), Storage=). */
export const JOURNAL_DIRS = ['/run/log/journal', '/var/log/journal'];

/** Some journal directory holds a machine-id directory: journald has written a journal. */
function journalExists(dirs: string[]): boolean {
  return dirs.some((d) => {
    try {
      return readdirSync(d, { withFileTypes: true }).some((e) => e.isDirectory());
    } catch {
      return false;
    }
  });
}

const FIELD_RE = /^[A-Z0-9_]+=/;

/**
 * The line id of the journal entry at `cursor`: the cursor (sd_journal_get_cursor(3):
 * `s=<seqnum id>;i=<seqnum>;b=<boot id>;m=<monotonic>;t=<realtime>;x=<xor hash of the fields>`) without
 * `s=` and `i=`. Those two number the entry within a journal file, they do not name the entry: when
 * journald flushes the runtime journal to /var/log/journal (systemd-journal-flush.service at boot,
 * SIGUSR1) the copies get the persistent file's seqnum id (seen with systemd 252), and their seqnums are
 * assigned by that file. Boot id, both timestamps and the hash of all fields stay, so the id stays and
 * an entry read before and after a flush dedups (test/logs/follow/journald.test.ts).
 */
export function journalLineId(cursor: string): string {
  const keep = cursor.split(';').filter((p) => !p.startsWith('s=') && !p.startsWith('i='));
  return `journal:${keep.join(';')}`;
}

export class JournalFollower {
  private child: ChildProcess | undefined;
  private buffered: FollowedLine[] = [];
  private notes: string[] = [];
  /** Cursor of the last entry handed out by poll(): what the caller persists. */
  private cursor: string | undefined;
  /**
   * Cursor of the last entry received from journalctl, polled or not. A restarted journalctl resumes
   * after it, not after `cursor`: entries still buffered would otherwise arrive a second time.
   */
  private received: string | undefined;
  private stopped = false;
  private waitNoted = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(private readonly opts: JournalFollowerOptions = {}) {
    this.cursor = opts.cursor;
    this.received = opts.cursor;
    for (const m of opts.matches ?? []) {
      // A match is passed as its own argv element; refuse anything journalctl would read as an option.
      if (!FIELD_RE.test(m)) throw new Error(`journal match ${JSON.stringify(m)}: expected FIELD=value`);
    }
  }

  args(): string[] {
    // --all: without it `-o json` prints a field longer than 4096 bytes as null (journalctl(1) --output
    // json), and a long message would arrive empty.
    const a = ['-f', '-o', 'json', '--all', '--no-pager'];
    for (const f of this.opts.files ?? []) a.push(`--file=${f}`);
    if (this.received) a.push(`--after-cursor=${this.received}`);
    else if (this.opts.startAtEnd ?? true) a.push('-n', '0');
    else a.push('--no-tail');
    return [...a, ...(this.opts.matches ?? [])];
  }

  start(): void {
    if (this.stopped || this.child || this.restartTimer) return;
    const dirs = this.opts.journalDirs ?? JOURNAL_DIRS;
    if (!this.opts.files?.length && !journalExists(dirs)) {
      // journalctl -f started before journald has created its journal directory never sees the
      // journal appear (measured with systemd 252: it runs on, printing nothing): wait for it instead.
      if (!this.waitNoted)
        this.notes.push(`journald: no journal yet in ${dirs.join(' or ')}; waiting for one`);
      this.waitNoted = true;
      this.retryLater();
      return;
    }
    this.waitNoted = false;
    const child = spawn(this.opts.journalctl ?? 'journalctl', this.args(), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => this.onLine(line));
    let errText = '';
    child.stderr!.on('data', (d: Buffer) => (errText = (errText + d.toString()).slice(-500)));
    child.on('error', (err) => this.notes.push(`journalctl: ${err.message}`));
    child.on('close', (code, signal) => {
      this.child = undefined;
      if (this.stopped) return;
      this.notes.push(`journalctl exited (${signal ?? code}): ${errText.trim() || 'no message'}; restarting`);
      this.retryLater();
    });
  }

  private retryLater(): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, this.opts.restartMs ?? 2000);
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    let cursor: unknown;
    try {
      cursor = (JSON.parse(line) as { __CURSOR?: unknown }).__CURSOR;
    } catch {
      this.notes.push(`journalctl: unparsable line ignored: ${line.slice(0, 120)}`);
      return;
    }
    if (typeof cursor !== 'string') {
      this.notes.push('journalctl: entry without __CURSOR ignored');
      return;
    }
    this.received = cursor;
    this.buffered.push({
      id: journalLineId(cursor),
      file: 'journal',
      line: ++this.seq,
      text: line,
      readFrom: 'journal',
    });
  }

  /** Entries received since the last poll, and the cursor to persist once they are stored. */
  poll(): { lines: FollowedLine[]; cursor: string | undefined; notes: string[] } {
    const lines = this.buffered;
    const notes = this.notes;
    this.buffered = [];
    this.notes = [];
    // The buffer ends with the last entry received: its cursor is `received`.
    if (lines.length > 0) this.cursor = this.received;
    return { lines, cursor: this.cursor, notes };
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
  }
}
