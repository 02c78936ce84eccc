/**
 * PostgreSQL schema as versioned migrations (the same tables as sqlite-schema.ts). Each runs once, inside one transaction together with its row
 * in `schema_migrations`, so a crash mid-migration leaves the previous version intact. Append new
 * migrations; never edit an applied one.
 */
import type { Migration } from './migrations.js';
import { GENESIS_HASH } from './audit.js';

export const POSTGRES_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: [
      `CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        ts_ms BIGINT NOT NULL,
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
        start_ms BIGINT,
        end_ms BIGINT,
        doc TEXT NOT NULL
      )`,
      `CREATE INDEX sessions_start ON sessions (start_ms)`,
      `CREATE INDEX sessions_end ON sessions (end_ms)`,
      `CREATE INDEX sessions_usr ON sessions (usr)`,
      `CREATE INDEX sessions_peer ON sessions (peer)`,
      `CREATE TABLE series (
        id BIGSERIAL PRIMARY KEY,
        metric TEXT NOT NULL,
        labels TEXT NOT NULL,
        UNIQUE (metric, labels)
      )`,
      `CREATE TABLE samples (series_id BIGINT NOT NULL, ts_ms BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL)`,
      `CREATE INDEX samples_series_ts ON samples (series_id, ts_ms)`,
      `CREATE TABLE samples_1m (
        series_id BIGINT NOT NULL, bucket_ms BIGINT NOT NULL,
        min DOUBLE PRECISION NOT NULL, max DOUBLE PRECISION NOT NULL, sum DOUBLE PRECISION NOT NULL, count BIGINT NOT NULL,
        PRIMARY KEY (series_id, bucket_ms)
      )`,
      `CREATE TABLE samples_1h (
        series_id BIGINT NOT NULL, bucket_ms BIGINT NOT NULL,
        min DOUBLE PRECISION NOT NULL, max DOUBLE PRECISION NOT NULL, sum DOUBLE PRECISION NOT NULL, count BIGINT NOT NULL,
        PRIMARY KEY (series_id, bucket_ms)
      )`,
      `CREATE TABLE alerts (
        id BIGSERIAL PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        starts_ms BIGINT NOT NULL,
        ends_ms BIGINT,
        rule TEXT NOT NULL,
        status TEXT NOT NULL,
        updated_ms BIGINT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (fingerprint, starts_ms)
      )`,
      `CREATE INDEX alerts_status ON alerts (status)`,
      `CREATE INDEX alerts_ends ON alerts (ends_ms)`,
      `CREATE TABLE silences (
        id BIGSERIAL PRIMARY KEY,
        starts_ms BIGINT NOT NULL,
        ends_ms BIGINT,
        doc TEXT NOT NULL
      )`,
      `CREATE TABLE acks (
        id BIGSERIAL PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        ts_ms BIGINT NOT NULL,
        doc TEXT NOT NULL
      )`,
      `CREATE INDEX acks_fp ON acks (fingerprint, ts_ms)`,
      `CREATE TABLE actions (
        id BIGSERIAL PRIMARY KEY,
        ts_ms BIGINT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        doc TEXT NOT NULL
      )`,
      `CREATE INDEX actions_ts ON actions (ts_ms)`,
      `CREATE TABLE audit (
        seq BIGINT PRIMARY KEY,
        ts TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      )`,
      `CREATE TABLE audit_head (id INT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL)`,
      // The head row exists from the start so appenders can lock it (SELECT ... FOR UPDATE).
      `INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}')`,
      // Append-only by construction: the store never updates or deletes audit rows. Someone with
      // write access to the file can drop these triggers; the hash chain is what catches that.
      `CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit is append-only'; END $$`,
      `CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()`,
    ],
  },
  {
    version: 2,
    name: 'events: dedup key includes time and kind',
    statements: [
      // See sqlite-schema.ts v2: `file:line` ids repeat after log rotation.
      `DROP INDEX events_ext`,
      `CREATE UNIQUE INDEX events_ext ON events (host, ext_id, ts_ms, kind) WHERE ext_id IS NOT NULL`,
    ],
  },
];
