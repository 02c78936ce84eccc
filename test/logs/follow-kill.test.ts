/**
 * The at-least-once + dedup guarantee under stress, with real processes and files: a writer at
 * 10,000 lines/s rotates its log by rename (with delaycompress-style gzip of .2) and by copytruncate,
 * while the follower process is killed with SIGKILL and restarted several times. After dedup by line
 * id every line must be there exactly once, with the right text, in order.
 */
import { test, type TestContext } from 'node:test';
import { RotatingLog } from '../helpers/logrotate.js';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const CHILD = new URL('../agent/follow-child.ts', import.meta.url).pathname;
const LINES_PER_SECOND = 10_000;
const RUN_MS = 10_000;

let ready = false;
/** The child's last batch came from a rotated file: a kill now lands in the middle of a catch-up. */
let catchingUp = false;
function startChild(log: string, ck: string, out: string, maxReadBytes: number | undefined): ChildProcess {
  ready = false;
  const args = [
    '--import',
    'tsx',
    CHILD,
    log,
    ck,
    out,
    '50',
    ...(maxReadBytes ? [String(maxReadBytes)] : []),
  ];
  const c = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', process.env.FOLLOW_DEBUG ? openSync(`${out}.notes`, 'a') : 'ignore'],
  });
  catchingUp = false;
  c.stdout!.on('data', (d: Buffer) => {
    const s = d.toString();
    if (s.includes('ready')) ready = true;
    const last = Math.max(s.lastIndexOf('rotated'), s.lastIndexOf('live'));
    if (last >= 0) catchingUp = s.startsWith('rotated', last);
  });
  return c;
}

/** Numbered lines at the pace the test asks for, into a log with logrotate semantics. */
class Writer extends RotatingLog {
  seq = 0;
  write(n: number): void {
    let s = '';
    for (let i = 0; i < n; i++)
      s += `Nov 24 22:00:00 vpn pppd[${1000 + (this.seq % 50)}]: seq=${this.seq++} ${'x'.repeat(this.seq % 40)}\n`;
    this.append(s);
  }
}

test('kill -9 of the follower during rename and copytruncate rotation at 10k lines/s: every line exactly once', (t) =>
  killRun(t, undefined));

/**
 * The same with 128 KB per poll (2.5 MB/s at 50 ms, ~3x the writer's rate): a restart's catch-up of
 * the rotated generations takes several polls, so kills land in the middle of catch-ups, and the
 * rotations happen during them.
 */
test('kill -9 during multi-poll catch-ups (128 KB per poll) under rotation at 10k lines/s: every line exactly once', (t) =>
  killRun(t, 128 * 1024));

