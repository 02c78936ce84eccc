/**
 * pptpmon_log_copies_dropped_total on /metrics of a real `pptpmon run` and a real `pptpmon agent`:
 * pppd writes each message to syslog and to its `logfile` (ppp.log); the follower keeps the syslog copy
 * and drops the logfile one (src/logs/follow/dedup.ts), and the count of dropped copies is exported.
 * Both commands also say they follow logread (a stand-in `logread -f` that prints nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnCli, type CliProcess } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'copies-metric-token-0123456789';
const SAMPLE = readFileSync(new URL('../../samples/ppp-server.log', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .slice(0, 30);

function setup(t: { after: (fn: () => void) => void }): {
  dir: string;
  ppp: string;
  sys: string;
  logread: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-copies-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logread = join(dir, 'logread');
  writeFileSync(logread, '#!/bin/sh\nexec sleep 600\n');
  chmodSync(logread, 0o755);
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  return { dir, ppp: join(dir, 'ppp.log'), sys: join(dir, 'syslog'), logread };
}

/** pppd with `logfile`: it opens (creates) its logfile at start; each message to syslog, then to it. */
function pppd(ppp: string, sys: string): void {
  const lf = openSync(ppp, 'a');
  const rs = openSync(sys, 'a');
  for (const m of SAMPLE) {
    writeSync(rs, `Nov 24 10:00:00 vpn pppd[139]: ${m}\n`);
    writeSync(lf, `${m}\n`);
  }
  closeSync(lf);
  closeSync(rs);
}

async function dropped(url: string): Promise<number | undefined> {
  const text = await (await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  const m = /^pptpmon_log_copies_dropped_total (\d+)$/m.exec(text);
  return m && Number(m[1]) === SAMPLE.length ? Number(m[1]) : undefined;
}

function stop(p: CliProcess): Promise<unknown> {
  p.child.kill('SIGTERM');
  return new Promise((r) => p.child.once('exit', r));
}

const logs = (s: { ppp: string; sys: string; logread: string }): Record<string, unknown> => ({
  defaults: false,
  files: [s.ppp, s.sys],
  journald: false,
  logread: true,
  logreadPath: s.logread,
});

test('pptpmon run: dropped logfile copies counted on /metrics; "and logread" announced', async (t) => {
  const s = setup(t);
  const port = await freePort();
  writeFileSync(
    join(s.dir, 'pptpmon.yaml'),
    JSON.stringify({
      host: 'vpn-test',
      logs: logs(s),
      server: { listen: `127.0.0.1:${port}`, tokenFile: join(s.dir, 'token') },
      store: { path: join(s.dir, 'pptpmon.db') },
      agent: { stateDir: join(s.dir, 'state'), collectors: { 'config-drift': { enabled: false } } },
    }),
  );
  const run = spawnCli(['run', '-c', join(s.dir, 'pptpmon.yaml')]);
  t.after(() => run.child.kill('SIGKILL'));
  const said = await until(
    async () => (/following .* and logread; serving/.test(run.output()) ? true : undefined),
    20_000,
  );
  assert.ok(said, `no "and logread" in: ${run.output()}`);
  await sleep(500);
  pppd(s.ppp, s.sys);
  const n = await until(() => dropped(`http://127.0.0.1:${port}/metrics`), 15_000);
  assert.equal(n, SAMPLE.length, `every logfile copy dropped and counted:\n${run.output().slice(-2000)}`);
  await stop(run);
});

test('pptpmon agent: dropped logfile copies counted on its /metrics; "and logread" announced', async (t) => {
  const s = setup(t);
  const mport = await freePort();
  writeFileSync(
    join(s.dir, 'agent.yaml'),
    JSON.stringify({
      host: 'vpn-test',
      logs: logs(s),
      agent: {
        // Nothing listens there: the agent spools, which does not matter to its own /metrics.
        serverUrl: `http://127.0.0.1:${await freePort()}`,
        tokenFile: join(s.dir, 'token'),
        stateDir: join(s.dir, 'state'),
        metricsListen: `127.0.0.1:${mport}`,
        collectors: { 'config-drift': { enabled: false } },
      },
    }),
  );
  const agent = spawnCli(['agent', '-c', join(s.dir, 'agent.yaml')]);
  t.after(() => agent.child.kill('SIGKILL'));
  const said = await until(
    async () => (/following 2 log paths and logread, shipping/.test(agent.output()) ? true : undefined),
    20_000,
  );
  assert.ok(said, `no "and logread" in: ${agent.output()}`);
  await sleep(500);
  pppd(s.ppp, s.sys);
  const n = await until(() => dropped(`http://127.0.0.1:${mport}/metrics`), 15_000);
  assert.equal(n, SAMPLE.length, `every logfile copy dropped and counted:\n${agent.output().slice(-2000)}`);
  await stop(agent);
});
