/**
 * SQLite schema as versioned migrations. Each runs once, inside one transaction together with its row
 * in `schema_migrations`, so a crash mid-migration leaves the previous version intact. Append new
 * migrations; never edit an applied one.
 */
import type { Migration } from './migrations.js';

export const SQLITE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: [
      `CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
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
        start_ms INTEGER,
        end_ms INTEGER,
        doc TEXT NOT NULL
      )`,
      `CREATE INDEX sessions_start ON sessions (start_ms)`,
      `CREATE INDEX sessions_end ON sessions (end_ms)`,
      `CREATE INDEX sessions_usr ON sessions (usr)`,
      `CREATE INDEX sessions_peer ON sessions (peer)`,
      `CREATE TABLE series (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        metric TEXT NOT NULL,
        labels TEXT NOT NULL,
        UNIQUE (metric, labels)
      )`,
      `CREATE TABLE samples (series_id INTEGER NOT NULL, ts_ms INTEGER NOT NULL, value REAL NOT NULL)`,
      `CREATE INDEX samples_series_ts ON samples (series_id, ts_ms)`,
      `CREATE TABLE samples_1m (
        series_id INTEGER NOT NULL, bucket_ms INTEGER NOT NULL,
        min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (series_id, bucket_ms)
      )`,
      `CREATE TABLE samples_1h (
        series_id INTEGER NOT NULL, bucket_ms INTEGER NOT NULL,
        min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (series_id, bucket_ms)
      )`,
      `CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        fingerprint TEXT NOT NULL,
        starts_ms INTEGER NOT NULL,
        ends_ms INTEGER,
        rule TEXT NOT NULL,
        status TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (fingerprint, starts_ms)
      )`,
      `CREATE INDEX alerts_status ON alerts (status)`,
      `CREATE INDEX alerts_ends ON alerts (ends_ms)`,
      `CREATE TABLE silences (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        starts_ms INTEGER NOT NULL,
        ends_ms INTEGER,
        doc TEXT NOT NULL
      )`,
      `CREATE TABLE acks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        fingerprint TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        doc TEXT NOT NULL
      )`,
      `CREATE INDEX acks_fp ON acks (fingerprint, ts_ms)`,
      `CREATE TABLE actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        doc TEXT NOT NULL
      )`,
      `CREATE INDEX actions_ts ON actions (ts_ms)`,
      `CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      )`,
      `CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)`,
      // Append-only by construction: the store never updates or deletes audit rows. Someone with
      // write access to the file can drop these triggers; the hash chain is what catches that.
      `CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END`,
      `CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END`,
    ],
  },
  {
    version: 2,
    name: 'events: dedup key includes time and kind; no host index',
    statements: [
      // v1 deduplicated on (host, ext_id) alone, but log events carry `file:line` ids, which repeat
      // after log rotation: a rotated syslog's line 17 is a new event. The same producer id at the
      // same time with the same kind is the same observation (an agent resending its spool).
      `DROP INDEX events_ext`,
      `CREATE UNIQUE INDEX events_ext ON events (host, ext_id, ts_ms, kind) WHERE ext_id IS NOT NULL`,
      // One SQLite store serves one host (`pptpmon run`): a host index costs every insert and
      // selects nothing; host filters ride on the time index.
      `DROP INDEX events_host_ts`,
    ],
  },
];
