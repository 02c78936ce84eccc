/**
 * The fleet store: PostgreSQL through `pg`. Same tables and meaning as sqlite.ts (the same test suite
 * runs against both). Batches go in as one statement over arrays (`unnest`), which keeps a batch one
 * round trip and atomic; a batch is acknowledged after PostgreSQL reports the commit, which with the
 * default synchronous_commit=on means its WAL is flushed.
 */
import pg from 'pg';
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
  type EventRow,
} from './codec.js';
import { PgMaintenance } from './postgres-maintenance.js';
import { POSTGRES_MIGRATIONS } from './schema.js';
import { assertNotNewer } from './migrations.js';
import { eventsSelectSql, SESSION_UPSERT_CONFLICT, sessionRow, type SessionRow } from './shared.js';
import { bucketExpr, eventWhere, pgPlaceholder as ph, sessionWhere } from './sql.js';
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

export interface PostgresOptions {
  url: string;
  password?: string;
  /** Schema for pptpmon's tables; created if missing. */
  schema?: string;
  poolSize?: number;
}

// 64-bit counts and ids come back as strings by default; ours fit in a double (ms since epoch, row ids).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * pg lets a connection string override a separate `password` option, so the password (read from a
 * file or the environment, never from config) is put into the URL in memory only.
 */
export function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** A lock id only pptpmon's migrator takes, so two servers starting together migrate once. */
const MIGRATION_LOCK = 0x707074706d6f6en % 2n ** 31n;

export class PostgresStore extends PgMaintenance implements Store {
  readonly driver = 'postgres' as const;
  private readonly seriesIds = new Map<string, number>();

  private constructor(pool: pg.Pool) {
    super(pool);
  }

