/**
 * The schema of both drivers as versioned migrations, written once: the tables and indexes are the
 * same, only column types and a few statements are dialect-specific (named below). Each migration
 * runs once, inside one transaction together with its row in `schema_migrations`, so a crash
 * mid-migration leaves the previous version intact. Append new migrations; never change what an
 * applied one does (v1 and v2 here produce exactly the statements the separate sqlite-schema.ts /
 * postgres-schema.ts of earlier versions did).
 */
import { GENESIS_HASH } from './audit.js';
import type { Migration } from './migrations.js';

export type Dialect = 'sqlite' | 'postgres';

interface Types {
  /** Auto-assigned 64-bit row id. */
  id: string;
  /** 64-bit integer (ms since the epoch, counts, references to ids). */
  int: string;
  real: string;
  /** The single-row audit_head's key. */
  smallKey: string;
}

const TYPES: Record<Dialect, Types> = {
  sqlite: { id: 'INTEGER PRIMARY KEY AUTOINCREMENT', int: 'INTEGER', real: 'REAL', smallKey: 'INTEGER' },
  postgres: { id: 'BIGSERIAL PRIMARY KEY', int: 'BIGINT', real: 'DOUBLE PRECISION', smallKey: 'INT' },
};

function rollupTable(name: string, t: Types): string {
  return `CREATE TABLE ${name} (
        series_id ${t.int} NOT NULL, bucket_ms ${t.int} NOT NULL,
        min ${t.real} NOT NULL, max ${t.real} NOT NULL, sum ${t.real} NOT NULL, count ${t.int} NOT NULL,
        PRIMARY KEY (series_id, bucket_ms)
      )`;
}

function initial(d: Dialect): string[] {
  const t = TYPES[d];
  const common = [
    `CREATE TABLE events (
        id ${t.id},
        ts_ms ${t.int} NOT NULL,
        kind TEXT NOT NULL,
        host TEXT NOT NULL,
        severity TEXT NOT NULL,
        session TEXT,
        usr TEXT,
        peer TEXT,
        ext_id TEXT,
        doc TEXT NOT NULL
      )`,
    `CREATE INDEX events_ts ON events (ts_ms)`,
    `CREATE INDEX events_kind_ts ON events (kind, ts_ms)`,
    `CREATE INDEX events_host_ts ON events (host, ts_ms)`,
    `CREATE INDEX events_session ON events (session) WHERE session IS NOT NULL`,
    `CREATE INDEX events_usr_ts ON events (usr, ts_ms) WHERE usr IS NOT NULL`,
    `CREATE INDEX events_peer_ts ON events (peer, ts_ms) WHERE peer IS NOT NULL`,
    // An agent replaying its spool resends events with the id it gave them: store them once.
    `CREATE UNIQUE INDEX events_ext ON events (host, ext_id)`,
    `CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        usr TEXT,
        peer TEXT,
        start_ms ${t.int},
        end_ms ${t.int},
        doc TEXT NOT NULL
      )`,
    `CREATE INDEX sessions_start ON sessions (start_ms)`,
    `CREATE INDEX sessions_end ON sessions (end_ms)`,
    `CREATE INDEX sessions_usr ON sessions (usr)`,
    `CREATE INDEX sessions_peer ON sessions (peer)`,
    `CREATE TABLE series (
        id ${t.id},
        metric TEXT NOT NULL,
        labels TEXT NOT NULL,
        UNIQUE (metric, labels)
      )`,
    `CREATE TABLE samples (series_id ${t.int} NOT NULL, ts_ms ${t.int} NOT NULL, value ${t.real} NOT NULL)`,
    `CREATE INDEX samples_series_ts ON samples (series_id, ts_ms)`,
    rollupTable('samples_1m', t),
    rollupTable('samples_1h', t),
    `CREATE TABLE alerts (
        id ${t.id},
        fingerprint TEXT NOT NULL,
        starts_ms ${t.int} NOT NULL,
        ends_ms ${t.int},
        rule TEXT NOT NULL,
        status TEXT NOT NULL,
        updated_ms ${t.int} NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (fingerprint, starts_ms)
      )`,
    `CREATE INDEX alerts_status ON alerts (status)`,
    `CREATE INDEX alerts_ends ON alerts (ends_ms)`,
    `CREATE TABLE silences (
        id ${t.id},
        starts_ms ${t.int} NOT NULL,
        ends_ms ${t.int},
        doc TEXT NOT NULL
      )`,
    `CREATE TABLE acks (
        id ${t.id},
        fingerprint TEXT NOT NULL,
        ts_ms ${t.int} NOT NULL,
        doc TEXT NOT NULL
      )`,
    `CREATE INDEX acks_fp ON acks (fingerprint, ts_ms)`,
    `CREATE TABLE actions (
        id ${t.id},
        ts_ms ${t.int} NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        doc TEXT NOT NULL
      )`,
    `CREATE INDEX actions_ts ON actions (ts_ms)`,
    `CREATE TABLE audit (
        seq ${t.int} PRIMARY KEY,
        ts TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      )`,
    `CREATE TABLE audit_head (id ${t.smallKey} PRIMARY KEY CHECK (id = 1), seq ${t.int} NOT NULL, hash TEXT NOT NULL)`,
  ];
  // Append-only by construction: the store never updates or deletes audit rows. Someone with
  // write access to the database can drop these triggers; the hash chain is what catches that.
  if (d === 'sqlite') {
    return [
      ...common,
      `CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END`,
      `CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END`,
    ];
  }
  return [
    ...common,
    // PostgreSQL appenders lock the head row (SELECT ... FOR UPDATE), so it exists from the start;
    // SQLite's writer lock serialises appenders and the row is created by the first append.
    `INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}')`,
    `CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit is append-only'; END $$`,
    `CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()`,
  ];
}

