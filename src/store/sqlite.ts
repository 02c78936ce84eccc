/**
 * The embedded store: SQLite through better-sqlite3, WAL journal.
 *
 * Durability: a batch is acknowledged (the insert promise resolves) only after its transaction
 * committed. In WAL mode a commit is in the OS page cache once written, so `kill -9` of this process
 * never loses it even with synchronous=NORMAL; what NORMAL can lose is the last commits on a power cut
 * or kernel crash (sqlite.org/pragma.html#pragma_synchronous, sqlite.org/wal.html "Durability"). An
 * agent deletes its spool once the store acknowledges, so we default to FULL (fsync of the WAL on every
 * commit): acknowledged means on disk. Batching makes that one fsync per batch, not per event;
 * `store.synchronous: normal` trades it back for hosts where throughput matters more.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Event } from '../events/index.js';
import type { Session } from '../logs/session.js';
import {
  clampLimit,
  eventToRow,
  labelsKey,
  labelsMatch,
  mergeBuckets,
  rowToEvent,
  toMs,
  type BucketRow,
} from './codec.js';
import { assertNotNewer } from './migrations.js';
import { SQLITE_MIGRATIONS } from './schema.js';
import { bucketExpr, eventWhere, sessionWhere, sqlitePlaceholder as ph } from './sql.js';
import type {
  EventQuery,
  InsertReport,
  Sample,
  SampleQuery,
  SampleSeries,
  SessionQuery,
  Store,
  StoredEvent,
} from './types.js';
import { eventsSelectSql, SESSION_UPSERT_CONFLICT, sessionRow } from './shared.js';
import { SqliteMaintenance } from './sqlite-maintenance.js';

export interface SqliteOptions {
  path: string;
  synchronous?: 'full' | 'normal';
  /** Open only an existing database (tools like `audit verify` must not create an empty one). */
  mustExist?: boolean;
}