async function killRun(t: TestContext, maxReadBytes: number | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-follow-kill-'));
  if (!process.env.FOLLOW_DEBUG) t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'syslog');
  const ck = join(dir, 'checkpoints.json');
  const out = join(dir, 'out.ndjson');
  const writer = new Writer(log);
  let child = startChild(log, ck, out, maxReadBytes);
  t.after(() => child.kill('SIGKILL'));
  // tsx startup can take seconds on a loaded 2-core box: lines flow only once the follower runs.
  for (let i = 0; i < 300 && !ready; i++) await sleep(50);
  assert.ok(ready, 'follower child did not start');

  let kills = 0;
  let midCatchUpKills = 0;
  let renames = 0;
  let copies = 0;
  const t0 = Date.now();
  let nextKill = t0 + 1200;
  let nextRotate = t0 + 400;
  let tick = 0;
  let rotationsWhileDown = 0;
  const progress = new Progress(out);
  const rotatedAt: number[] = [];
  // RUN_MS, longer (capped) until 4 kills and 3 rotations of each kind happened on a slow box.
  const going = (): boolean => {
    const ms = Date.now() - t0;
    return ms < RUN_MS || (ms < 60_000 && (kills < 4 || renames < 3 || copies < 3));
  };
  while (going()) {
    const now = Date.now();
    // Paced by elapsed time, not by timer ticks (which run late on a busy 2-core box).
    writer.write(Math.max(0, Math.floor(((now - t0) * LINES_PER_SECOND) / 1000) - writer.seq));
    // logrotate keeps 5 generations here: a follower down for more than that many rotations would
    // really lose the deleted ones (said in a note). Bound rotations while it is down to 2 so the
    // test measures the follower, not how slowly tsx starts on a loaded machine.
    if (ready) rotationsWhileDown = 0;
    // logrotate keeps 5 generations: a rotation waits until the follower has delivered everything
    // written before the rotation two back, so a slow (loaded) follower is never behind by more
    // generations than exist — a line deleted by retention is not the follower's loss.
    const caughtUp =
      rotatedAt.length < 2 || progress.maxSeq() >= (rotatedAt[rotatedAt.length - 2] as number) - 1;
    if (now >= nextRotate && caughtUp && (ready || rotationsWhileDown < 2)) {
      rotatedAt.push(writer.seq);
      if (!ready) rotationsWhileDown++;
      if (tick++ % 2 === 0) {
        writer.rotateRename();
        renames++;
      } else {
        writer.rotateCopyTruncate();
        copies++;
      }
      nextRotate = now + 700;
    }
    if (now >= nextKill && ready) {
      if (catchingUp) midCatchUpKills++;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
      await sleep(200);
      child = startChild(log, ck, out, maxReadBytes);
      nextKill = now + 1500;
    }
    await sleep(10);
  }
  writer.close();
  const total = writer.seq;

  // Wait until the child has delivered the last line, or nothing new came for 30 s (cap 180 s).
  let lastGrowth = Date.now();
  let lastMax = -1;
  for (const end = Date.now() + 180_000; Date.now() < end; await sleep(200)) {
    const m = progress.maxSeq();
    if (m >= total - 1) break;
    if (m !== lastMax) [lastMax, lastGrowth] = [m, Date.now()];
    else if (Date.now() - lastGrowth > 30_000) break;
  }
  child.kill('SIGKILL');

  const byId = new Map<string, string>();
  let delivered = 0;
  let torn = 0;
  const order: number[] = [];
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (!line) continue;
    let rec: { id: string; text: string };
    try {
      rec = JSON.parse(line) as { id: string; text: string };
    } catch {
      torn++; // the last batch of a killed child, cut mid-write (see follow-child.ts); not committed
      continue;
    }
    delivered++;
    const prev = byId.get(rec.id);
    if (prev !== undefined) {
      assert.equal(prev, rec.text, `id ${rec.id} carried two different lines`);
      continue;
    }
    byId.set(rec.id, rec.text);
    order.push(Number(/seq=(\d+)/.exec(rec.text)?.[1]));
  }
  const seen = new Set(order);
  const missing: number[] = [];
  for (let s = 0; s < total; s++) if (!seen.has(s)) missing.push(s);
  t.diagnostic(`missing: ${rangesOf(missing)}`);
  t.diagnostic(
    `lines=${total} delivered=${delivered} unique=${byId.size} repeats=${delivered - byId.size} torn=${torn} kills=${kills} (${midCatchUpKills} mid-catch-up) renames=${renames} copytruncates=${copies}`,
  );
  assert.ok(kills >= 4, `only ${kills} kills`);
  assert.ok(torn <= kills, `${torn} torn records, more than the ${kills} kills`);
  assert.ok(total >= (RUN_MS / 1000) * LINES_PER_SECOND * 0.95, `writer only reached ${total} lines`);
  assert.ok(renames >= 3 && copies >= 3);
  assert.equal(byId.size, total, 'every line exactly once after dedup');
  assert.deepEqual(
    order,
    Array.from({ length: total }, (_, i) => i),
    'in the order written',
  );
}

/** 3,4,5,9 -> "3-5,9" (first 20 ranges). */
function rangesOf(xs: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length && out.length < 20;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === (xs[j] as number) + 1) j++;
    out.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.join(',') || 'none';
}

/** Highest seq the follower child has delivered so far, read incrementally from its NDJSON output. */
class Progress {
  private offset = 0;
  private max = -1;
  private partial = '';
  constructor(private readonly path: string) {}
  maxSeq(): number {
    if (!existsSync(this.path)) return this.max;
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        const text = this.partial + buf.subarray(0, n).toString('utf8');
        const cut = text.lastIndexOf('\n');
        this.partial = text.slice(cut + 1);
        for (const m of text.slice(0, cut + 1).matchAll(/seq=(\d+)/g))
          this.max = Math.max(this.max, Number(m[1]));
      }
    } finally {
      closeSync(fd);
    }
    return this.max;
  }
}
