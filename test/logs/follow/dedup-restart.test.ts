/**
 * The pppd copy dedup across stops: lines held for their syslog copy are saved with the checkpoints
 * (follow-state.json, written first), so a stop at any point, kill -9 included, loses none and ingests
 * no logfile copy of a syslog line. Real files and a real follower process (dedup-child.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FollowerSet } from '../../../src/logs/follow/set.js';
import type { FollowedLine } from '../../../src/logs/follow/file.js';
import { isDebug, PppdLogfile, Rsyslog, SAMPLE, setup } from './dedup-writers.js';

test('stopped between the follow-state and the checkpoint writes: resumes from the newer follow state', async (t) => {
  const { dir, ppp, sys } = setup(t);
  const ck = join(dir, 'state', 'checkpoints.json');
  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(sys);
  const half = SAMPLE.length >> 1;
  const a = new FollowerSet({
    paths: [ppp, sys],
    checkpointPath: ck,
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 100, lagMs: 300 },
  });
  const got: FollowedLine[] = [];
  for (const m of SAMPLE.slice(0, half)) {
    lf.log(m);
    if (!isDebug(m)) rs.log(139, m);
  }
  got.push(...a.poll().lines);
  a.commit();
  const older = readFileSync(ck);
  // The next poll holds logfile-only lines; the commit saves them, then "crashes" before checkpoints.json.
  for (const m of SAMPLE.slice(half)) {
    lf.log(m);
    if (!isDebug(m)) rs.log(139, m);
  }
  got.push(...a.poll().lines);
  assert.ok(a.dedupStats()!.held > 0, 'lines held at the crash');
  a.commit();
  a.close();
  writeFileSync(ck, older);
  const b = new FollowerSet({
    paths: [ppp, sys],
    checkpointPath: ck,
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 100, lagMs: 300 },
  });
  t.after(() => b.close());
  const first = b.poll();
  assert.match(first.notes.join('\n'), /newer than .*checkpoints\.json/);
  got.push(...first.lines);
  for (let i = 0; i < 10; i++) {
    await sleep(40);
    got.push(...b.poll().lines);
  }
  lf.close();
  rs.close();
  assert.equal(new Set(got.map((l) => l.id)).size, got.length, 'nothing repeated');
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    SAMPLE.filter(isDebug),
    'the logfile-only lines, each once (held ones from the follow state)',
  );
  assert.equal(got.filter((l) => l.file === sys).length, SAMPLE.filter((m) => !isDebug(m)).length);
});

test('held lines saved, then restarted following the logfile alone: they are delivered, not lost', (t) => {
  const { dir, ppp, sys } = setup(t);
  const ck = join(dir, 'state', 'checkpoints.json');
  const lf = new PppdLogfile(ppp);
  writeFileSync(sys, '');
  for (const m of SAMPLE.slice(0, 10)) lf.log(m);
  lf.close();
  const a = new FollowerSet({
    paths: [ppp, sys],
    checkpointPath: ck,
    startAtEnd: false,
    timezone: 'UTC',
    dedup: { windowMs: 60_000 },
  });
  assert.equal(a.poll().lines.length, 0, 'held, waiting for syslog copies');
  a.commit();
  a.close();
  const b = new FollowerSet({ paths: [ppp], checkpointPath: ck, startAtEnd: false });
  t.after(() => b.close());
  assert.deepEqual(
    b.poll().lines.map((l) => l.text),
    SAMPLE.slice(0, 10),
  );
  assert.deepEqual(b.poll().lines, []);
});

const CHILD = new URL('./dedup-child.ts', import.meta.url).pathname;

test('kill -9 while both copies flow: every message ingested, the logfile copy of a syslog line never', async (t) => {
  const { dir, ppp, sys } = setup(t);
  const out = join(dir, 'out.ndjson');
  const stateDir = join(dir, 'state');
  let ready = false;
  const start = (): ChildProcess => {
    ready = false;
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD, stateDir, out, '300', ppp, sys], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    c.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) ready = true;
    });
    return c;
  };
  let child = start();
  t.after(() => child.kill('SIGKILL'));
  for (let i = 0; i < 300 && !ready; i++) await sleep(50);
  assert.ok(ready, 'child did not start');

  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(sys);
  // Unique texts (plus a repeated one), debug-only ones in the logfile alone; rsyslog's copy lands
  // 0-80 ms after pppd's logfile write, as its asynchronous write does.
  const N = 3000;
  const msg = (i: number): string =>
    i % 5 === 0
      ? `rcvd [LCP EchoReq id=0x${i.toString(16)} magic=0x5c2e]`
      : i % 7 === 0
        ? 'LCP: timeout'
        : `Connect: ppp${i} <--> /dev/pts/${i}`;
  const pending: Array<{ due: number; m: string }> = [];
  let kills = 0;
  let nextKill = Date.now() + 700;
  let i = 0;
  while (i < N || pending.length > 0) {
    const now = Date.now();
    for (let k = 0; k < 8 && i < N; k++, i++) {
      const m = msg(i);
      lf.log(m);
      if (!m.startsWith('rcvd [')) pending.push({ due: now + ((i * 37) % 80), m });
    }
    while (pending.length > 0 && pending[0]!.due <= now) rs.log(1000 + (i % 9), pending.shift()!.m);
    if (now >= nextKill) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
      child = start();
      nextKill = now + 400 + ((kills * 331) % 800);
    }
    await sleep(10);
  }
  lf.close();
  rs.close();
  for (let w = 0; w < 300 && !ready; w++) await sleep(50);

  const wanted = N - Math.ceil(N / 5); // syslog lines
  const debug = Math.ceil(N / 5);
  const read = (): Array<{ id: string; file: string; text: string }> =>
    existsSync(out)
      ? readFileSync(out, 'utf8')
          .split('\n')
          .filter((l) => l)
          .map((l) => JSON.parse(l) as { id: string; file: string; text: string })
      : [];
  const distinct = (): Map<string, { id: string; file: string; text: string }> =>
    new Map(read().map((r) => [r.id, r]));
  const end = Date.now() + 30_000;
  while (distinct().size < wanted + debug && Date.now() < end) await sleep(200);
  await sleep(800); // anything extra would show up now
  child.kill('SIGKILL');
  const got = [...distinct().values()];
  const fromSys = got.filter((r) => r.file === sys);
  const fromPpp = got.filter((r) => r.file === ppp);
  const wrong = fromPpp.filter((r) => !r.text.startsWith('rcvd ['));
  assert.ok(kills >= 3, `only ${kills} kills`);
  assert.equal(
    wrong.length,
    0,
    `logfile copies of syslog lines ingested: ${wrong
      .slice(0, 5)
      .map((r) => r.text)
      .join(' | ')}`,
  );
  assert.equal(fromSys.length, wanted, 'every syslog line');
  const debugTexts = new Set(fromPpp.map((r) => r.text));
  const missing = [];
  for (let k = 0; k < N; k += 5) if (!debugTexts.has(msg(k))) missing.push(k);
  assert.deepEqual(missing, [], 'every logfile-only line');
  assert.equal(fromPpp.length, debug);
});
