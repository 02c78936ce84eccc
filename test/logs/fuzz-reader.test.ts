/**
 * Fuzzing the whole read path as `pptpmon analyze -` runs it: bytes -> stdin stream (random chunk
 * sizes) -> LogReader/LineScanner (line splitting, binary and UTF-8 checks, over-long lines) ->
 * LineParser -> LogPipeline -> the JSON document. test/logs/fuzz.test.ts fuzzes records; this one
 * fuzzes bytes. Properties: it never throws nor counts an internal error, every line is counted, chunk
 * boundaries and CRLF endings change nothing, and damage to some calls' lines (truncation, flipped
 * bytes, invalid UTF-8, NUL, stray CR, a huge line, binary garbage between lines) never loses or changes
 * the end of a call whose own lines are intact. Seeds fixed; PPTPMON_FUZZ_SEED explores others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runAnalyze } from '../../src/logs/report/index.js';
import { mulberry32 as rng } from '../helpers/rng.js';

const SEED = Number(process.env.PPTPMON_FUZZ_SEED ?? 4242);
const NOW = Date.UTC(2026, 11, 31, 12);

interface Sess {
  id: string;
  host: string;
  pppdPid?: number;
  ctrlPid?: number;
  user?: string;
  peer?: string;
  iface?: string;
  start?: string;
  end?: string;
  seconds?: number;
  bytesSent?: number;
  bytesReceived?: number;
  cause?: string;
  mppe?: string;
  localIp?: string;
  remoteIp?: string;
  role: string;
  transport: string;
}
interface Doc {
  sessions: Sess[];
  files: { lines: number }[];
  inputErrors: { kind: string; file: string; line?: number; message: string }[];
  internalErrors: number;
}

/** Splits `buf` into chunks of random sizes (often tiny, so CR/LF and UTF-8 sequences straddle them). */
function chunked(r: () => number, buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length;) {
    const n = r() < 0.3 ? 1 + Math.floor(r() * 4) : 1 + Math.floor(r() * 9000);
    out.push(Buffer.from(buf.subarray(i, i + n)));
    i += n;
  }
  return out;
}

async function analyze(chunks: Buffer[]): Promise<{ doc: Doc; code: number }> {
  let out = '';
  const code = await runAnalyze({
    files: ['-'],
    output: 'json',
    stdin: Readable.from(chunks),
    timeZone: 'UTC',
    nowMs: NOW,
    parallel: false,
    write: (s) => (out += s),
    writeErr: () => {},
  });
  return { doc: JSON.parse(out) as Doc, code };
}

/** The fields that say what a call was (no ids, evidence or event ids: those name lines). */
function facts(s: Sess): Record<string, unknown> {
  const { id: _i, ...rest } = s as Sess & { evidence?: unknown; eventIds?: unknown };
  const { evidence: _e, eventIds: _x, ...f } = rest as Record<string, unknown>;
  return f;
}
const key = (s: Sess): string => `${s.host}|${s.pppdPid}|${s.ctrlPid}|${s.start}|${s.user}|${s.cause}`;
const sortedFacts = (d: Doc): Record<string, unknown>[] =>
  [...d.sessions].sort((a, b) => key(a).localeCompare(key(b))).map(facts);

/** Lines counted by a reader: one per LF, plus an unterminated last line. */
function lineCount(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return buf.length > 0 && buf[buf.length - 1] !== 10 ? n + 1 : n;
}

const CORPUS = fileURLToPath(new URL('../corpus/', import.meta.url));
/** Corpus cases in BSD syslog with pids (the damage below works on the `prog[pid]: ` prefix). */
const CASES = [
  ...readdirSync(`${CORPUS}pptpd`)
    .filter((f) => f.endsWith('.log'))
    .map((f) => `pptpd/${f}`),
  ...readdirSync(`${CORPUS}lab`)
    .filter((f) => f.endsWith('.log') && !f.includes('freeradius'))
    .map((f) => `lab/${f}`),
  'generated/interleaved-50.log',
  'lab-seed/syslog.log',
];
const text = (rel: string): Buffer => readFileSync(`${CORPUS}${rel}`);

