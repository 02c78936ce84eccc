/**
 * processes collector, pppd count vs ppp links: real processes named pppd (copies of sleep: comm is
 * the executable's name, like the real daemon's) in the host's /proc, real ppp-named links (veth
 * devices in a network namespace this test creates) and pppd-style pid files (/var/run/pppN.pid as
 * pppd main.c create_pidfile writes them, in a temporary run dir). And systemd's NRestarts parsed from
 * `systemctl show` output (no systemd on this host or in the lab VM: the text is systemctl's
 * documented `Key=Value` format, fed through the collector's injectable command runner).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createProcessesCollector } from '../../src/collectors/processes.js';
import { parseSystemctlShow, unitState } from '../../src/collectors/systemd.js';
import { defaultContext } from '../../src/collectors/types.js';
import type { Event, EventAttrs } from '../../src/events/index.js';
import { skipOrFail } from '../helpers/require.js';

const CHILD = join(import.meta.dirname, 'processes-links-child.ts');
const NS = `pptpmon-links-${process.pid}`;
type Mismatch = EventAttrs['proc.ppp.mismatch'];

test('pppd without a ppp link and a ppp link without pppd are reported after the grace time; fixed -> cleared', async (t) => {
  try {
    execFileSync('ip', ['netns', 'add', NS]);
  } catch (err) {
    skipOrFail(t, 'netns', `cannot create a network namespace here: ${(err as Error).message}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-links-'));
  const kids: ChildProcess[] = [];
  t.after(() => {
    kids.forEach((k) => k.kill('SIGKILL'));
    execFileSync('ip', ['netns', 'del', NS]);
    rmSync(dir, { recursive: true, force: true });
  });
  // No dummy module on this host kernel: veth pairs are real kernel links too.
  for (const l of ['ppp0', 'ppp1'])
    execFileSync('ip', ['-n', NS, 'link', 'add', l, 'type', 'veth', 'peer', 'name', `peer-${l}`]);
  copyFileSync('/bin/sleep', join(dir, 'pppd'));
  const linked = spawn(join(dir, 'pppd'), ['120'], { stdio: 'ignore' });
  const stuck = spawn(join(dir, 'pppd'), ['120'], { stdio: 'ignore' });
  kids.push(linked, stuck);
  const run = join(dir, 'run');
  mkdirSync(run);
  writeFileSync(join(run, 'ppp0.pid'), `${linked.pid}\n`);
  // ppp1's pid file names a pppd that is gone (a pid that cannot be live: above pid_max's limit).
  writeFileSync(join(run, 'ppp1.pid'), '4194305\n');

  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', CHILD, run, '1'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  kids.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<{ first?: Event[]; after: Event[] }> => {
    const r = await lines.next();
    assert.ok(!r.done, 'child ended early');
    return JSON.parse(r.value) as { first?: Event[]; after: Event[] };
  };
  const attrs = (evs: Event[]): Mismatch | undefined => {
    const e = evs.at(-1);
    return e?.kind === 'proc.ppp.mismatch' ? e.attrs : undefined;
  };

  const phase1 = await next();
  // Other tests on this host may run pppd-named processes too: only ours are asserted by pid.
  const atStart = attrs(phase1.first ?? []);
  assert.ok(!atStart || !atStart.pppdWithoutLink.includes(stuck.pid!), 'not before the grace time');
  assert.ok(!atStart || !atStart.linksWithoutPppd.includes('ppp1'), 'not before the grace time');
  const m = attrs(phase1.after);
  assert.ok(m, `no proc.ppp.mismatch after the grace time: ${JSON.stringify(phase1)}`);
  assert.equal(phase1.after.at(-1)?.severity, 'warning');
  assert.ok(m.pppdWithoutLink.includes(stuck.pid!), `pppd ${stuck.pid} without link: ${JSON.stringify(m)}`);
  assert.ok(!m.pppdWithoutLink.includes(linked.pid!), 'pppd of ppp0 has its link');
  assert.deepEqual(m.linksWithoutPppd, ['ppp1']);
  assert.equal(m.links, 2);
  assert.ok(m.pppd >= 2);

  // ppp1 gets its pppd (pid file now names the stuck one): both clear.
  writeFileSync(join(run, 'ppp1.pid'), `${stuck.pid}\n`);
  child.stdin!.write('next\n');
  const cleared = attrs((await next()).after);
  assert.ok(cleared, 'the change is reported');
  assert.ok(!cleared.pppdWithoutLink.includes(stuck.pid!));
  assert.deepEqual(cleared.linksWithoutPppd, []);

  // The pppd of ppp0 dies; its link is then a link without pppd (after the grace time).
  linked.kill('SIGKILL');
  await new Promise((r) => linked.once('exit', r));
  child.stdin!.write('next\n');
  assert.equal(attrs((await next()).after), undefined, 'within the grace time: nothing yet');
  await new Promise((r) => setTimeout(r, 1300));
  child.stdin!.write('next\n');
  assert.deepEqual(attrs((await next()).after)?.linksWithoutPppd, ['ppp0']);
  child.stdin!.end();
});

/** `systemctl show pptpd.service -p LoadState,ActiveState,SubState,NRestarts,ExecMainStatus`. */
const show = (n: number, load = 'loaded'): string =>
  `NRestarts=${n}\nExecMainStatus=0\nLoadState=${load}\nActiveState=active\nSubState=running\n`;

