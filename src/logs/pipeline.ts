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
const EPOCH = '1970-01-01T00:00:00.000Z';

export class LogPipeline {
  private readonly tracker: SessionTracker;
  private readonly templates = new Map<string, UnclassifiedTemplate>();
  private records = 0;
  private events = 0;
  private unknown = 0;
  private internalErrors = 0;
  private lastTs: string | undefined;

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
    if (rec.repeated !== undefined) return [];
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
