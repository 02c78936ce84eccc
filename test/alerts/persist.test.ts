/**
 * Alert persistence through the real stores (SQLite file, and PostgreSQL from the store's test
 * cluster): state mirrored as it changes, and a restart that restores firing alerts, silences and
 * acknowledgements - no duplicate page, no forgotten silence, no re-escalation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlertManager,
  AlertPersistence,
  parseAlertPolicy,
  parseMatcher,
  type Notification,
} from '../../src/alerts/index.js';
import { storeDrivers } from '../store/drivers.js';
import { MIN, T0, run, tr } from './helpers.js';

const POLICY = {
  groupWait: '0s',
  repeatInterval: '24h',
  routes: [
    {
      match: ['alertname="pptpd-down"'],
      chain: [{ receiver: 'oncall' }, { receiver: 'lead', after: '15m' }],
    },
  ],
};

function manager(sent: Notification[]): AlertManager {
  return new AlertManager(parseAlertPolicy(POLICY), (n) => sent.push(n));
}

for (const driver of storeDrivers()) {
  test(`alerts, silences and acks survive a restart (${driver.name})`, { skip: driver.skip }, async () => {
    const ts = await driver.open();
    try {
      const sent: Notification[] = [];
      const am = manager(sent);
      const errors: unknown[] = [];
      const p = new AlertPersistence(ts.store, am, (e) => errors.push(e));
      p.attach();
      am.receive([tr('pptpd-down', 'firing', T0, { summary: 'pptpd down, password=hunter2' })]);
      am.receive([tr('cpu-high', 'firing', T0, { severity: 'warning' })]);
      am.tick(T0);
      assert.equal(sent.length, 2);
      const fp = sent.find((n) => n.root.rule === 'pptpd-down')?.groupKey ?? '';
      assert.ok(await p.acknowledge(fp, 'alice', T0 + 5 * MIN, { comment: 'on it' }));
      const silence = await p.addSilence(
        {
          matchers: [parseMatcher('alertname="nic-rx-errors"')],
          startsAt: new Date(T0).toISOString(),
          schedule: { cron: '0 3 * * *', timezone: 'Europe/Berlin', durationMs: 30 * MIN },
          createdBy: 'bob',
          createdAt: new Date(T0).toISOString(),
          comment: 'nightly switch reboot',
        },
        T0,
      );
      am.receive([tr('cpu-high', 'resolved', T0 + 6 * MIN)]);
      am.tick(T0 + 6 * MIN);
      await p.flush();
      assert.deepEqual(errors, []);

      const stored = await ts.store.queryAlerts({});
      const byRule = new Map(stored.map((a) => [a.rule, a]));
      assert.equal(byRule.get('pptpd-down')?.status, 'firing');
      assert.equal(byRule.get('pptpd-down')?.annotations.summary, 'pptpd down, password=<redacted>');
      assert.equal(byRule.get('cpu-high')?.status, 'resolved');
      assert.equal(byRule.get('cpu-high')?.endsAt, new Date(T0 + 6 * MIN).toISOString());
      const audit = (await ts.store.readAudit()).map((r) => `${r.action}:${r.actor}`);
      assert.deepEqual(audit, ['ack.add:alice', 'silence.add:bob']);

      // Restart: a new manager on a reopened store.
      const sent2: Notification[] = [];
      const am2 = manager(sent2);
      const store2 = await ts.reopen();
      const p2 = new AlertPersistence(store2, am2);
      const report = await p2.load(T0 + 10 * MIN);
      assert.deepEqual(report, { alerts: 1, silences: 1, acks: 1 });
      p2.attach();
      // The rule engine (restarted too) finds pptpd still down and says so again.
      am2.receive([tr('pptpd-down', 'firing', T0 + 10 * MIN)]);
      am2.receive([tr('nic-rx-errors', 'firing', at('2026-11-25T02:10:00Z'), { severity: 'warning' })]);
      run(am2, T0 + 10 * MIN, T0 + 60 * MIN, MIN);
      assert.equal(sent2.length, 0, 'no duplicate page, and acknowledged: no escalation to lead at 15m');
      am2.tick(at('2026-11-25T02:10:00Z'));
      assert.equal(sent2.length, 0, 'inside the restored nightly window (03:00-03:30 CET)');
      am2.tick(at('2026-11-25T02:30:00Z'));
      assert.deepEqual(
        sent2.map((n) => n.root.rule),
        ['nic-rx-errors'],
        'window over',
      );
      assert.ok(await p2.expireSilence(silence.id, 'bob', at('2026-11-25T02:31:00Z')));
      await p2.flush();
      assert.equal((await store2.silences(new Date(at('2026-11-25T02:32:00Z')).toISOString())).length, 0);
    } finally {
      await ts.cleanup();
    }
  });
}

function at(iso: string): number {
  return Date.parse(iso);
}