const PIECES = [
  'Nov 25 10:00:00 vpn1 pppd[4242]: ',
  'Nov 25 10:00:01 vpn1 pptpd[4241]: CTRL: ',
  '<30>1 2026-11-25T10:00:02Z vpn1 pppd 4242 - - ',
  '{"MESSAGE":"',
  'Connection terminated.',
  'Peer bob failed CHAP authentication',
  'Sent 1 bytes, received 2 bytes.',
  'last message repeated 3 times',
];

function randomBytes(r: () => number, size: number): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  while (n < size) {
    const k = r();
    let b: Buffer;
    if (k < 0.25) b = Buffer.from(PIECES[Math.floor(r() * PIECES.length)] ?? '', 'utf8');
    else if (k < 0.35) b = Buffer.from([10]);
    else if (k < 0.4) b = Buffer.from([13, 10]);
    else if (k < 0.43) b = Buffer.from([13]);
    else if (k < 0.46) b = Buffer.from([0]);
    else if (k < 0.5)
      b = Buffer.from([0xc3]); // a lead byte without its continuation
    else if (k < 0.53)
      b = Buffer.from([0xe2, 0x82]); // a cut 3-byte sequence
    else if (k < 0.56) b = Buffer.from('é中😀', 'utf8');
    else if (k < 0.58)
      b = Buffer.alloc(Math.floor(r() * 80_000), 0x61); // an over-long line
    else b = Buffer.from(Array.from({ length: 1 + Math.floor(r() * 40) }, () => Math.floor(r() * 256)));
    parts.push(b);
    n += b.length;
  }
  const out = Buffer.concat(parts);
  if (out[0] === 0x1f) out[0] = 0x20; // not gzip magic: the line count below is for plain input
  return out;
}

test('random bytes through reader, parser and pipeline: no throw, no internal error, every line counted', async () => {
  const r = rng(SEED);
  for (let i = 0; i < 25; i++) {
    const buf = randomBytes(r, 1000 + Math.floor(r() * (i % 5 === 0 ? 300_000 : 20_000)));
    const { doc, code } = await analyze(chunked(r, buf));
    assert.equal(code, 0, `round ${i}: exit ${code}`);
    assert.equal(doc.internalErrors, 0, `round ${i}: internal errors`);
    assert.equal(doc.files[0]?.lines, lineCount(buf), `round ${i}: lines counted`);
    for (const e of doc.inputErrors) {
      assert.equal(e.file, '(stdin)');
      assert.ok(typeof e.line === 'number' && e.line >= 1 && e.line <= lineCount(buf), JSON.stringify(e));
    }
  }
});

test('chunk boundaries anywhere and CRLF line endings give the same sessions', async () => {
  const r = rng(SEED + 1);
  for (const rel of CASES) {
    const buf = text(rel);
    const whole = (await analyze([buf])).doc;
    assert.ok(whole.sessions.length > 0, `${rel}: has sessions`);
    const pieces = (await analyze(chunked(r, buf))).doc;
    assert.deepEqual(sortedFacts(pieces), sortedFacts(whole), `${rel}: random chunks`);
    const crlf = Buffer.from(buf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    const c = (await analyze(chunked(r, crlf))).doc;
    assert.deepEqual(sortedFacts(c), sortedFacts(whole), `${rel}: CRLF line endings`);
    assert.equal(c.internalErrors, 0);
  }
});

const PREFIX = /^(.*? [A-Za-z][\w.-]*(?:\[(\d+)\])?: )(.*)$/s;

/** Damages a line's message (never its prefix, so its pid still names the same call). */
function damage(r: () => number, line: Buffer): Buffer[] {
  const m = PREFIX.exec(line.toString('latin1'));
  const head = Buffer.from(m?.[1] ?? '', 'latin1');
  const msg = Buffer.from(m?.[3] ?? line.toString('latin1'), 'latin1');
  const cut = Math.floor(r() * (msg.length + 1));
  switch (Math.floor(r() * 8)) {
    case 0:
      return [Buffer.concat([head, msg.subarray(0, cut)])]; // truncated
    case 1: {
      const b = Buffer.from(msg);
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++)
        if (b.length) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return [Buffer.concat([head, b])]; // flipped bytes
    }
    case 2:
      return [
        Buffer.concat([head, msg.subarray(0, cut), Buffer.from([0xff, 0xc3, 0x28]), msg.subarray(cut)]),
      ];
    case 3:
      return [Buffer.concat([head, msg.subarray(0, cut), Buffer.from([0]), msg.subarray(cut)])];
    case 4:
      return [Buffer.concat([head, msg.subarray(0, cut)]), msg.subarray(cut)]; // split by a newline
    case 5:
      return [Buffer.concat([head, msg.subarray(0, cut), Buffer.from([13]), msg.subarray(cut)])];
    case 6:
      return [Buffer.concat([head, msg, Buffer.alloc(70_000 + Math.floor(r() * 100_000), 0x41)])];
    default:
      return []; // the line is lost
  }
}

