/**
 * Rotation, polling and crashes interleaved step by step, seeded: a writer appends numbered lines and
 * rotates like logrotate (rename/create or copytruncate, delaycompress gzip, 5 generations), each
 * rotation split into its file operations (shift, rename, create; copy in two parts, truncate) so a
 * poll or a restart can fall between any two of them; the follower (small poll budget) polls, commits
 * or crashes (restart from the last saved checkpoint) at random. After a final drain every line must be
 * there once after dedup by id, in order, and no id may carry two texts. The follower is never more
 * than two generations behind (logrotate's retention would really delete what it had not read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  closeSync,
  existsSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FollowerSet } from '../../src/logs/follow/set.js';
import { mulberry32 } from '../helpers/rng.js';

type Step = () => void;

class StepWriter {
  seq = 0;
  private fd: number;
  /** Sequence numbers at which each rotation started (the first line of the next generation). */
  readonly rotatedAt: number[] = [];
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  write(n: number): void {
    let s = '';
    for (let i = 0; i < n; i++)
      s += `vpn pppd[${1000 + (this.seq % 89)}]: seq=${this.seq++} ${'x'.repeat(this.seq % 37)}\n`;
    if (s) writeSync(this.fd, s);
  }
  /** The file operations of one rotation, in logrotate's order. */
  rotation(kind: 'rename' | 'copytruncate'): Step[] {
    const p = this.path;
    const steps: Step[] = [
      () => {
        if (existsSync(`${p}.5.gz`)) unlinkSync(`${p}.5.gz`);
        for (let i = 4; i >= 2; i--)
          if (existsSync(`${p}.${i}.gz`)) renameSync(`${p}.${i}.gz`, `${p}.${i + 1}.gz`);
      },
      () => {
        if (existsSync(`${p}.1`)) writeFileSync(`${p}.2.gz`, gzipSync(readFileSync(`${p}.1`)));
      },
      () => {
        if (existsSync(`${p}.1`)) unlinkSync(`${p}.1`);
      },
    ];
    if (kind === 'rename') {
      steps.push(
        () => {
          this.rotatedAt.push(this.seq);
          renameSync(p, `${p}.1`);
        },
        () => {
          closeSync(this.fd);
          this.fd = openSync(p, 'a');
        },
      );
    } else {
      let whole: Buffer | undefined;
      steps.push(
        () => {
          this.rotatedAt.push(this.seq);
          whole = readFileSync(p);
          writeFileSync(`${p}.1`, whole.subarray(0, whole.length >> 1)); // a copy in progress
        },
        () => appendFileSync(`${p}.1`, whole!.subarray(whole!.length >> 1)),
        () => ftruncateSync(this.fd, 0),
      );
    }
    return steps;
  }
  close(): void {
    closeSync(this.fd);
  }
}

interface Got {
  id: string;
  text: string;
}

function runSeed(seed: number, dir: string): { got: Got[]; total: number; kills: number; rotations: number } {
  const r = mulberry32(seed);
  const path = join(dir, 'syslog');
  const ck = join(dir, 'ck.json');
  const w = new StepWriter(path);
  w.write(20);
  const open = (): FollowerSet =>
    new FollowerSet({ paths: [path], checkpointPath: ck, startAtEnd: false, maxReadBytes: 2048 });
  let set = open();
  const got: Got[] = [];
  let pending: Step[] = [];
  let kills = 0;
  let rotations = 0;
  let maxSeq = -1;
  const poll = (): void => {
    const res = set.poll();
    if (process.env.FUZZ_DEBUG) {
      const seqs = res.lines.map((l) => /seq=(\d+)/.exec(l.text)?.[1]);
      console.log(`  got ${seqs.length}: ${seqs[0]}..${seqs[seqs.length - 1]} ${res.notes.join(' | ')}`);
    }
    for (const l of res.lines) {
      got.push({ id: l.id, text: l.text });
      maxSeq = Math.max(maxSeq, Number(/seq=(\d+)/.exec(l.text)?.[1]));
    }
  };
  poll(); // the agent's first poll and commit: a crash before any checkpoint is a first start
  set.commit();
  for (let op = 0; op < 400; op++) {
    const x = r();
    if (pending.length > 0 && x < 0.35) {
      if (process.env.FUZZ_DEBUG) console.log(`op ${op} step ${pending.length} left`);
      pending.shift()!();
    }
    // No writes in the middle of a rotation: between copy and truncate they are lost by copytruncate
    // itself, and between rename and reopen they go to the renamed file, which a reader that already
    // finished it misses (tail -F's race too; a daemon is HUP'd right after the rename).
    else if (x < 0.55) {
      if (pending.length === 0) w.write(1 + Math.floor(r() * 60));
    } else if (x < 0.8) {
      if (process.env.FUZZ_DEBUG) console.log(`op ${op} poll (pending ${pending.length}) seq ${w.seq}`);
      poll();
      if (r() < 0.7) set.commit();
    } else if (x < 0.88) {
      if (process.env.FUZZ_DEBUG) console.log(`op ${op} crash`);
      set.close(); // crash: what was not committed is read again
      set = open();
      kills++;
    } else if (pending.length === 0) {
      // Retention keeps 5 generations: rotate only while the follower is at most two behind.
      const two = w.rotatedAt[w.rotatedAt.length - 2];
      if (two === undefined || maxSeq >= two - 1) {
        const kind = r() < 0.5 ? 'rename' : 'copytruncate';
        if (process.env.FUZZ_DEBUG) console.log(`op ${op} rotation ${kind} at seq ${w.seq}`);
        pending = w.rotation(kind);
        rotations++;
      }
    }
  }
  while (pending.length > 0) pending.shift()!();
  for (let idle = 0, i = 0; idle < 3 && i < 5000; i++) {
    const before = got.length;
    poll();
    set.commit();
    idle = got.length === before ? idle + 1 : 0;
  }
  set.close();
  w.close();
  return { got, total: w.seq, kills, rotations };
}

test('seeded interleavings of rotation steps, polls and crashes: every line once, in order', (t) => {
  const failures: string[] = [];
  const seeds =
    process.env.FUZZ_SEEDS?.split(',').map(Number) ?? Array.from({ length: 100 }, (_, i) => i + 1);
  for (const seed of seeds) {
    const dir = mkdtempSync(join(tmpdir(), 'pptpmon-rotfuzz-'));
    try {
      const { got, total } = runSeed(seed, dir);
      const byId = new Map<string, string>();
      const order: number[] = [];
      let conflict = '';
      for (const g of got) {
        const prev = byId.get(g.id);
        if (prev !== undefined) {
          if (prev !== g.text) conflict ||= `id ${g.id}: "${prev}" vs "${g.text}"`;
          continue;
        }
        byId.set(g.id, g.text);
        order.push(Number(/seq=(\d+)/.exec(g.text)?.[1]));
      }
      const seen = new Set(order);
      const missing: number[] = [];
      for (let s = 0; s < total; s++) if (!seen.has(s)) missing.push(s);
      const inOrder = order.every((s, i) => i === 0 || s > order[i - 1]!);
      if (conflict || missing.length || !inOrder)
        failures.push(
          `seed ${seed}: missing ${missing.length} (${missing.slice(0, 3)}...) inOrder ${inOrder} ${conflict}`,
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  t.diagnostic(`${failures.length} failing seeds`);
  assert.deepEqual(failures, []);
});
