/**
 * The Store contract: everything pptpmon keeps (events, sessions, samples, alerts, silences,
 * acknowledgements, actions, audit) behind one async interface with two implementations, SQLite
 * (sqlite.ts, the embedded default) and PostgreSQL (postgres.ts, for a fleet). Async because the
 * PostgreSQL driver is; the SQLite methods resolve synchronously underneath.
 *
 * Times cross this boundary as ISO 8601 UTC strings (the Event contract); stores index them as epoch
 * milliseconds. Ids assigned by a store are decimal strings so both drivers look the same to callers.
 */
import type { Event, EventKind, Severity } from '../events/index.js';
import type { Session } from '../logs/session.js';

/** An event as stored: `id` is the store's row id; the producer's own id (if any) is `externalId`. */
export type StoredEvent = Event & { id: string; externalId?: string };

/** What insertEventsReport tells: the store ids in input order and whether each was newly stored. */
export interface InsertReport {
  ids: string[];
  fresh: boolean[];
}

export interface EventQuery {
  /** Exact kinds; combine with `kindPrefix` (`auth.` matches `auth.fail`, `auth.ok`, ...). */
  kinds?: EventKind[];
  kindPrefix?: string;
  /** Inclusive lower bound, ISO 8601. */
  from?: string;
  /** Exclusive upper bound, ISO 8601. */
  to?: string;
  host?: string;
  session?: string;
  user?: string;
  peer?: string;
  severity?: Severity;
  /**
   * Only rows with a store id greater than this (cursor for tailing / paging). Ids follow commit
   * order within one store process (SQLite serialises writers; PostgresStore serialises its batches).
   *
   * Limit: with two writers on one PostgreSQL database (two `pptpmon server`s, or a server and a
   * `run`) ids come from one sequence but commit out of order: writer A takes 101-200, B takes
   * 201-300 and commits first; a reader tailing with afterId=300 never sees A's rows. Nothing in
   * pptpmon tails by afterId today (src/ uses it nowhere; tests page with it), so this is documented,
   * not fixed. A tailing reader for a fleet must either keep one writer per database or re-read a
   * margin behind its cursor (ids in flight: at most the writers' batches) and drop ids it has seen.
   * Paging a quiet table (no writes during the read) is exact with any number of writers.
   */
  afterId?: string;
  /** Default 1000, at most 100000. */
  limit?: number;
  /** By (ts, id). Default `asc`. */
  order?: 'asc' | 'desc';
}

export interface SessionQuery {
  /**
   * `open`: no end yet and started before `to`; `closed`: ended in [from, to); `any` (default):
   * overlapping [from, to) (an open session overlaps every range after its start).
   */
  state?: 'open' | 'closed' | 'any';
  from?: string;
  to?: string;
  host?: string;
  user?: string;
  peer?: string;
  limit?: number;
}

/** One time-series point: a metric, its labels, a time and a value. */
export interface Sample {
  metric: string;
  labels: Record<string, string>;
  ts: string;
  value: number;
}

export interface SampleQuery {
  metric: string;
  /** Series whose labels include all of these (subset match). */
  labels?: Record<string, string>;
  from: string;
  to: string;
  /** Bucket width; points are aggregated per bucket aligned to epoch. Default: 60000. */
  stepMs?: number;
}

/** An aggregated bucket: raw points and downsampled rollups merge here, so trends survive retention. */
export interface SamplePoint {
  /** Bucket start, ISO 8601. */
  ts: string;
  avg: number;
  min: number;
  max: number;
  count: number;
}

export interface SampleSeries {
  metric: string;
  labels: Record<string, string>;
  points: SamplePoint[];
}

export type AlertStatus = 'firing' | 'resolved';

/**
 * One alert instance: identified by (fingerprint, startsAt). A fingerprint that fires again after it
 * resolved makes a new row, so history keeps both episodes.
 */
export interface AlertRecord {
  fingerprint: string;
  rule: string;
  status: AlertStatus;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  /** Last time the engine evaluated or notified it (for repeat intervals). */
  updatedAt: string;
}
export type StoredAlert = AlertRecord & { id: string };

export interface AlertQuery {
  status?: AlertStatus;
  fingerprint?: string;
  rule?: string;
  /** Alerts that were active at some point in [from, to). */
  from?: string;
  to?: string;
  limit?: number;
  /** By (startsAt, id). Default `asc`; `desc` (newest first) for history pages. */
  order?: 'asc' | 'desc';
}

/** A label matcher as Alertmanager writes them (`=`, `!=`, `=~`, `!~`). */
export interface LabelMatcher {
  name: string;
  value: string;
  op: '=' | '!=' | '=~' | '!~';
}

/** A silence or maintenance window. `schedule` makes it recurring (cron-like, in a time zone). */
export interface Silence {
  matchers: LabelMatcher[];
  startsAt: string;
  /** Absent: until expired. */
  endsAt?: string;
  schedule?: { cron: string; timezone: string; durationMs: number };
  createdBy: string;
  comment?: string;
  createdAt: string;
}
export type StoredSilence = Silence & { id: string };