/** Garbage between lines: binary, a huge line, or a syslog line of a program we do not read. */
function garbage(r: () => number): Buffer {
  const k = r();
  if (k < 0.4)
    return Buffer.from(Array.from({ length: 1 + Math.floor(r() * 60) }, () => Math.floor(r() * 256)));
  if (k < 0.5) return Buffer.alloc(100_000, 0x7a);
  return Buffer.from(`Nov 25 10:00:00 vpn1 kernel: [ 12.345678] eth0: link up \u00e9\u0000x`, 'utf8');
}

for (const rel of CASES) {
  test(`damaged lines of some calls in ${rel} leave the other calls' ends intact`, async () => {
    const buf = text(rel);
    const clean = (await analyze([buf])).doc;
    const calls = clean.sessions.filter((s) => s.pppdPid !== undefined);
    assert.ok(calls.length > 0, `${rel}: has calls`);
    // One call: only garbage between its lines. More: 3 rounds, each damaging 1 .. n-1 of them.
    for (let round = 0; round < (calls.length > 1 ? 3 : 1); round++) {
      const r = rng(SEED + rel.length * 7919 + round);
      const order = calls.map((c) => ({ c, k: r() })).sort((a, b) => a.k - b.k);
      const nVictims = calls.length > 1 ? 1 + Math.floor(r() * (calls.length - 1)) : 0;
      // Every line on a victim's pppd or pptpctrl pid may be damaged.
      const victimPids = new Set<number>();
      for (const { c } of order.slice(0, nVictims))
        for (const p of [c.pppdPid, c.ctrlPid]) if (p !== undefined) victimPids.add(p);
      const intact = calls.filter(
        (s) =>
          s.cause !== undefined && !victimPids.has(s.pppdPid!) && !(s.ctrlPid && victimPids.has(s.ctrlPid)),
      );
      const out: Buffer[] = [];
      let damaged = 0;
      for (const line of buf.toString('latin1').split('\n')) {
        if (line === '') continue;
        const b = Buffer.from(line, 'latin1');
        const pid = Number(PREFIX.exec(line)?.[2] ?? NaN);
        if (victimPids.has(pid) && r() < 0.5) {
          out.push(...damage(r, b).map((x) => Buffer.concat([x, Buffer.from('\n')])));
          damaged++;
        } else out.push(b, Buffer.from('\n'));
        if (r() < 0.15) out.push(garbage(r), Buffer.from('\n'));
      }
      const { doc, code } = await analyze(chunked(r, Buffer.concat(out)));
      const at = `${rel} round ${round} (victim pids ${[...victimPids].join(',') || 'none'})`;
      assert.equal(code, 0);
      assert.equal(doc.internalErrors, 0, `${at}: internal errors`);
      if (victimPids.size) assert.ok(damaged > 0, `${at}: nothing was damaged`);
      for (const s of intact) {
        const same = doc.sessions.find(
          (x) => x.host === s.host && x.pppdPid === s.pppdPid && x.start === s.start,
        );
        assert.ok(
          same,
          `${at}: call pppd[${s.pppdPid}] (${s.user ?? '?'}, ${s.cause}) lost to damage elsewhere`,
        );
        for (const k of ['end', 'cause', 'peer', 'user', 'seconds', 'bytesSent', 'bytesReceived'] as const)
          assert.equal(same[k], s[k], `${at}: call pppd[${s.pppdPid}]: ${k} changed by damage elsewhere`);
      }
    }
  });
}