  static async open(opts: PostgresOptions): Promise<PostgresStore> {
    const schema = opts.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema))
      throw new Error(`store.schema: not a plain identifier: ${schema}`);
    const pool = new pg.Pool({
      connectionString: withPassword(opts.url, opts.password),
      max: opts.poolSize ?? 4,
      options: `-c search_path=${schema}`,
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const store = new PostgresStore(pool);
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await store.migrate();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  private async migrate(): Promise<void> {
    await this.tx(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await c.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
      );
      const done = new Set(
        (await c.query<{ version: number }>(`SELECT version FROM schema_migrations`)).rows.map(
          (r) => r.version,
        ),
      );
      assertNotNewer(done, POSTGRES_MIGRATIONS);
      for (const m of POSTGRES_MIGRATIONS) {
        if (done.has(m.version)) continue;
        // One transaction for all pending migrations: PostgreSQL DDL is transactional.
        for (const s of m.statements) await c.query(s);
        await c.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
      }
    });
  }

  async schemaVersion(): Promise<number> {
    const r = await this.pool.query<{ v: number | null }>(`SELECT MAX(version) AS v FROM schema_migrations`);
    return r.rows[0]?.v ?? 0;
  }

  /** Serialises event batches of this store: see insertEvents. */
  private eventQueue: Promise<unknown> = Promise.resolve();

  async insertEvents(events: readonly Event[]): Promise<string[]> {
    return (await this.insertEventsReport(events)).ids;
  }

  async insertEventsReport(events: readonly Event[]): Promise<InsertReport> {
    if (events.length === 0) return { ids: [], fresh: [] };
    const rows = events.map((e, i) => eventToRow(e, i));
    // One batch at a time, so batches commit in id order and a reader tailing with `afterId` never
    // sees id N+1 committed while id N is still to come (a sequence hands out ids before commit).
    const run = this.eventQueue.then(() => this.insertRows(rows));
    this.eventQueue = run.catch(() => undefined);
    return run;
  }

  private async insertRows(rows: EventRow[]): Promise<InsertReport> {
    // Ids are taken from the sequence first so we know each row's id in input order (RETURNING
    // order is not guaranteed); a duplicate (same host, producer id, time and kind) keeps the id it was first stored under.
    const ids = (
      await this.pool.query<{ id: number }>(
        `SELECT nextval('events_id_seq') AS id FROM generate_series(1, $1)`,
        [rows.length],
      )
    ).rows.map((r) => r.id);
    const inserted = await this.pool.query<{ id: number }>(
      `INSERT INTO events (id, ts_ms, kind, host, severity, session, usr, peer, ext_id, doc)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::text[])
       ON CONFLICT (host, ext_id, ts_ms, kind) WHERE ext_id IS NOT NULL DO NOTHING RETURNING id`,
      [
        ids,
        rows.map((r) => r.tsMs),
        rows.map((r) => r.kind),
        rows.map((r) => r.host),
        rows.map((r) => r.severity),
        rows.map((r) => r.session),
        rows.map((r) => r.user),
        rows.map((r) => r.peer),
        rows.map((r) => r.externalId),
        rows.map((r) => r.doc),
      ],
    );
    if (inserted.rowCount === rows.length) return { ids: ids.map(String), fresh: ids.map(() => true) };
    // RETURNING names exactly the rows this statement stored; the others were already there.
    const got = new Set(inserted.rows.map((r) => r.id));
    const dupIdx = ids.flatMap((id, i) => (got.has(id) ? [] : [i]));
    const dups = await this.pool.query<{
      id: number;
      host: string;
      ext_id: string;
      ts_ms: number;
      kind: string;
    }>(
      `SELECT id, host, ext_id, ts_ms, kind FROM events WHERE (host, ext_id, ts_ms, kind) IN
         (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]))`,
      [
        dupIdx.map((i) => rows[i]?.host),
        dupIdx.map((i) => rows[i]?.externalId),
        dupIdx.map((i) => rows[i]?.tsMs),
        dupIdx.map((i) => rows[i]?.kind),
      ],
    );
    const key = (host: unknown, ext: unknown, tsMs: unknown, kind: unknown): string =>
      `${host}\u0000${ext}\u0000${tsMs}\u0000${kind}`;
    const byKey = new Map(dups.rows.map((r) => [key(r.host, r.ext_id, r.ts_ms, r.kind), r.id]));
    return {
      ids: ids.map((id, i) => {
        if (got.has(id)) return String(id);
        const r = rows[i];
        return String(byKey.get(key(r?.host, r?.externalId, r?.tsMs, r?.kind)) ?? id);
      }),
      fresh: ids.map((id) => got.has(id)),
    };
  }

  async queryEvents(q: EventQuery): Promise<StoredEvent[]> {
    const w = eventWhere(q, ph);
    const r = await this.pool.query<{ id: number; doc: string; ext_id: string | null }>(
      eventsSelectSql(w, q),
      w.params,
    );
    return r.rows.map((x) => rowToEvent(x.id, x.doc, x.ext_id));
  }

  async countEvents(q: Omit<EventQuery, 'limit' | 'order' | 'afterId'> = {}): Promise<number> {
    const w = eventWhere(q, ph);
    const r = await this.pool.query<{ n: number }>(
      `SELECT COUNT(*)::bigint AS n FROM events ${w.sql}`,
      w.params,
    );
    return r.rows[0]?.n ?? 0;
  }

  // SESSION_UPSERT_CONFLICT (shared.ts) keeps a closed session closed.
  async upsertSessions(sessions: readonly Session[]): Promise<void> {
    // ON CONFLICT cannot touch one row twice in a statement: keep the last version of each id,
    // unless that would reopen a closed one (the same rule as the update's WHERE).
    const last = new Map<string, SessionRow>();
    sessions.forEach((s, i) => {
      const r = sessionRow(s, i);
      const prev = last.get(r.id);
      if (!prev || prev.endMs === null || r.endMs !== null) last.set(r.id, r);
    });
    const rows = [...last.values()];
    if (rows.length === 0) return;
    await this.pool.query(
      `INSERT INTO sessions (id, host, usr, peer, start_ms, end_ms, doc)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[])
       ${SESSION_UPSERT_CONFLICT}`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.host),
        rows.map((r) => r.user),
        rows.map((r) => r.peer),
        rows.map((r) => r.startMs),
        rows.map((r) => r.endMs),
        rows.map((r) => r.doc),
      ],
    );
  }

  async getSession(id: string): Promise<Session | undefined> {
    const r = await this.pool.query<{ doc: string }>(`SELECT doc FROM sessions WHERE id = $1`, [id]);
    const doc = r.rows[0]?.doc;
    return doc === undefined ? undefined : (JSON.parse(doc) as Session);
  }

  async querySessions(q: SessionQuery): Promise<Session[]> {
    const w = sessionWhere(q, ph);
    const r = await this.pool.query<{ doc: string }>(
      `SELECT doc FROM sessions ${w.sql} ORDER BY start_ms NULLS FIRST, id LIMIT ${clampLimit(q.limit)}`,
      w.params,
    );
    return r.rows.map((x) => JSON.parse(x.doc) as Session);
  }

  private async seriesId(metric: string, labels: Record<string, string>): Promise<number> {
    const key = labelsKey(labels);
    const cacheKey = `${metric}\u0000${key}`;
    const hit = this.seriesIds.get(cacheKey);
    if (hit !== undefined) return hit;
    await this.pool.query(`INSERT INTO series (metric, labels) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      metric,
      key,
    ]);
    const r = await this.pool.query<{ id: number }>(
      `SELECT id FROM series WHERE metric = $1 AND labels = $2`,
      [metric, key],
    );
    const id = r.rows[0]?.id;
    if (id === undefined) throw new Error(`series for ${metric} vanished while being created`);
    this.seriesIds.set(cacheKey, id);
    return id;
  }

  async insertSamples(samples: readonly Sample[]): Promise<void> {
    const rows = samples.map((s, i) => {
      if (!Number.isFinite(s.value)) throw new Error(`samples[${i}].value: not a finite number: ${s.value}`);
      return { s, tsMs: toMs(s.ts, `samples[${i}].ts`) };
    });
    if (rows.length === 0) return;
    const sids: number[] = [];
    for (const { s } of rows) sids.push(await this.seriesId(s.metric, s.labels));
    await this.pool.query(
      `INSERT INTO samples (series_id, ts_ms, value) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[])`,
      [sids, rows.map((r) => r.tsMs), rows.map((r) => r.s.value)],
    );
  }

  async querySamples(q: SampleQuery): Promise<SampleSeries[]> {
    const step = q.stepMs ?? 60_000;
    const from = toMs(q.from, 'query.from');
    const to = toMs(q.to, 'query.to');
    const all = await this.pool.query<{ id: number; labels: string }>(
      `SELECT id, labels FROM series WHERE metric = $1`,
      [q.metric],
    );
    const series = new Map<string, { metric: string; labels: Record<string, string> }>();
    for (const s of all.rows) {
      const labels = JSON.parse(s.labels) as Record<string, string>;
      if (labelsMatch(labels, q.labels)) series.set(String(s.id), { metric: q.metric, labels });
    }
    if (series.size === 0) return [];
    const ids = [...series.keys()].map(Number);
    const rows: BucketRow[] = [];
    const raw = `SELECT series_id, ${bucketExpr('ts_ms', '$1::bigint')} AS b, MIN(value) AS mn, MAX(value) AS mx,
      SUM(value) AS sm, COUNT(*) AS cnt FROM samples WHERE series_id = ANY($2) AND ts_ms >= $3 AND ts_ms < $4
      GROUP BY series_id, b`;
    rows.push(...(await this.pool.query<BucketRow>(raw, [step, ids, from, to])).rows);
    for (const t of ['samples_1m', 'samples_1h']) {
      const sql = `SELECT series_id, ${bucketExpr('bucket_ms', '$1::bigint')} AS b, MIN(min) AS mn, MAX(max) AS mx,
        SUM(sum) AS sm, SUM(count) AS cnt FROM ${t} WHERE series_id = ANY($2) AND bucket_ms >= $3 AND bucket_ms < $4
        GROUP BY series_id, b`;
      rows.push(...(await this.pool.query<BucketRow>(sql, [step, ids, from, to])).rows);
    }
    return mergeBuckets(series, rows);
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