export interface Acknowledgement {
  fingerprint: string;
  by: string;
  ts: string;
  comment?: string;
  /** The ack lapses at this time (re-escalates if still firing). */
  until?: string;
}
export type StoredAck = Acknowledgement & { id: string };

export type ActionStatus = 'started' | 'done' | 'failed' | 'skipped';

export interface ActionRecord {
  ts: string;
  action: string;
  target?: string;
  status: ActionStatus;
  detail?: string;
  /** The alert that caused it, if any. */
  fingerprint?: string;
  dryRun?: boolean;
}
export type StoredAction = ActionRecord & { id: string };

export interface ActionQuery {
  action?: string;
  target?: string;
  from?: string;
  to?: string;
  limit?: number;
}

/** What a caller asks to append to the audit trail. */
export interface AuditInput {
  ts: string;
  /** Who did it: a user, `rules`, `action:nft-block`, ... */
  actor: string;
  /** What was done, dotted: `silence.add`, `action.done`, `ack.add`, `config.reload`. */
  action: string;
  subject?: string;
  /** Structured detail; must not carry secrets. */
  detail?: Record<string, unknown>;
}

/** A sealed audit record: `hash` = sha256(canonical(content) + prevHash); see audit.ts. */
export interface AuditRecord extends AuditInput {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditProblem {
  seq: number;
  /** `edited`, `deleted`, `inserted`, `reordered`, `head`: what failed. */
  problem: 'edited' | 'deleted' | 'inserted' | 'reordered' | 'head';
  detail: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  problems: AuditProblem[];
}

/** Retention and downsampling, in milliseconds (config/schema.ts turns durations into these). */
export interface RetentionPolicy {
  eventsMs: number;
  sessionsMs: number;
  /** Raw samples older than this are rolled into 1-minute buckets and deleted. */
  samplesRawMs: number;
  /** 1-minute buckets older than this are rolled into 1-hour buckets and deleted. */
  samples1mMs: number;
  /** 1-hour buckets older than this are deleted. */
  samples1hMs: number;
  alertsMs: number;
  actionsMs: number;
}

export interface RetentionReport {
  events: number;
  sessions: number;
  samplesRolledTo1m: number;
  samples1mRolledTo1h: number;
  samples1hDeleted: number;
  alerts: number;
  silences: number;
  acks: number;
  actions: number;
}

export interface Store {
  readonly driver: 'sqlite' | 'postgres';

  /**
   * Batch insert in one transaction; resolves with the store ids in input order once durable (the
   * acknowledgement an agent may drop its spool on). An event whose producer `id`, host, ts and kind
   * match a stored one is not stored twice: its existing id is returned (spool replay is idempotent).
   * A bad event rejects the whole batch with a StoreInputError naming it (`events[3].ts: ...`).
   */
  insertEvents(events: readonly Event[]): Promise<string[]>;
  /**
   * insertEvents that also says which events this call stored (`fresh[i]`) and which were already
   * there (a replay): the rules count only fresh ones, so a batch re-sent after a lost ack (even across
   * a server restart) counts once. Events without a producer `id` are always fresh (no dedup key).
   */
  insertEventsReport(events: readonly Event[]): Promise<InsertReport>;
  queryEvents(q: EventQuery): Promise<StoredEvent[]>;
  countEvents(q?: Omit<EventQuery, 'limit' | 'order' | 'afterId'>): Promise<number>;

  /** Insert or replace by `id` as the session progresses; a closed session is never reopened by a late open version. */
  upsertSessions(sessions: readonly Session[]): Promise<void>;
  getSession(id: string): Promise<Session | undefined>;
  querySessions(q: SessionQuery): Promise<Session[]>;

  insertSamples(samples: readonly Sample[]): Promise<void>;
  querySamples(q: SampleQuery): Promise<SampleSeries[]>;

  /** Insert or update by (fingerprint, startsAt). */
  upsertAlert(alert: AlertRecord): Promise<StoredAlert>;
  queryAlerts(q: AlertQuery): Promise<StoredAlert[]>;
  activeAlerts(): Promise<StoredAlert[]>;

  addSilence(s: Silence): Promise<StoredSilence>;
  /** Sets endsAt to `at` (silences are kept for history, not deleted). */
  expireSilence(id: string, at: string): Promise<boolean>;
  /** Silences not yet expired at `at`: active ones and ones that start later (the engine checks windows/schedules). */
  silences(at: string): Promise<StoredSilence[]>;

  addAck(ack: Acknowledgement): Promise<StoredAck>;
  acks(fingerprint: string): Promise<StoredAck[]>;

  recordAction(a: ActionRecord): Promise<StoredAction>;
  queryActions(q: ActionQuery): Promise<StoredAction[]>;

  /** Appends in a transaction that serialises writers, so the chain never forks. */
  appendAudit(entry: AuditInput): Promise<AuditRecord>;
  /** Records in seq order, starting after `afterSeq`. */
  readAudit(afterSeq?: number, limit?: number): Promise<AuditRecord[]>;
  verifyAudit(): Promise<AuditVerifyResult>;

  /** Deletes and downsamples by `policy` relative to `now` (injected clock). */
  applyRetention(now: Date, policy: RetentionPolicy): Promise<RetentionReport>;

  /** Schema version after migrations. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}
