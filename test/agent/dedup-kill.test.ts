/**
 * The agent (as `pptpmon run` builds it) following pppd's logfile and syslog, killed with SIGKILL again
 * and again while pppd and rsyslog write: every pppd message becomes its event once (after dedup by
 * event id, the store's rule), from the syslog copy where there is one, from the logfile where syslog
 * lacks it, and never from both. Real files written as pppd and rsyslog write them, a real agent process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PppdLogfile, Rsyslog, setup } from '../logs/follow/dedup-writers.js';

const CHILD = new URL('./dedup-agent-child.ts', import.meta.url).pathname;

test('kill -9 of the agent following ppp.log + syslog: each pppd message stored once, from one copy', async (t) => {
  const { dir, ppp, sys } = setup(t);
  const out = join(dir, 'events.ndjson');
  const stateDir = join(dir, 'state');
  let ready = false;
  const start = (): ChildProcess => {
    ready = false;
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD, stateDir, out, ppp, sys], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    c.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) ready = true;
    });
    return c;
  };
  let child = start();
  t.after(() => child.kill('SIGKILL'));
  for (let i = 0; i < 600 && !ready; i++) await sleep(50);
  assert.ok(ready, 'agent did not start');

  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(sys);
  // One link per message (its own pppd pid and ppp unit); every 5th is missing from syslog (as if
  // filtered), so its event must come from the logfile. rsyslog lands 0-80 ms after pppd's write.
  const N = 1500;
  const fromLogfileOnly = (i: number): boolean => i % 5 === 0;
  const pending: Array<{ due: number; pid: number; m: string }> = [];
  let kills = 0;
  let nextKill = Date.now() + 1000;
  let i = 0;
  while (i < N || pending.length > 0) {
    const now = Date.now();
    for (let k = 0; k < 4 && i < N; k++, i++) {
      const m = `Connect: ppp${i} <--> /dev/pts/${i}`;
      lf.log(m);
      if (!fromLogfileOnly(i)) pending.push({ due: now + ((i * 37) % 80), pid: 10_000 + i, m });
    }
    while (pending.length > 0 && pending[0]!.due <= now) {
      const p = pending.shift()!;
      rs.log(p.pid, p.m);
    }
    if (now >= nextKill) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
      child = start();
      nextKill = now + 700 + ((kills * 331) % 900);
    }
    await sleep(10);
  }
  lf.close();
  // Something newer in syslog after the window, so the logfile-only lines need not wait for the lag.
  await sleep(2500);
  rs.log(99, 'Exit.');
  rs.close();
  for (let w = 0; w < 600 && !ready; w++) await sleep(50);

  const read = (): Map<string, string> => {
    const m = new Map<string, string>();
    if (!existsSync(out)) return m;
    for (const l of readFileSync(out, 'utf8').split('\n')) {
      if (!l) continue;
      const r = JSON.parse(l) as { id: string; iface: string };
      m.set(r.id, r.iface);
    }
    return m;
  };
  const end = Date.now() + 40_000;
  while (read().size < N && Date.now() < end) await sleep(250);
  await sleep(1000); // anything extra would show up now
  child.kill('SIGKILL');
  const byIface = new Map<number, string[]>();
  for (const [id, iface] of read()) {
    const n = Number(iface.slice(3));
    byIface.set(n, [...(byIface.get(n) ?? []), id]);
  }
  const problems: string[] = [];
  for (let k = 0; k < N; k++) {
    const ids = byIface.get(k) ?? [];
    const want = fromLogfileOnly(k) ? ppp : sys;
    if (ids.length !== 1) problems.push(`ppp${k}: ${ids.length} events ${ids.join(' ')}`);
    else if (!ids[0]!.startsWith(`${want}#`)) problems.push(`ppp${k}: from ${ids[0]}, expected ${want}`);
  }
  assert.ok(kills >= 3, `only ${kills} kills`);
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} messages wrong`);
});
