/**
 * Reading on a worker thread gives what reading in-process gives: the record encoding (transfer.ts)
 * round-trips every corpus file's records exactly, and `runAnalyze` with `parallel: true` (a real
 * worker_threads Worker) writes the same JSON/NDJSON/text, the same stderr and exit code as with
 * `parallel: false`, on a generated log, a rotated set with a gzip member, damaged input and a
 * missing file.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateSyslog } from '../../../bench/analyze/generate.js';
import { LogReader } from '../../../src/logs/read/index.js';
import { PARALLEL_MIN_BYTES, worthParallel } from '../../../src/logs/read/parallel.js';
import { decodeBatch, encodeBatch } from '../../../src/logs/read/transfer.js';
import type { LogRecord } from '../../../src/logs/record.js';
import { runAnalyze } from '../../../src/logs/report/index.js';
import { corpusLogs } from '../corpus-support.js';

const dir = mkdtempSync(join(tmpdir(), 'pptpmon-parallel-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, data: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  const t = new Date('2026-11-25T00:00:00Z');
  utimesSync(p, t, t);
  return p;
}

test('encode/decode: every corpus file, record for record', async () => {
  const logs = corpusLogs();
  assert.ok(logs.length >= 10, `corpus has ${logs.length} logs`);
  let n = 0;
  const formats = new Set<string>();
  for (const log of logs) {
    const r = new LogReader([log], { timeZone: 'Europe/Berlin', nowMs: Date.parse('2026-11-25T00:00:00Z') });
    await r.open();
    for await (const batch of r.batches()) {
      const back = decodeBatch(structuredClone(encodeBatch(batch)));
      assert.deepStrictEqual(back, batch, log);
      n += batch.length;
      for (const rec of batch) formats.add(rec.format);
    }
  }
  assert.ok(n > 500, `${n} records`);
  // The corpus covers the shapes whose strings are not all inside the raw line (journal JSON).
  for (const f of ['rfc3164', 'rfc5424', 'journal-json', 'short-iso', 'openwrt', 'pppd-logfile'])
    assert.ok(formats.has(f), `corpus has ${f} records`);
});

test('encode/decode: non-ASCII, explicit fields, repeats, untimed and several files', () => {
  const recs: LogRecord[] = [
    {
      tsSource: 'line',
      message: 'Peer jürgen failed CHAP authentication',
      raw: 'Nov 24 21:58:27 vpn1 pppd[164]: Peer jürgen failed CHAP authentication',
      file: 'a.log',
      line: 7,
      format: 'rfc3164',
      ts: '2026-11-24T21:58:27.000Z',
      host: 'vpn1',
      program: 'pppd',
      pid: 164,
    },
    {
      tsSource: 'line',
      message: 'Exit. \u{1F600} \ud800',
      raw: '{"MESSAGE":"Exit. \\ud83d\\ude00 \\ud800","_HOSTNAME":"gw","SYSLOG_IDENTIFIER":"pppd"}',
      file: 'b.json',
      line: 1,
      format: 'journal-json',
      ts: '2026-11-24T21:58:27.123Z',
      host: 'gw',
      program: 'pppd',
    },
    {
      tsSource: 'neighbour',
      message: 'Connect: ppp0 <--> /dev/pts/1',
      raw: 'Connect: ppp0 <--> /dev/pts/1',
      file: 'ppp.log',
      line: 3,
      format: 'pppd-logfile',
      ts: '2026-11-24T21:58:28.000Z',
      program: 'pppd',
    },
    {
      tsSource: 'none',
      message: 'Exit.',
      raw: 'Exit.',
      file: 'ppp.log',
      line: 4,
      format: 'pppd-logfile',
      program: 'pppd',
    },
    {
      tsSource: 'line',
      message: 'last message repeated 3 times',
      raw: 'Nov 24 21:58:29 vpn1 last message repeated 3 times',
      file: 'a.log',
      line: 8,
      format: 'rfc3164',
      ts: '2026-11-24T21:58:29.000Z',
      host: 'vpn1',
      program: 'pppd',
      pid: 164,
      repeated: 3,
    },
    { tsSource: 'line', message: '', raw: '', file: 'a.log', line: 9, format: 'bare' },
  ];
  assert.deepStrictEqual(decodeBatch(structuredClone(encodeBatch(recs))), recs);
  assert.deepStrictEqual(decodeBatch(encodeBatch([])), []);
});

interface Out {
  code: number;
  out: string;
  err: string;
}

async function analyze(files: string[], output: 'json' | 'events' | 'text', parallel: boolean): Promise<Out> {
  let out = '';
  let err = '';
  const code = await runAnalyze({
    files,
    output,
    sessionsTable: true,
    timeZone: 'UTC',
    nowMs: Date.parse('2026-11-25T00:00:00Z'),
    parallel,
    write: (s) => (out += s),
    writeErr: (s) => (err += s),
  });
  return { code, out, err };
}

async function same(files: string[]): Promise<Out> {
  let last: Out | undefined;
  for (const output of ['json', 'events', 'text'] as const) {
    const a = await analyze(files, output, false);
    const b = await analyze(files, output, true);
    assert.equal(b.code, a.code, output);
    assert.equal(b.err, a.err, output);
    assert.equal(b.out, a.out, output);
    if (output === 'json') last = a;
  }
  return last as Out;
}

test('runAnalyze on a worker thread = in-process: generated log with hundreds of interleaved calls', async () => {
  const log = join(dir, 'gen.log');
  await generateSyslog(log, 60_000, 7, new URL('../../../samples/syslog', import.meta.url).pathname);
  const r = await same([log]);
  const doc = JSON.parse(r.out) as { summary: { sessions: number }; records: number };
  assert.ok(doc.summary.sessions > 40, `${doc.summary.sessions} sessions`);
  assert.ok(doc.records > 5000, `${doc.records} records`);
});

test('runAnalyze on a worker thread = in-process: rotated set with gzip, damage, a missing file', async () => {
  const sample = readFileSync(new URL('../../../samples/syslog', import.meta.url), 'utf8');
  const lines = sample.split('\n').filter((l) => l !== '');
  const half = Math.floor(lines.length / 2);
  const older = file('syslog.1.gz', gzipSync(lines.slice(0, half).join('\n') + '\n'));
  const damaged = Buffer.concat([
    Buffer.from(lines.slice(half).join('\n') + '\n'),
    Buffer.from('Nov 24 23:00:00 vpn1 pppd[9]: bad \xff\xfe bytes\n', 'latin1'),
    Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 10]),
    Buffer.from(`Nov 24 23:00:01 vpn1 pppd[9]: ${'x'.repeat(70_000)}\n`),
    Buffer.from('Nov 24 23:00:02 vpn1 pppd[9]: Exit.'),
  ]);
  const newer = file('syslog', damaged);
  const r = await same([older, newer, join(dir, 'no-such-file')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /no-such-file: cannot read: no such file/);
  assert.match(r.err, /not valid UTF-8/);
  assert.match(r.err, /longer than the 65536-byte cap/);
});

test('worthParallel: 4 cores or more, only regular files, only when large together', async () => {
  const small = file('small.log', 'x\n');
  assert.equal(await worthParallel([small], 8), false);
  const big = file('big.log', Buffer.alloc(PARALLEL_MIN_BYTES, 10));
  assert.equal(await worthParallel([big], 8), true);
  assert.equal(await worthParallel([big], 2), false, 'not on 2 cores');
  assert.equal(await worthParallel([big, '-'], 8), false);
  assert.equal(await worthParallel([big, join(dir, 'missing')], 8), false);
  assert.equal(await worthParallel([dir], 8), false);
});

test('pptpmon analyze on a large file (worker started early on >= 4 cores): same document as in-process', async () => {
  const log = join(dir, 'big-gen.log');
  await generateSyslog(log, 80_000, 11, new URL('../../../samples/syslog', import.meta.url).pathname);
  assert.ok(statSync(log).size >= PARALLEL_MIN_BYTES, 'the file is large enough for the worker');
  const main = new URL('../../../src/cli/main.ts', import.meta.url).pathname;
  const cli = execFileSync(
    process.execPath,
    ['--import', 'tsx', main, 'analyze', '--json', '--tz', 'UTC', log],
    {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    },
  );
  const inProcess = await analyze([log], 'json', false);
  assert.equal(cli, inProcess.out);
});
