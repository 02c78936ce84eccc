/**
 * `openStore(config.store)`: the one way the rest of pptpmon gets a Store. PostgreSQL is imported only
 * when configured, so the embedded default does not load `pg`.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/index.js';
import { SqliteStore } from './sqlite.js';
import { RetentionScheduler, type RetentionClock } from './retention.js';
import type { RetentionPolicy, RetentionReport, Store } from './types.js';

export type StoreConfig = Config['store'];

export class StoreConfigError extends Error {
  constructor(message: string) {
    super(`bad store config: ${message}`);
    this.name = 'StoreConfigError';
  }
}

/** Reads the PostgreSQL password from a file or the environment, never from the URL in the config. */
export async function resolvePassword(cfg: StoreConfig): Promise<string | undefined> {
  if (cfg.passwordFile !== undefined) {
    try {
      return (await readFile(cfg.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw new StoreConfigError(
        `store.passwordFile: cannot read ${cfg.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  if (cfg.passwordEnv !== undefined) {
    const v = process.env[cfg.passwordEnv];
    if (v === undefined)
      throw new StoreConfigError(`store.passwordEnv: environment variable ${cfg.passwordEnv} is not set`);
    return v;
  }
  return undefined;
}

export interface OpenOptions {
  /** Fail instead of creating a new, empty SQLite database (for inspection tools). */
  mustExist?: boolean;
}

export async function openStore(cfg: StoreConfig, opts: OpenOptions = {}): Promise<Store> {
  if (cfg.driver === 'sqlite') {
    return new SqliteStore({
      path: cfg.path,
      synchronous: cfg.synchronous,
      mustExist: opts.mustExist ?? false,
    });
  }
  if (cfg.url === undefined) throw new StoreConfigError('store.url: required when store.driver is postgres');
  const { PostgresStore } = await import('./postgres.js');
  const password = await resolvePassword(cfg);
  return PostgresStore.open({
    url: cfg.url,
    schema: cfg.schema,
    ...(password !== undefined ? { password } : {}),
  });
}

export function retentionPolicy(cfg: StoreConfig): RetentionPolicy {
  const r = cfg.retention;
  return {
    eventsMs: cfg.retentionDays * 86_400_000,
    sessionsMs: r.sessions,
    samplesRawMs: r.samplesRaw,
    samples1mMs: r.samples1m,
    samples1hMs: r.samples1h,
    alertsMs: r.alerts,
    actionsMs: r.actions,
  };
}

/**
 * Starts retention for `pptpmon run` / `pptpmon server` as configured (`store.retentionDays`,
 * `store.retention.*`): one pass now, then every `store.retention.every`. Stop it on shutdown.
 */
export function startRetention(
  store: Store,
  cfg: StoreConfig,
  hooks: {
    onReport?: (r: RetentionReport) => void;
    onError?: (err: unknown) => void;
    clock?: RetentionClock;
  } = {},
): RetentionScheduler {
  const s = new RetentionScheduler({
    store,
    policy: retentionPolicy(cfg),
    everyMs: cfg.retention.every,
    ...hooks,
  });
  s.start();
  return s;
}
