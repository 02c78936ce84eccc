/**
 * The WebAssembly skip loop (src/logs/read/skip.wat, fast-skip.ts) changes nothing but speed:
 * - the embedded module is what skip.wat compiles to (no stale build);
 * - it skips what it should (runs of other programs' lines) and stops where it must;
 * - the reader gives the same records, summaries and issues with it on and off: every corpus file, a
 *   generated log over several 1 MiB chunks, lines built on each edge of what it settles, and random
 *   lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { generateSyslog } from '../../../bench/analyze/generate.js';
import { fastSkip } from '../../../src/logs/read/fast-skip.js';
import { LogReader, type FileSummary, type ReadOptions } from '../../../src/logs/read/index.js';
import type { LogRecord } from '../../../src/logs/record.js';
import { corpusLogs } from '../corpus-support.js';
import { MTIME, tempFiles } from './files-support.js';

const SAMPLE = new URL('../../../samples/syslog', import.meta.url).pathname;
const { dir, file, stamp } = tempFiles('pptpmon-fast-skip-');

async function read(
  files: string[],
  wasmSkip: boolean,
  extra: Partial<ReadOptions> = {},
): Promise<{ recs: LogRecord[]; sums: FileSummary[]; issues: string[] }> {
  const issues: string[] = [];
  const r = new LogReader(files, {
    timeZone: 'UTC',
    nowMs: MTIME.getTime(),
    wasmSkip,
    onIssue: (i) => issues.push(`${i.kind} ${i.line ?? ''} ${i.message}`),
    ...extra,
  });
  await r.open();
  const recs: LogRecord[] = [];
  for await (const b of r.batches()) recs.push(...b);
  return { recs, sums: r.summaries(), issues };
}

async function same(files: string[], extra: Partial<ReadOptions> = {}): Promise<number> {
  const on = await read(files, true, extra);
  const off = await read(files, false, extra);
  assert.deepStrictEqual(on, off, files.join(' '));
  return on.recs.length;
}

test('the embedded module is what skip.wat compiles to', async () => {
  const script = '../../../scripts/build-wasm.mjs';
  const { skipWasmSource } = (await import(script)) as { skipWasmSource: () => Promise<string> };
  const built = readFileSync(new URL('../../../src/logs/read/skip-wasm.ts', import.meta.url), 'utf8');
  assert.equal(built, await skipWasmSource(), 'src/logs/read/skip-wasm.ts is stale: run npm run build:wasm');
});

test('skip() settles runs of other programs and stops at what it cannot settle', () => {
  const fast = fastSkip();
  assert.ok(fast, 'WebAssembly with SIMD is there on Node 20');
  const other = (i: number): string =>
    `Nov 20 10:00:${String(i % 60).padStart(2, '0')} vpn1 sshd[${i}]: x${i}`;
  const stops = [
    'Nov 20 10:01:00 vpn1 pppd[1]: Exit.', // relevant
    'Nov 20 10:01:00 vpn1 pppd: no pid', // relevant, not the plain shape
    'Nov 20 10:01:00 2026 pppd[1]: a year, not a host',
    'Nov 20 10:01:00 vpn1 pppd[1]: caf\u00e9', // not ASCII
    'Nov 20 10:01:00 vpn1 pppd[1]: message repeated 2 times: [ x]',
    'Nov 20 10:01:00 vpn1 last message repeated 2 times', // a third token
    'Nov 20 10:01:00 pppd[1]: no host', // busybox -S
    'Nov 20 10:01:00  vpn1 sshd[1]: two spaces',
    '<13>Nov 20 10:01:00 vpn1 sshd[1]: PRI',
    'nov 20 10:01:00 vpn1 sshd[1]: lower-case month',
  ];
  for (const stop of stops) {
    const lines = [
      other(1),
      other(2),
      'Nov 20 10:00:59 vpn1 apparmor[2]: `pp`, no needle',
      other(3),
      stop,
      other(4),
    ];
    const text = Buffer.from(lines.join('\n') + '\n');
    fast.load(text);
    const at = fast.skip(0, text.length, 65_536);
    assert.equal(at, text.indexOf(stop), stop);
    assert.equal(fast.count, 4, stop);
    const last = text.indexOf(other(3));
    assert.equal(fast.lastStart, last);
    assert.equal(fast.lastEnd, last + other(3).length);
    // Only the plain, printable relevant line is handed over with its offsets.
    assert.equal(fast.plain, stop === stops[0], stop);
  }
  const line = 'Nov 20 10:01:00 vpn1 pptpd[4321]: CTRL: Client 10.0.0.1 control connection started';
  const text = Buffer.from(`${other(1)}\n${line}\r\n`);
  fast.load(text);
  const at = fast.skip(0, text.length, 65_536);
  assert.equal(at, other(1).length + 1);
  assert.ok(fast.plain);
  const tail = { hostEnd: 0, progStart: 0, progEnd: 0, pid: 0, msgStart: 0 };
  const ends: [number, number] = [0, 0];
  fast.tail(tail, ends);
  const off = (s: string): number => at + line.indexOf(s);
  assert.deepStrictEqual(tail, {
    hostEnd: off(' pptpd'),
    progStart: off('pptpd'),
    progEnd: off('[4321]'),
    pid: 4321,
    msgStart: off('CTRL:'),
  });
  assert.deepStrictEqual(ends, [text.length - 1, text.length - 2]);
  // A CR before the newline is not part of the line; an over-long line stops the run; so does the
  // last line when it has no newline.
  const crlf = Buffer.from(
    `${other(1)}\r\n${other(2)}\r\n${'Nov 20 10:00:00 vpn1 sshd[1]: ' + 'y'.repeat(300)}\n${other(3)}`,
  );
  fast.load(crlf);
  assert.equal(fast.skip(0, crlf.length, 200), crlf.indexOf('Nov 20 10:00:00 vpn1 sshd[1]: yyy'));
  assert.equal(fast.count, 2);
  assert.equal(fast.lastEnd, crlf.indexOf('\r\n', other(1).length + 2));
  const unterminated = Buffer.from(`${other(1)}\n${other(2)}`);
  fast.load(unterminated);
  assert.equal(fast.skip(0, unterminated.length, 65_536), other(1).length + 1);
  assert.equal(fast.count, 1);
});

/** Lines on each edge of what the WebAssembly loop settles, among runs it skips. */
function edgeLines(): string {
  const tags = [
    'sshd[1]',
    'CRON[2]',
    'kernel:',
    'postfix/smtpd[3]',
    'apparmor[4]',
    'xRAdius[5]',
    'Pppd[6]',
    'happy:',
    'pptpd[7]',
    'pppd[8]',
    'radiusd[9]',
    'a b[1]',
    'last message repeated 3 times',
    'sshd [1]',
    'sshd',
    '',
    'pppd[8]:',
    'pptpd[7]:',
    'Pppd[6]:',
    'radiusd[9]:',
    'pptp[1]:',
    'pppd[1234567890]:',
    'pppd[123456789]:',
    'pppd[]:',
    'pppd[12]x:',
    'pppd[12] :',
    'apparmor[3]:',
  ];
  const hosts = ['vpn1', 'h[1]', 'h:1', '2026', 'fe80::1', '', ' vpn1'];
  const rows: string[] = [];
  let n = 0;
  for (const h of hosts)
    for (const t of tags) {
      const s = String(n++ % 60).padStart(2, '0');
      rows.push(`Nov 20 10:00:${s} ${h}${h === '' ? '' : ' '}${t} message ${n}`);
      rows.push(`Nov 20 10:00:${s} vpn1 sshd[9]: filler ${n}`);
      rows.push(`Nov 20 10:00:${s} ${h} ${t}`);
      rows.push(`Nov 20 10:00:${s} ${h} ${t}\r`);
      for (const m of [
        'message repeated 2 times: [ x]',
        'message repeated',
        'caf\u00e9',
        'tab\there',
        '\u007f',
        '',
      ])
        rows.push(`Nov  2 10:00:${s} ${h} ${t} ${m}`, `Nov 20 10:00:${s} ${h} ${t}${m}`);
    }
  rows.push('Nov 20 10:00:00 vpn1');
  rows.push('Nov 20 10:00:00 ');
  rows.push('short');
  rows.push('');
  return rows.join('\n');
}