function openDatabase(opts: SqliteOptions): Database.Database {
  if (opts.mustExist) {
    try {
      return configure(new Database(opts.path, { fileMustExist: true }), opts);
    } catch (err) {
      throw new Error(
        `store: cannot open ${opts.path}: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
  }
  if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
  return configure(new Database(opts.path), opts);
}

function configure(db: Database.Database, opts: SqliteOptions): Database.Database {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  // Several processes may share the file (agent, CLI audit verify): wait for a writer, don't fail.
  db.pragma('busy_timeout = 5000');
  return db;
}

export class SqliteStore extends SqliteMaintenance implements Store {
  readonly driver = 'sqlite' as const;
  private readonly seriesIds = new Map<string, number>();
  private readonly insertEvent: Database.Statement;
  private readonly findExt: Database.Statement;

  constructor(opts: SqliteOptions) {
    super(openDatabase(opts));
    this.migrate();
    this.insertEvent = this.db.prepare(
      `INSERT INTO events (ts_ms, kind, host, severity, session, usr, peer, ext_id, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host, ext_id, ts_ms, kind) WHERE ext_id IS NOT NULL DO NOTHING`,
    );
    this.findExt = this.db.prepare(
      `SELECT id FROM events WHERE host = ? AND ext_id = ? AND ts_ms = ? AND kind = ?`,
    );
  }

  private migrate(): void {
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
    );
    const applied = new Set(
      (this.db.prepare(`SELECT version FROM schema_migrations`).all() as { version: number }[]).map(
        (r) => r.version,
      ),
    );
    assertNotNewer(applied, SQLITE_MIGRATIONS);
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      // IMMEDIATE: a second process migrating at the same time waits, then sees the row and skips.
      this.db
        .transaction(() => {
          const again = this.db.prepare(`SELECT 1 FROM schema_migrations WHERE version = ?`).get(m.version);
          if (again) return;
          for (const s of m.statements) this.db.exec(s);
          this.db
            .prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`)
            .run(m.version, m.name, new Date().toISOString());
        })
        .immediate();
    }
  }

  async schemaVersion(): Promise<number> {
    const r = this.db.prepare(`SELECT MAX(version) AS v FROM schema_migrations`).get() as {
      v: number | null;
    };
    return r.v ?? 0;
  }

  async insertEvents(events: readonly Event[]): Promise<string[]> {
    return (await this.insertEventsReport(events)).ids;
  }

  async insertEventsReport(events: readonly Event[]): Promise<InsertReport> {
    const rows = events.map((e, i) => eventToRow(e, i));
    const fresh: boolean[] = new Array<boolean>(rows.length);
    const ids = this.db
      .transaction(() =>
        rows.map((r, i) => {
          const res = this.insertEvent.run(
            r.tsMs,
            r.kind,
            r.host,
            r.severity,
            r.session,
            r.user,
            r.peer,
            r.externalId,
            r.doc,
          );
          // ON CONFLICT DO NOTHING: `changes` is 0 exactly when the dedup key was already stored.
          fresh[i] = res.changes === 1;
          if (res.changes === 1) return String(res.lastInsertRowid);
          const dup = this.findExt.get(r.host, r.externalId, r.tsMs, r.kind) as { id: number };
          return String(dup.id);
        }),
      )
      .immediate();
    return { ids, fresh };
  }

  async queryEvents(q: EventQuery): Promise<StoredEvent[]> {
    const w = eventWhere(q, ph);
    const rows = this.db.prepare(eventsSelectSql(w, q)).all(...w.params) as {
      id: number;
      doc: string;
      ext_id: string | null;
    }[];
    return rows.map((r) => rowToEvent(r.id, r.doc, r.ext_id));
  }

  async countEvents(q: Omit<EventQuery, 'limit' | 'order' | 'afterId'> = {}): Promise<number> {
    const w = eventWhere(q, ph);
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM events ${w.sql}`).get(...w.params) as { n: number }).n;
  }

  // SESSION_UPSERT_CONFLICT (shared.ts) keeps a closed session closed.
  async upsertSessions(sessions: readonly Session[]): Promise<void> {
    const rows = sessions.map((s, i) => sessionRow(s, i));
    const st = this.db.prepare(
      `INSERT INTO sessions (id, host, usr, peer, start_ms, end_ms, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
       ${SESSION_UPSERT_CONFLICT}`,
    );
    this.db.transaction(() => {
      for (const r of rows) st.run(r.id, r.host, r.user, r.peer, r.startMs, r.endMs, r.doc);
    })();
  }

  async getSession(id: string): Promise<Session | undefined> {
    const r = this.db.prepare(`SELECT doc FROM sessions WHERE id = ?`).get(id) as { doc: string } | undefined;
    return r ? (JSON.parse(r.doc) as Session) : undefined;
  }

  async querySessions(q: SessionQuery): Promise<Session[]> {
    const w = sessionWhere(q, ph);
    const rows = this.db
      .prepare(`SELECT doc FROM sessions ${w.sql} ORDER BY start_ms, id LIMIT ${clampLimit(q.limit)}`)
      .all(...w.params) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as Session);
  }

  private seriesId(metric: string, labels: Record<string, string>): number {
    const key = labelsKey(labels);
    const cacheKey = `${metric}\u0000${key}`;
    const hit = this.seriesIds.get(cacheKey);
    if (hit !== undefined) return hit;
    this.db
      .prepare(`INSERT INTO series (metric, labels) VALUES (?, ?) ON CONFLICT DO NOTHING`)
      .run(metric, key);
    const r = this.db.prepare(`SELECT id FROM series WHERE metric = ? AND labels = ?`).get(metric, key) as {
      id: number;
    };
    this.seriesIds.set(cacheKey, r.id);
    return r.id;
  }

  async insertSamples(samples: readonly Sample[]): Promise<void> {
    const rows = samples.map((s, i) => {
      if (!Number.isFinite(s.value)) throw new Error(`samples[${i}].value: not a finite number: ${s.value}`);
      return { s, tsMs: toMs(s.ts, `samples[${i}].ts`) };
    });
    const st = this.db.prepare(`INSERT INTO samples (series_id, ts_ms, value) VALUES (?, ?, ?)`);
    this.db.transaction(() => {
      for (const { s, tsMs } of rows) st.run(this.seriesId(s.metric, s.labels), tsMs, s.value);
    })();
  }

  async querySamples(q: SampleQuery): Promise<SampleSeries[]> {
    const step = q.stepMs ?? 60_000;
    const from = toMs(q.from, 'query.from');
    const to = toMs(q.to, 'query.to');
    const all = this.db.prepare(`SELECT id, labels FROM series WHERE metric = ?`).all(q.metric) as {
      id: number;
      labels: string;
    }[];
    const series = new Map<string, { metric: string; labels: Record<string, string> }>();
    for (const s of all) {
      const labels = JSON.parse(s.labels) as Record<string, string>;
      if (labelsMatch(labels, q.labels)) series.set(String(s.id), { metric: q.metric, labels });
    }
    if (series.size === 0) return [];
    const ids = [...series.keys()].map(Number);
    const inList = ids.map(() => '?').join(',');
    const rows: BucketRow[] = [];
    const raw = `SELECT series_id, ${bucketExpr('ts_ms', '?')} AS b, MIN(value) AS mn, MAX(value) AS mx, SUM(value) AS sm, COUNT(*) AS cnt
      FROM samples WHERE series_id IN (${inList}) AND ts_ms >= ? AND ts_ms < ? GROUP BY series_id, b`;
    rows.push(...(this.db.prepare(raw).all(step, ...ids, from, to) as BucketRow[]));
    for (const t of ['samples_1m', 'samples_1h']) {
      const sql = `SELECT series_id, ${bucketExpr('bucket_ms', '?')} AS b, MIN(min) AS mn, MAX(max) AS mx, SUM(sum) AS sm, SUM(count) AS cnt
        FROM ${t} WHERE series_id IN (${inList}) AND bucket_ms >= ? AND bucket_ms < ? GROUP BY series_id, b`;
      rows.push(...(this.db.prepare(sql).all(step, ...ids, from, to) as BucketRow[]));
    }
    return mergeBuckets(series, rows);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
