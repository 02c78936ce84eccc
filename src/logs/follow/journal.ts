/**
 * Follows journald with `journalctl -f -o json` (execFile-style spawn with an argument array, never a
 * shell). Resumes with `--after-cursor` from the persisted `__CURSOR` of the last stored entry, so the
 * same at-least-once + dedup contract as files holds: a line's id is its journal cursor.
 *
 * Each delivered line's text is the original JSON object line, so the `journal-json` line format
 * (src/logs/formats/) parses it like any `journalctl -o json` input.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
  /** Restart delay after journalctl exits (e.g. journald restarted). */
  restartMs?: number;
}

const FIELD_RE = /^[A-Z0-9_]+=/;

export class JournalFollower {
  private child: ChildProcess | undefined;
  private buffered: FollowedLine[] = [];
  private notes: string[] = [];
  private cursor: string | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(private readonly opts: JournalFollowerOptions = {}) {
    this.cursor = opts.cursor;
    for (const m of opts.matches ?? []) {
      // A match is passed as its own argv element; refuse anything journalctl would read as an option.
      if (!FIELD_RE.test(m)) throw new Error(`journal match ${JSON.stringify(m)}: expected FIELD=value`);
    }
  }

  args(): string[] {
    const a = ['-f', '-o', 'json', '--no-pager'];
    for (const f of this.opts.files ?? []) a.push(`--file=${f}`);
    if (this.cursor) a.push(`--after-cursor=${this.cursor}`);
    else if (this.opts.startAtEnd ?? true) a.push('-n', '0');
    else a.push('--no-tail');
    return [...a, ...(this.opts.matches ?? [])];
  }

  start(): void {
    if (this.stopped || this.child) return;
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
      this.restartTimer = setTimeout(() => this.start(), this.opts.restartMs ?? 2000);
    });
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
    this.buffered.push({
      id: `journal:${cursor}`,
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
    const last = lines[lines.length - 1];
    if (last) this.cursor = last.id.slice('journal:'.length);
    return { lines, cursor: this.cursor, notes };
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
  }
}
