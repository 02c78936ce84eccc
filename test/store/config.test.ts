/**
 * The store's config section and factory: defaults, errors that name the setting, the PostgreSQL
 * password kept out of the URL, and openStore() giving a working store of each driver.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfigText } from '../../src/config/index.js';
import {
  openStore,
  retentionPolicy,
  startRetention,
  StoreConfigError,
  type RetentionReport,
} from '../../src/store/index.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/schema.js';
import { pgTestTarget } from './drivers.js';
import { skipUnlessRequired } from '../helpers/require.js';

describe('store config', () => {
  it('has working defaults: SQLite, synchronous FULL, 30 days of events, tiered samples', () => {
    const cfg = parseConfigText('').store;
    assert.equal(cfg.driver, 'sqlite');
    assert.equal(cfg.synchronous, 'full');
    assert.deepEqual(retentionPolicy(cfg), {
      eventsMs: 30 * 86_400_000,
      sessionsMs: 90 * 86_400_000,
      samplesRawMs: 2 * 86_400_000,
      samples1mMs: 7 * 86_400_000,
      samples1hMs: 90 * 86_400_000,
      alertsMs: 90 * 86_400_000,
      actionsMs: 365 * 86_400_000,
    });
    const custom = parseConfigText(
      'store:\n  retentionDays: 90\n  retention:\n    samples1m: 14d\n    every: 15m\n',
    ).store;
    assert.equal(retentionPolicy(custom).eventsMs, 90 * 86_400_000);
    assert.equal(custom.retention.samples1m, 14 * 86_400_000);
    assert.equal(custom.retention.every, 900_000);
  });

  it('names the setting that is wrong', () => {
    const bad = (text: string, re: RegExp) =>
      assert.throws(
        () => parseConfigText(text, 'p.yaml'),
        (e: unknown) => e instanceof ConfigError && re.test(e.message),
      );
    bad(
      'store:\n  retention:\n    samplesRaw: 2 days\n',
      /store\.retention\.samplesRaw: expected a duration like "2m", got "2 days"/,
    );
    bad('store:\n  synchronous: fast\n', /store\.synchronous: /);
    bad('store:\n  schema: "x; drop table events"\n', /store\.schema: expected a lower-case SQL identifier/);
    bad('store:\n  retention:\n    raw: 1d\n', /store\.retention\.raw: unknown setting/);
  });

  it('openStore: PostgreSQL needs a url; a missing password source is named', async () => {
    const base = parseConfigText('store:\n  driver: postgres\n').store;
    await assert.rejects(
      openStore(base),
      (e: unknown) => e instanceof StoreConfigError && /store\.url: required/.test(e.message),
    );
    const env = parseConfigText(
      'store:\n  driver: postgres\n  url: postgres://u@127.0.0.1:1/db\n  passwordEnv: PPTPMON_TEST_NO_SUCH_VAR\n',
    ).store;
    await assert.rejects(
      openStore(env),
      /store\.passwordEnv: environment variable PPTPMON_TEST_NO_SUCH_VAR is not set/,
    );
    const file = parseConfigText(
      'store:\n  driver: postgres\n  url: postgres://u@127.0.0.1:1/db\n  passwordFile: /nonexistent/pw\n',
    ).store;
    await assert.rejects(openStore(file), /store\.passwordFile: cannot read \/nonexistent\/pw: ENOENT/);
  });

  it('openStore gives a working SQLite store at the configured path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pptpmon-cfg-'));
    try {
      const store = await openStore(parseConfigText(`store:\n  path: ${join(dir, 'sub', 'p.db')}\n`).store);
      assert.equal(store.driver, 'sqlite');
      await store.insertEvents([
        { ts: '2026-11-24T10:00:00Z', host: 'h', kind: 'ppp.start', severity: 'info', attrs: {} },
      ]);
      assert.equal(await store.countEvents(), 1);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('startRetention runs at once, then every store.retention.every, on the given clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pptpmon-cfg-'));
    try {
      const cfg = parseConfigText(
        `store:\n  path: ${join(dir, 'r.db')}\n  retentionDays: 30\n  retention:\n    every: 10m\n`,
      ).store;
      const store = await openStore(cfg);
      await store.insertEvents([
        { ts: '2026-10-01T00:00:00Z', host: 'h', kind: 'ppp.start', severity: 'info', attrs: {} },
      ]);
      const delays: number[] = [];
      const reports: RetentionReport[] = [];
      const clock = {
        now: () => new Date('2026-11-24T00:00:00Z'),
        setTimeout: (_fn: () => void, ms: number) => delays.push(ms),
        clearTimeout: () => undefined,
      };
      const sched = startRetention(store, cfg, { clock, onReport: (r) => reports.push(r) });
      await sched.runOnce();
      await new Promise((r) => setImmediate(r));
      assert.equal(reports[0]?.events, 1, 'the 54-day-old event went on the first pass');
      assert.deepEqual(delays, [600_000]);
      await sched.stop();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const target = pgTestTarget();
  it(
    'openStore gives a working PostgreSQL store, password from the environment',
    { skip: skipUnlessRequired('pg', typeof target === 'string' ? target : undefined) },
    async () => {
      if (typeof target === 'string') throw new Error(target); // PPTPMON_REQUIRE=pg
      process.env.PPTPMON_TEST_PG_PW = target.password ?? '';
      const schema = `cfg_${process.pid}`;
      const store = await openStore(
        parseConfigText(
          `store:\n  driver: postgres\n  url: ${target.url}\n  schema: ${schema}\n  passwordEnv: PPTPMON_TEST_PG_PW\n`,
        ).store,
      );
      try {
        assert.equal(store.driver, 'postgres');
        assert.equal(await store.schemaVersion(), POSTGRES_MIGRATIONS.at(-1)?.version);
        // A wrong password is refused by the server: proof the password really travels this way.
        process.env.PPTPMON_TEST_PG_PW = 'wrong';
        await assert.rejects(
          openStore(
            parseConfigText(
              `store:\n  driver: postgres\n  url: ${target.url}\n  schema: ${schema}\n  passwordEnv: PPTPMON_TEST_PG_PW\n`,
            ).store,
          ),
          /password authentication failed/,
        );
      } finally {
        // Drop the schema through the store's own connection (search_path is the schema).
        const pgStore = store as unknown as { pool: { query(sql: string): Promise<unknown> } };
        await pgStore.pool.query(`DROP SCHEMA ${schema} CASCADE`);
        await store.close();
        delete process.env.PPTPMON_TEST_PG_PW;
      }
    },
  );
});