function migrations(d: Dialect): Migration[] {
  return [
    { version: 1, name: 'initial schema', statements: initial(d) },
    {
      version: 2,
      name:
        d === 'sqlite'
          ? 'events: dedup key includes time and kind; no host index'
          : 'events: dedup key includes time and kind',
      statements: [
        // v1 deduplicated on (host, ext_id) alone, but log events carry `file:line` ids, which repeat
        // after log rotation: a rotated syslog's line 17 is a new event. The same producer id at the
        // same time with the same kind is the same observation (an agent resending its spool).
        `DROP INDEX events_ext`,
        `CREATE UNIQUE INDEX events_ext ON events (host, ext_id, ts_ms, kind) WHERE ext_id IS NOT NULL`,
        // One SQLite store serves one host (`pptpmon run`): a host index costs every insert and
        // selects nothing; host filters ride on the time index. A fleet's PostgreSQL keeps it.
        ...(d === 'sqlite' ? [`DROP INDEX events_host_ts`] : []),
      ],
    },
    {
      version: 3,
      name: 'events: no user and peer indexes',
      statements: [
        // Nothing in pptpmon reads events by user or peer (rules keep their own state, enrichment
        // comes from the rules' evidence, the API lists sessions, which keep these indexes), yet
        // these two were most of the ingest cost: their keys are scattered, so a batch of 1,000
        // events dirtied hundreds of index pages (bench/store/ingest.bench.ts, SQLite, batch 1000:
        // 58k -> 88k events per CPU-second). queryEvents({user}) / ({peer}) still work, on the time index
        // when a range is given (test/store/store.test.ts checks the plan), else by a scan.
        // IF EXISTS: a database whose v1 indexes were dropped by hand still upgrades.
        `DROP INDEX IF EXISTS events_usr_ts`,
        `DROP INDEX IF EXISTS events_peer_ts`,
      ],
    },
  ];
}

export const SQLITE_MIGRATIONS: readonly Migration[] = migrations('sqlite');
export const POSTGRES_MIGRATIONS: readonly Migration[] = migrations('postgres');
