// Scheduled probes from the `probes` config section: config errors name their path, secrets resolve
// from files/env, the scheduler publishes probe events, re-arms with an injected timer, never overlaps
// runs of one target, and stops cleanly. Probes run for real against a loopback RFC 2637 responder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { Event } from '../../src/events/index.js';
import { MemoryStateStore } from '../../src/probes/index.js';
import {
  ProbeScheduler,
  probesSection,
  resolveTargets,
  type SchedulerDeps,
} from '../../src/probes/schedule.js';
import { ControlServers, answerControl, sccrp } from '../helpers/pptp-server.js';

let port = 0;
const servers = new ControlServers();
before(async () => {
  port = await servers.start((s, m) => answerControl(s, m, sccrp({ framingCaps: 0, bearerCaps: 0 })));
});
after(() => servers.closeAll());

function deps(
  published: Event[],
  timers: Array<{ fn: () => void; ms: number }>,
  extra: Partial<SchedulerDeps> = {},
): SchedulerDeps {
  return {
    publish: (ev) => published.push(ev),
    host: 'agent-1',
    state: new MemoryStateStore(),
    now: () => performance.now(),
    wallClock: () => new Date(),
    env: {},
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => undefined,
    ...extra,
  };
}

test('config errors are collected, each with its config path', async () => {
  const cfg = probesSection.parse({
    targets: [
      { host: 'a', checks: ['tcp', 'bogus'] },
      { host: 'b', checks: ['radius'], user: 'u', passwordEnv: 'NOPE_PW', radius: { method: 'pap' } },
      {
        host: 'c',
        checks: ['ldap'],
        ldap: { url: 'ldap://c', bindDn: 'cn=x', passwordFile: '/nonexistent/pw' },
      },
    ],
  });
  await assert.rejects(resolveTargets(cfg, deps([], [])), (err: Error) => {
    assert.match(err.message, /probes\.targets\[0\]\.checks\[1\]: unknown check "bogus"/);
    assert.match(err.message, /probes\.targets\[1\]\.passwordEnv: environment variable NOPE_PW is not set/);
    assert.match(err.message, /probes\.targets\[1\]\.radius: needs secretFile or secretEnv/);
    assert.match(
      err.message,
      /probes\.targets\[2\]\.ldap\.passwordFile: cannot read \/nonexistent\/pw: ENOENT/,
    );
    return true;
  });
  assert.throws(
    () => probesSection.parse({ targets: [{ host: 'x', every: '1 minute' }] }),
    /expected a duration/,
  );
});

test('secrets resolve from env and files into the contexts', async () => {
  const cfg = probesSection.parse({
    vantage: 'branch-7',
    targets: [
      {
        host: 'vpn',
        checks: ['tcp', 'radius'],
        user: 'probe',
        passwordEnv: 'PW',
        radius: { secretFile: '/etc/secret', method: 'mschapv2' },
      },
    ],
  });
  const [ctx] = await resolveTargets(
    cfg,
    deps([], [], {
      env: { PW: 'env-pw' },
      readSecretFile: async (f) => (f === '/etc/secret' ? 'file-secret' : ''),
    }),
  );
  assert.equal(ctx?.vantage, 'branch-7');
  assert.deepEqual(ctx?.credentials, { user: 'probe', password: 'env-pw' });
  assert.equal(ctx?.radius?.secret, 'file-secret');
  assert.equal(ctx?.radius?.server, 'vpn');
});

test('scheduler: runs at start, publishes probe events, re-arms after each run, no overlap, stops', async () => {
  const published: Event[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const cfg = probesSection.parse({
    targets: [{ host: '127.0.0.1', port, checks: ['tcp', 'control'], every: '30s', timeout: '2s' }],
  });
  const sched = await ProbeScheduler.create(cfg, deps(published, timers));
  sched.start();
  // A second run while the first is in flight is skipped, not stacked.
  assert.equal(await sched.runOnce(0), undefined);
  await waitFor(() => timers.length === 1);
  assert.deepEqual(
    published.map((e) => e.kind),
    ['probe.tcp', 'probe.control'],
  );
  assert.ok(published.every((e) => e.host === 'agent-1' && e.severity === 'info'));
  assert.equal(timers[0]?.ms, 30_000);
  timers[0]?.fn();
  await waitFor(() => timers.length === 2);
  assert.equal(published.length, 4);
  await sched.stop();
  timers[1]?.fn();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(published.length, 4, 'no run after stop');
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('the probes section is part of pptpmon.yaml (configSchema), with defaults and strict keys', async () => {
  const { configSchema } = await import('../../src/config/schema.js');
  assert.deepEqual(configSchema.parse({}).probes, { targets: [] });
  const c = configSchema.parse({
    probes: { vantage: 'v', targets: [{ host: 'vpn', checks: ['tcp'], every: '2m' }] },
  });
  assert.equal(c.probes.targets[0]?.every, 120_000);
  assert.throws(
    () => configSchema.parse({ probes: { targets: [{ host: 'vpn', password: 'inline' }] } }),
    /password/,
  );
});
