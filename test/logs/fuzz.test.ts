/**
 * Property tests over the pipeline with seeded random and mutated input: it never throws (nor counts an
 * internal error), and junk interleaved into real logs never loses a session's end nor changes its
 * cause. Seeds are fixed so a failure reproduces; PPTPMON_FUZZ_SEED overrides to explore.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LogPipeline, type LogRecord, type Session } from '../../src/logs/index.js';
import { recordsOf } from './corpus-support.js';

const SEED = Number(process.env.PPTPMON_FUZZ_SEED ?? 1723);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROGRAMS = [
  'pppd',
  'pptpd',
  'pptpctrl',
  'pptp',
  'radiusd',
  'accel-pppd',
  'NetworkManager',
  'nm-pptp-service',
  'sshd',
  undefined,
];
const PREFIXES = [
  '',
  'CTRL: ',
  'GRE: ',
  'MGR: ',
  'anon log[x:y.c:1]: ',
  'anon fatal[',
  'ppp0:bob: ',
  '(3) Login incorrect (',
  'sent [',
  'rcvd [CHAP Response id=0x1 <',
  'Peer ',
  'LCP terminated by peer (',
  'Connect: ',
  'Reaping child PPP[',
  'CTRL: Reaping child PPP[',
  'No response to ',
  'Sent ',
  'Connect time ',
  'peer from calling number ',
  'CTRL (PPPD Launcher): ',
  'pppd 2.4.9 started by ',
];
const ALPHABET = 'abcXYZ019 :[]()<>"\'/\\.-_=%\u0000\u001b\u00e9\u4e2d\ud83d\ude00\ufffd\t';

function randomText(r: () => number, max: number): string {
  const n = Math.floor(r() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)] ?? '';
  return s;
}

function mutate(r: () => number, s: string): string {
  switch (Math.floor(r() * 7)) {
    case 0:
      return s.slice(0, Math.floor(r() * s.length));
    case 1: {
      const i = Math.floor(r() * (s.length + 1));
      return s.slice(0, i) + randomText(r, 8) + s.slice(i);
    }
    case 2:
      return s.replace(/\d+/g, () => String(Math.floor(r() * 1e12)));
    case 3:
      return s.split(' ').reverse().join(' ');
    case 4:
      return s + s;
    case 5:
      return s.replace(/[a-z]/g, (c) => (r() < 0.2 ? c.toUpperCase() : c));
    default:
      return 'x'.repeat(Math.floor(r() * 20000)) + s;
  }
}

function junkRecord(
  r: () => number,
  base: LogRecord | undefined,
  message: string,
  line: number,
  pid?: number,
): LogRecord {
  const rec: LogRecord = {
    tsSource: 'line',
    message,
    raw: `junk ${message}`,
    file: 'junk',
    line,
    format: 'rfc3164',
  };
  const program = PROGRAMS[Math.floor(r() * PROGRAMS.length)];
  if (program !== undefined) rec.program = program;
  if (r() < 0.9) rec.pid = pid ?? Math.floor(r() * 70000);
  if (base?.ts !== undefined && r() < 0.95) rec.ts = base.ts;
  else if (r() < 0.5) rec.ts = 'not a time';
  if (base?.host !== undefined) rec.host = base.host;
  return rec;
}

const corpus = (rel: string): string => fileURLToPath(new URL(`../corpus/${rel}`, import.meta.url));
const REAL = [
  'lab-seed/syslog.log',
  'generated/interleaved-50.log',
  'pptpd/peer-terminate.log',
  'pptpd/pptpd-restart.log',
  'pptpd/pppd-crash.log',
  'accel-ppp/pptp-sessions.log',
];

async function realRecords(rel: string): Promise<LogRecord[]> {
  return (await recordsOf(readFileSync(corpus(rel), 'utf8'), rel, false)).recs;
}

function run(recs: LogRecord[]): { sessions: Session[]; p: LogPipeline } {
  const p = new LogPipeline({ host: 'fuzz' });
  const sessions: Session[] = [];
  for (const r of recs) {
    p.push(r);
    sessions.push(...p.drainClosed());
  }
  sessions.push(...p.finish());
  return { sessions, p };
}

test('random lines for every program never throw nor trip an internal error', () => {
  const r = rng(SEED);
  const p = new LogPipeline();
  for (let i = 0; i < 20000; i++) {
    const prefix = PREFIXES[Math.floor(r() * PREFIXES.length)] ?? '';
    const msg = prefix + randomText(r, i % 100 === 0 ? 5000 : 80);
    assert.doesNotThrow(() => p.push(junkRecord(r, undefined, msg, i + 1, Math.floor(r() * 50))));
    if (i % 1000 === 0) p.drainClosed();
  }
  assert.doesNotThrow(() => p.finish());
  assert.equal(p.stats().internalErrors, 0);
  assert.equal(p.stats().records, 20000);
  assert.ok(p.unclassified().length > 0, 'random text should be counted as unclassified');
});

test('mutated real lines never throw nor trip an internal error', async () => {
  const r = rng(SEED + 1);
  const p = new LogPipeline();
  let n = 0;
  for (const rel of REAL) {
    for (const rec of await realRecords(rel)) {
      for (let k = 0; k < 3; k++) {
        const m = mutate(r, rec.message);
        assert.doesNotThrow(() => p.push({ ...rec, message: m, raw: m, line: ++n }));
      }
    }
  }
  p.finish();
  assert.equal(p.stats().internalErrors, 0);
});

for (const rel of REAL) {
  test(`junk interleaved into ${rel} loses no session end and changes no cause`, async () => {
    const clean = await realRecords(rel);
    const before = run(clean).sessions.filter((s) => s.cause !== undefined);
    assert.ok(before.length > 0, 'the case must have ended sessions');
    const r = rng(SEED + rel.length);
    const livePids = [...new Set(clean.map((x) => x.pid).filter((x): x is number => x !== undefined))];
    // Junk is what no classifier knows (a mutated line that still reads as, say, "MGR: Manager process
    // started" is an event, not junk, and may rightly end sessions): a scratch pipeline decides.
    const scratch = new LogPipeline();
    const isJunk = (x: LogRecord): boolean => {
      const before = scratch.stats().unclassified;
      scratch.push(x);
      return scratch.stats().unclassified > before || x.program === undefined || x.program === 'sshd';
    };
    const noisy: LogRecord[] = [];
    let junk = 0;
    clean.forEach((rec, i) => {
      noisy.push(rec);
      const k = Math.floor(r() * 4);
      for (let j = 0; j < k; j++) {
        // Random text or mutated real lines, half of them on the pids of live sessions.
        const onLive = r() < 0.5 && livePids.length > 0;
        const msg =
          r() < 0.5 ? randomText(r, 120) : mutate(r, clean[Math.floor(r() * clean.length)]?.message ?? '');
        const pid = onLive ? livePids[Math.floor(r() * livePids.length)] : 90000 + Math.floor(r() * 1000);
        const x = junkRecord(r, rec, msg, 100000 + i * 4 + j, pid);
        if (isJunk(x)) {
          noisy.push(x);
          junk++;
        }
      }
    });
    assert.ok(junk > clean.length / 2, `too little junk generated (${junk})`);
    const after = run(noisy);
    assert.equal(after.p.stats().internalErrors, 0);
    for (const s of before) {
      const same = after.sessions.find(
        (x) => x.host === s.host && x.pppdPid === s.pppdPid && x.end === s.end && x.iface === s.iface,
      );
      assert.ok(same, `session ${s.id} (pid ${s.pppdPid}) disappeared with junk`);
      assert.equal(same.cause, s.cause, `session ${s.id}: cause changed with junk`);
      assert.equal(same.start, s.start, `session ${s.id}: start changed with junk`);
      assert.equal(same.peer, s.peer, `session ${s.id}: peer changed with junk`);
    }
  });
}

test('memory stays bounded: evidence per session is capped', () => {
  const p = new LogPipeline();
  const base: LogRecord = {
    tsSource: 'line',
    ts: '2026-11-25T10:00:00.000Z',
    program: 'pppd',
    pid: 77,
    message: 'pppd 2.4.9 started by root, uid 0',
    raw: 'x',
    file: 'f',
    line: 1,
    format: 'rfc3164',
  };
  p.push(base);
  for (let i = 0; i < 5000; i++)
    p.push({ ...base, message: 'Peer x failed CHAP authentication', raw: `l${i}`, line: i + 2 });
  p.push({ ...base, message: 'Exit.', line: 6000 });
  const [s] = p.drainClosed();
  assert.ok(s);
  assert.ok(s.evidence.length <= 60, `evidence grew to ${s.evidence.length}`);
  assert.ok(s.eventIds.length <= 200, `eventIds grew to ${s.eventIds.length}`);
});
