/**
 * The two real drivers the store suite runs against: SQLite in a temp dir, and PostgreSQL from the
 * private cluster scripts/test.d/20-postgres.sh starts (each test store gets its own schema, dropped
 * afterwards). Other areas (rules, alerts, agent) may use `storeDrivers()` to test persistence too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SqliteStore } from '../../src/store/sqlite.js';
import { PostgresStore, withPassword } from '../../src/store/postgres.js';
import type { Store } from '../../src/store/types.js';
import { skipUnlessRequired } from '../helpers/require.js';

export const PG_DIR = process.env.PPTPMON_PG_DIR ?? '/var/tmp/pptpmon-pg';

export interface PgTarget {
  url: string;
  password?: string;
}

let pgTarget: PgTarget | string | undefined;

function readTarget(): PgTarget | undefined {
  if (process.env.PPTPMON_PG_URL) {
    const t: PgTarget = { url: process.env.PPTPMON_PG_URL };
    if (process.env.PPTPMON_PG_PASSWORD) t.password = process.env.PPTPMON_PG_PASSWORD;
    return t;
  }
  const urlFile = join(PG_DIR, 'url');
  if (!existsSync(urlFile)) return undefined;
  const t: PgTarget = { url: readFileSync(urlFile, 'utf8').trim() };
  const pw = join(PG_DIR, 'password');
  if (existsSync(pw)) t.password = readFileSync(pw, 'utf8').trim();
  return t;
}

/** The cluster answers (it may be down after a reboot although its url file is still there). */
function reachable(url: string): boolean {
  const u = new URL(url);
  try {
    execFileSync('pg_isready', ['-q', '-h', u.hostname, '-p', u.port || '5432', '-t', '3'], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the test PostgreSQL is, or why there is none. Runs the setup hook once if the cluster was
 * never set up (a developer running one test file without scripts/test.sh).
 */
export function pgTestTarget(): PgTarget | string {
  if (pgTarget !== undefined) return pgTarget;
  let t = readTarget();
  let out = '';
  if (!t || !reachable(t.url)) {
    try {
      out = execFileSync('bash', [join(import.meta.dirname, '../../scripts/test.d/20-postgres.sh')], {
        stdio: 'pipe',
        timeout: 120_000,
      }).toString();
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      pgTarget = `PostgreSQL unavailable: scripts/test.d/20-postgres.sh failed: ${e.stderr?.toString().trim() || e.message}`;
      return pgTarget;
    }
    t = readTarget();
  }
  const why = /unavailable: (.*)/.exec(out)?.[1];
  pgTarget =
    t ??
    `PostgreSQL unavailable: ${why ?? `no ${join(PG_DIR, 'url')} after running scripts/test.d/20-postgres.sh`}`;
  return pgTarget;
}

export interface TestStore {
  store: Store;
  /** Runs SQL directly against the same database (for tampering tests); `?` placeholders. */
  raw(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Opens a second Store on the same data (reopen / second process view). */
  reopen(): Promise<Store>;
  /** Options a child process needs to open the same store: JSON. */
  spec:
    | { driver: 'sqlite'; path: string }
    | { driver: 'postgres'; url: string; password?: string; schema: string };
  cleanup(): Promise<void>;
}

export interface Driver {
  name: 'sqlite' | 'postgres';
  /** Set when the driver cannot run here: the test skips saying this. */
  skip?: string;
  open(): Promise<TestStore>;
}

let counter = 0;

function toPgParams(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function storeDrivers(): Driver[] {
  const sqlite: Driver = {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'pptpmon-store-'));
      const path = join(dir, 'store.db');
      const stores: Store[] = [new SqliteStore({ path })];
      const first = stores[0] as SqliteStore;
      return {
        store: first,
        spec: { driver: 'sqlite', path },
        async raw(sql, params = []) {
          const st = first.db.prepare(sql);
          if (st.reader) return st.all(...params) as Record<string, unknown>[];
          st.run(...params);
          return [];
        },
        async reopen() {
          const s = new SqliteStore({ path });
          stores.push(s);
          return s;
        },
        async cleanup() {
          for (const s of stores) await s.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
  const target = pgTestTarget();
  const postgres: Driver = {
    name: 'postgres',
    // PPTPMON_REQUIRE=pg: no skip, so every test runs and fails in open() with the reason.
    ...(typeof target === 'string' && skipUnlessRequired('pg', target) ? { skip: target } : {}),
    async open() {
      if (typeof target === 'string') throw new Error(target);
      const schema = `t_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e6)}`;
      const opts = {
        url: target.url,
        schema,
        ...(target.password !== undefined ? { password: target.password } : {}),
      };
      const stores: Store[] = [await PostgresStore.open(opts)];
      const admin = new pg.Client({
        connectionString: withPassword(target.url, target.password),
        options: `-c search_path=${schema}`,
      });
      await admin.connect();
      return {
        store: stores[0] as Store,
        spec: { driver: 'postgres', ...opts },
        async raw(sql, params = []) {
          return (await admin.query(toPgParams(sql), params)).rows as Record<string, unknown>[];
        },
        async reopen() {
          const s = await PostgresStore.open(opts);
          stores.push(s);
          return s;
        },
        async cleanup() {
          for (const s of stores) await s.close();
          await admin.query(`DROP SCHEMA ${schema} CASCADE`);
          await admin.end();
        },
      };
    },
  };
  return [sqlite, postgres];
}
