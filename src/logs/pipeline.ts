/**
 * LogPipeline: the one way from LogRecords to Events and Sessions, used by `analyze` (offline) and the
 * agent's followers (streaming, long-running). push() never throws: a record that trips a bug is
 * counted and skipped, the rest of the input is still analysed.
 */
import type { Event } from '../events/index.js';
import { classifyRecord, KNOWN, messageTemplate, type EventDraft, type Match } from './classify/index.js';
import type { LogRecord } from './record.js';
import type { Session } from './session.js';
import { SessionTracker } from './sessions.js';

export interface PipelineOptions {
  /** Host for records that carry none (pppd logfile output, bare lines). Default `localhost`. */
  host?: string;
}

export interface UnclassifiedTemplate {
  template: string;
  count: number;
  example: string;
  program: string;
}

/** Distinct unknown templates kept; beyond this new ones are only counted (bounded memory). */
const MAX_TEMPLATES = 2_000;
/** Files whose last record is remembered for `last message repeated` (bounded for followers). */
const MAX_PREV_FILES = 1_000;
const LAST_REPEATED = 'last message repeated ';

/** The last record of a file and the events it produced: what a following repeat line multiplies. */
interface Prev {
  rec: LogRecord;
  events: Event[];
}
const EPOCH = '1970-01-01T00:00:00.000Z';

export class LogPipeline {
  private readonly tracker: SessionTracker;
  private readonly templates = new Map<string, UnclassifiedTemplate>();
  private records = 0;
  private events = 0;
  private unknown = 0;
  private internalErrors = 0;
  private lastTs: string | undefined;
  private readonly prev = new Map<string, Prev>();

  constructor(opts: PipelineOptions = {}) {
    this.tracker = new SessionTracker(opts.host ?? 'localhost');
  }

  push(rec: LogRecord): Event[] {
    this.records++;
    try {
      return this.handle(rec);
    } catch {
      // A classifier or correlation bug must not stop the analysis; stats() exposes the count.
      this.internalErrors++;
      return [];
    }
  }

  private handle(rec: LogRecord): Event[] {
    if (rec.ts !== undefined) this.lastTs = rec.ts;
    if (rec.repeated !== undefined) return this.repeat(rec, rec.repeated);
    const events = this.classify(rec);
    this.remember(rec, events);
    return events;
  }

  private remember(rec: LogRecord, events: Event[]): void {
    let p = this.prev.get(rec.file);
    if (p === undefined) {
      if (this.prev.size >= MAX_PREV_FILES) this.prev.clear();
      p = { rec, events };
      this.prev.set(rec.file, p);
    } else {
      p.rec = rec;
      p.events = events;
    }
  }

  /**
   * A repeat line stands for N more occurrences of a message (sysklogd `last message repeated N
   * times` after the line it repeats; rsyslog `message repeated N times: [MSG]` carrying the message).
   * Each occurrence counts: a repeated auth failure is N more failures (brute force, lockout rules).
   * The occurrences get copies of the original line's events (same raw, user, peer and session;
   * their own ids and source line); session state is not replayed (the original line already told
   * the session what it means; the end event of a session is not repeated).
   */
  private repeat(rec: LogRecord, n: number): Event[] {
    const p = this.prev.get(rec.file);
    const sysklogd = rec.message.startsWith(LAST_REPEATED);
    // The line parser names the program of a sysklogd repeat only when the line just before it was
    // read (not skipped as another program's): then that line is the one remembered here.
    if (p !== undefined && p.rec.program === rec.program && p.rec.pid === rec.pid) {
      if (sysklogd ? rec.program !== undefined : p.rec.message === rec.message)
        return this.copies(rec, p.events, n);
    }
    if (sysklogd) return [];
    // rsyslog's line whose first occurrence is not in this input (a file cut there): it is one
    // occurrence itself, then n - 1 more.
    const one: LogRecord = { ...rec };
    delete one.repeated;
    const base = this.classify(one);
    this.remember(one, base);
    return [...base, ...this.copies(rec, base, n - 1)];
  }