test('systemctl show output: parsed by key; NRestarts increase -> proc.restart; unknown unit ignored', async (t) => {
  assert.deepEqual(unitState(show(3)), {
    loadState: 'loaded',
    activeState: 'active',
    subState: 'running',
    nRestarts: 3,
    execMainStatus: 0,
  });
  assert.equal(parseSystemctlShow('Environment=A=1 B=2\n').get('Environment'), 'A=1 B=2');
  assert.equal(unitState('NRestarts=[not set]\n').nRestarts, undefined);

  const root = mkdtempSync(join(tmpdir(), 'pptpmon-systemd-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'systemd/system'), { recursive: true }); // "booted with systemd" (sd_booted)
  const answers = [show(1), show(1), show(4)];
  const calls: string[][] = [];
  let now = Date.parse('2026-11-25T01:00:00Z');
  const ctx = defaultContext({
    runRoot: root,
    procRoot: join(root, 'proc'), // empty: only the systemd part runs
    now: () => new Date(now),
    run: (file, args) => {
      calls.push([file, ...args]);
      return Promise.resolve(answers.shift() ?? show(4));
    },
  });
  const c = createProcessesCollector(ctx, { unit: 'pptpd.service' });
  const restarts = (evs: Event[]): Event[] => evs.filter((e) => e.kind === 'proc.restart');
  assert.deepEqual(restarts(await c.collect()), [], 'first reading is the baseline');
  assert.deepEqual(calls[0], [
    'systemctl',
    'show',
    'pptpd.service',
    '-p',
    'LoadState,ActiveState,SubState,NRestarts,ExecMainStatus',
  ]);
  now += 61_000;
  assert.deepEqual(restarts(await c.collect()), [], 'unchanged');
  now += 61_000;
  const r = restarts(await c.collect());
  assert.equal(r.length, 1);
  assert.deepEqual(r[0]?.attrs, { name: 'pptpd', count: 3, windowSeconds: 60 });

  // A unit systemd does not know reports NRestarts=0 then anything: never a restart.
  const answers2 = [show(0, 'not-found'), show(5, 'not-found')];
  const c2 = createProcessesCollector(
    { ...ctx, run: () => Promise.resolve(answers2.shift() ?? show(5, 'not-found')) },
    { unit: 'nope.service' },
  );
  await c2.collect();
  now += 61_000;
  assert.deepEqual(restarts(await c2.collect()), []);
});