function randomLines(seed: number, count: number): Buffer {
  let x = seed >>> 0;
  const rnd = (n: number): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)] as T;
  const tags = ['sshd', 'pppd', 'pptpd', 'CRON', 'kernel', 'rADius', 'app', 'ppp', 'p', 'r', 'ra', 'pp', ''];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const month = pick(['Nov', 'Dec', 'nov', 'N v', 'XYZ']);
    const day = pick([' 1', '20', '  ', '0x']);
    const time = pick(['10:00:00', '23:59:59', '1x:00:00', '10 00 00']);
    const host = pick(['vpn1', '', 'a:b', 'h[', 'x y']);
    const tag = pick(tags) + pick(['[1]', ':', '', ' ', '[', '[12]:']);
    const msg = 'z'.repeat(rnd(40)) + pick(['', ' pppd[1]:', '\t', '\u0001']);
    const sep = pick([' ', '', '  ']);
    out.push(`${month} ${day} ${time}${sep}${host} ${tag} ${msg}${pick(['', '', '\r'])}`);
  }
  return Buffer.from(out.join('\n') + (rnd(2) ? '\n' : ''), 'latin1');
}

test('same records, summaries and issues with the WebAssembly loop on and off', async () => {
  let records = 0;
  for (const log of corpusLogs()) records += await same([log]);
  // Several 1 MiB chunks: lines cross chunk ends, runs stop and start at them.
  const gen = join(dir, 'gen.log');
  await generateSyslog(gen, 40_000, 11, SAMPLE);
  stamp(gen);
  records += await same([gen]);
  records += await same([gen, file('edges.log', edgeLines())]);
  // Over-long lines: the JavaScript loop reports and cuts them.
  records += await same([file('edges-long.log', edgeLines())], { maxLineBytes: 40 });
  // gzip: its chunks are copied into the module's memory (a plain file is read into it).
  const gz = join(dir, 'gen.log.gz');
  writeFileSync(gz, gzipSync(readFileSync(gen)));
  stamp(gz);
  records += await same([gz]);
  for (let seed = 1; seed <= 20; seed++)
    records += await same([file(`random${seed}.log`, randomLines(seed, 3000))]);
  assert.ok(records > 5000, `${records} records compared`);
});

test('a plain file is read into the module memory, and its buffers are given back at its end', async () => {
  const fast = fastSkip();
  assert.ok(fast);
  const path = file('lend.log', 'Nov 20 10:00:00 vpn1 pppd[1]: Exit.\n');
  const r = new LogReader([path, path], { timeZone: 'UTC', nowMs: MTIME.getTime() });
  await r.open();
  // The first file holds them; the second reads into its own.
  assert.equal(fast.readBuffers(), undefined, 'lent to the first file');
  for await (const b of r.batches()) assert.ok(b.length > 0);
  const again = fast.readBuffers();
  assert.ok(again, 'given back when the file is read');
  again.give();
});