  private copies(rec: LogRecord, base: readonly Event[], times: number): Event[] {
    const out: Event[] = [];
    for (let k = 1; k <= times && k <= 10_000; k++)
      for (let i = 0; i < base.length; i++) {
        const e = base[i];
        if (e === undefined || e.kind === 'ppp.end') continue;
        out.push({
          ...e,
          id: `${rec.file}:${rec.line}#r${k}${i === 0 ? '' : `.${i}`}`,
          ts: rec.ts ?? e.ts,
          attrs: { ...e.attrs },
          source: { file: rec.file, line: rec.line },
        } as Event);
      }
    this.events += out.length;
    return out;
  }

  private classify(rec: LogRecord): Event[] {
    const { family, match } = classifyRecord(rec);
    if (family === undefined) return [];
    if (match === undefined) {
      this.noteUnknown(rec);
      if (family === 'other') return [];
      // Unknown pppd/pptpd lines still belong to their session (and can open one mid-stream).
      this.tracker.apply(rec, family, {}, [], true);
      return [];
    }
    if (match === KNOWN) {
      // Known noise (debug dumps, chatter): nothing for sessions but the clock (waiting sessions expire).
      const ended: Event[] = [];
      this.tracker.tick(rec, ended);
      this.events += ended.length;
      return ended;
    }
    const events =
      match.events === undefined ? [] : match.events.map((d, i) => this.stamp(rec, d, i, match.redact));
    if (family !== 'other') this.tracker.apply(rec, family, match, events);
    this.events += events.length;
    return events;
  }

  private stamp(rec: LogRecord, d: EventDraft, index: number, redact?: (raw: string) => string): Event {
    // One literal shape for every event (no spread): keeps property access monomorphic on the hot path.
    const ev = {
      id: index === 0 ? `${rec.file}:${rec.line}` : `${rec.file}:${rec.line}#${index}`,
      ts: rec.ts ?? this.lastTs ?? EPOCH,
      host: this.tracker.hostOf(rec),
      kind: d.kind,
      severity: d.severity,
      attrs: d.attrs,
      source: { file: rec.file, line: rec.line },
      raw: redact ? redact(rec.raw) : rec.raw,
    } as Event;
    if (d.user !== undefined) ev.user = d.user;
    if (d.peer !== undefined) ev.peer = d.peer;
    return ev;
  }

  private noteUnknown(rec: LogRecord): void {
    this.unknown++;
    const template = messageTemplate(rec.message);
    const program = rec.program ?? '';
    const key = `${program}\u0000${template}`;
    const t = this.templates.get(key);
    if (t) t.count++;
    else if (this.templates.size < MAX_TEMPLATES)
      this.templates.set(key, { template, count: 1, example: rec.raw.slice(0, 500), program });
  }

  drainClosed(): Session[] {
    return this.tracker.drainClosed();
  }

  /** End of input: sessions not yet drained — those that ended (with cause) and those still open (without). */
  finish(): Session[] {
    return this.tracker.finish();
  }

  /** Unknown lines of known programs, by template, most frequent first. */
  unclassified(): UnclassifiedTemplate[] {
    return [...this.templates.values()].sort(
      (a, b) => b.count - a.count || a.template.localeCompare(b.template),
    );
  }

  /**
   * For followers: the clock moved but no line came (a quiet log). Sessions waiting for a trailer or
   * for their pptpctrl (at most 30 s) end now; returns their ppp.end events. Never throws.
   */
  advance(nowIso: string): Event[] {
    try {
      const ended: Event[] = [];
      this.tracker.advance(nowIso, ended);
      this.events += ended.length;
      return ended;
    } catch {
      this.internalErrors++;
      return [];
    }
  }

  /** Counters; `openSessions` and `ctrlStates` show that state stays bounded in a long-running follower. */
  stats(): {
    records: number;
    events: number;
    unclassified: number;
    internalErrors: number;
    openSessions: number;
    ctrlStates: number;
  } {
    return {
      records: this.records,
      events: this.events,
      unclassified: this.unknown,
      internalErrors: this.internalErrors,
      openSessions: this.tracker.openCount,
      ctrlStates: this.tracker.ctrlCount,
    };
  }
}

export type { Match };
