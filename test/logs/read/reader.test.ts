/**
 * The reader against real files on disk: gzip (whole and truncated), stdin, time-ordered merge of a
 * rotated set, invalid UTF-8, binary garbage, a 10 MB line, a missing file, chunk boundaries, and the
 * time of pppd logfile lines. Input is the lab's busybox syslog capture (samples/syslog).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { LogReader, type ReadOptions } from '../../../src/logs/read/index.js';
import type { LogRecord } from '../../../src/logs/record.js';
import { tempFiles } from './files-support.js';

const SAMPLE = readFileSync(new URL('../../../samples/syslog', import.meta.url));
const SAMPLE_LINES = SAMPLE.toString('utf8')
  .split('\n')
  .filter((l) => l !== '');
// Every line of the capture but busybox's own "syslogd started" is pppd/pptpd/pptp.
const SAMPLE_KEPT = SAMPLE_LINES.filter((l) => /\b(pppd|pptpd|pptp)\[/.test(l)).length;

const { dir, file } = tempFiles('pptpmon-read-');

async function readAll(
  files: string[],
  opts: ReadOptions = {},
): Promise<{ recs: LogRecord[]; r: LogReader }> {
  const r = new LogReader(files, { timeZone: 'UTC', ...opts });
  await r.open();
  const recs: LogRecord[] = [];
  for await (const b of r.batches()) recs.push(...b);
  return { recs, r };
}

test('plain file: every pppd/pptpd/pptp line is kept, with its year from the mtime', async () => {
  const { recs, r } = await readAll([file('syslog', SAMPLE)]);
  assert.equal(recs.length, SAMPLE_KEPT);
  assert.equal(recs[0]?.ts, '2026-11-24T21:58:24.000Z');
  const [s] = r.summaries();
  assert.equal(s?.lines, SAMPLE_LINES.length);
  assert.deepEqual(s?.formats, { rfc3164: SAMPLE_LINES.length });
  assert.equal(s?.first, '2026-11-24T21:58:24.000Z');
  assert.equal(s?.last, '2026-11-24T21:59:07.000Z');
  assert.equal(r.issues.kept.length, 0);
});

test('gzip is read by content, whatever the name', async () => {
  const plain = await readAll([file('a', SAMPLE)]);
  const gz = await readAll([file('messages.1', gzipSync(SAMPLE))]);
  assert.deepEqual(
    gz.recs.map((x) => x.raw),
    plain.recs.map((x) => x.raw),
  );
  assert.equal(gz.r.summaries()[0]?.gzip, true);
});

test('truncated gzip: reported with the line reached, the lines before it analysed', async () => {
  const gz = gzipSync(SAMPLE);
  const { recs, r } = await readAll([file('syslog.2.gz', gz.subarray(0, Math.floor(gz.length / 2)))]);
  assert.ok(recs.length > 10 && recs.length < SAMPLE_KEPT, `got ${recs.length}`);
  const issue = r.issues.kept.find((i) => i.kind === 'gzip');
  assert.ok(issue, 'a gzip issue');
  assert.match(issue.message, /gzip data failed after line \d+/);
  assert.ok(issue.line !== undefined && issue.line > 0);
  assert.equal(r.issues.fatal, false);
});

test('stdin (-), gzip or not', async () => {
  const a = await readAll(['-'], { stdin: Readable.from([SAMPLE]), nowMs: Date.UTC(2026, 11, 1) });
  assert.equal(a.recs.length, SAMPLE_KEPT);
  assert.equal(a.recs[0]?.file, '(stdin)');
  const b = await readAll(['-'], { stdin: Readable.from([gzipSync(SAMPLE)]), nowMs: Date.UTC(2026, 11, 1) });
  assert.equal(b.recs.length, SAMPLE_KEPT);
});

test('a rotated set given in any order comes out in time order', async () => {
  const third = Math.floor(SAMPLE_LINES.length / 3);
  const part = (a: number, b: number): string => SAMPLE_LINES.slice(a, b).join('\n') + '\n';
  const f2 = file('syslog.2.gz', gzipSync(part(0, third)));
  const f1 = file('syslog.1', part(third, 2 * third));
  const f0 = file('syslog', part(2 * third, SAMPLE_LINES.length));
  const whole = await readAll([file('whole', SAMPLE)]);
  const merged = await readAll([f0, f2, f1]);
  assert.deepEqual(
    merged.recs.map((x) => x.raw),
    whole.recs.map((x) => x.raw),
  );
  const ts = merged.recs.map((x) => x.ts ?? '');
  assert.deepEqual(ts, [...ts].sort());
});

test('two hosts interleave by time', async () => {
  const a = file('a.log', 'Nov 24 10:00:00 h1 pppd[1]: a1\nNov 24 10:00:02 h1 pppd[1]: a2\n');
  const b = file('b.log', 'Nov 24 10:00:01 h2 pppd[1]: b1\nNov 24 10:00:03 h2 pppd[1]: b2\n');
  const { recs } = await readAll([a, b]);
  assert.deepEqual(
    recs.map((x) => x.message),
    ['a1', 'b1', 'a2', 'b2'],
  );
});

test('bad bytes: invalid UTF-8 is read and reported, binary garbage skipped and reported, the rest analysed', async () => {
  const bad = Buffer.concat([
    Buffer.from('Nov 24 21:58:24 pppd[1]: Using interface ppp0\n'),
    Buffer.from('Nov 24 21:58:25 pppd[1]: name = "'),
    Buffer.from([0xff, 0xfe, 0x41]),
    Buffer.from('"\n'),
    Buffer.from([0x01, 0x02, 0x70, 0x70, 0x70, 0x00, 0x9f, 0x10, 0x0a]),
    Buffer.from('Nov 24 21:58:26 pppd[1]: Exit.\n'),
  ]);
  const { recs, r } = await readAll([file('bad', bad)]);
  assert.deepEqual(
    recs.map((x) => x.line),
    [1, 2, 4],
  );
  assert.ok(recs[1]?.message.includes('\uFFFD'));
  const kinds = r.issues.kept.map((i) => `${i.kind}@${i.line}`);
  assert.deepEqual(kinds, ['utf8@2', 'binary@3']);
  assert.equal(r.issues.kept[0]?.file, join(dir, 'bad'));
});

test('a crash hole (NUL run) before a line is skipped and reported; the line after it is read', async () => {
  const data = Buffer.concat([
    Buffer.from('Nov 24 21:58:24 pppd[1]: before\n'),
    Buffer.alloc(4096),
    Buffer.from('Nov 24 22:10:00 pppd[7]: pppd 2.4.9 started by root, uid 0\n'),
  ]);
  const { recs, r } = await readAll([file('hole', data)]);
  assert.deepEqual(
    recs.map((x) => [x.line, x.pid, x.message]),
    [
      [1, 1, 'before'],
      [2, 7, 'pppd 2.4.9 started by root, uid 0'],
    ],
  );
  assert.equal(recs[1]?.raw.startsWith('Nov 24 22:10:00'), true);
  assert.deepEqual(
    r.issues.kept.map((i) => [i.kind, i.line, i.message]),
    [['binary', 2, '4096 NUL bytes (a hole left by a crash?) skipped']],
  );
});

test('a 10 MB line is cut to the cap and reported; lines after it are read', async () => {
  const huge = 'Nov 24 21:58:25 pppd[1]: ' + 'x'.repeat(10 * 1024 * 1024);
  const data = `Nov 24 21:58:24 pppd[1]: before\n${huge}\nNov 24 21:58:26 pppd[1]: after\n`;
  const { recs, r } = await readAll([file('huge', data)], { maxLineBytes: 4096 });
  assert.deepEqual(
    recs.map((x) => x.line),
    [1, 2, 3],
  );
  assert.equal(recs[1]?.raw.length, 4096);
  assert.equal(recs[2]?.message, 'after');
  const issue = r.issues.kept.find((i) => i.kind === 'long-line');
  assert.equal(issue?.line, 2);
  assert.match(issue?.message ?? '', new RegExp(`${Buffer.byteLength(huge)} bytes`));
});

test('a missing file is reported as fatal and the other files are still read', async () => {
  const { recs, r } = await readAll([join(dir, 'nope'), file('ok', SAMPLE), dir]);
  assert.equal(recs.length, SAMPLE_KEPT);
  assert.equal(r.issues.fatal, true);
  assert.deepEqual(
    r.issues.kept.map((i) => i.kind),
    ['missing', 'unreadable'],
  );
  assert.match(r.issues.kept[0]?.message ?? '', /no such file/);
  assert.match(r.issues.kept[1]?.message ?? '', /directory/);
});

test('lines across 1 MiB chunk boundaries are whole (3 MB of mixed lines)', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 40_000; i++) {
    const s = String(i % 60).padStart(2, '0');
    lines.push(
      i % 7 === 0
        ? `Nov 24 21:00:${s} vpn pppd[${i}]: line ${i} ${'p'.repeat(i % 50)}`
        : `Nov 24 21:00:${s} vpn cron[${i}]: (root) CMD (run-parts /etc/cron.hourly) ${i}`,
    );
  }
  const { recs, r } = await readAll([file('big', lines.join('\r\n') + '\r\n')]);
  assert.equal(r.summaries()[0]?.lines, 40_000);
  const want = lines.filter((_, i) => i % 7 === 0);
  assert.deepEqual(
    recs.map((x) => x.raw),
    want,
  );
  assert.deepEqual(
    recs.map((x) => x.line),
    want.map((_, k) => k * 7 + 1),
  );
});

test('pppd logfile lines take the time of the timestamped line before them, else the mtime', async () => {
  const mixed = file(
    'mixed',
    'Nov 24 21:58:24 vpn pppd[1]: Using interface ppp0\nsent [LCP ConfReq id=0x1]\n',
  );
  const a = await readAll([mixed]);
  assert.equal(a.recs[1]?.tsSource, 'neighbour');
  assert.equal(a.recs[1]?.ts, '2026-11-24T21:58:24.000Z');
  const lead = file('lead', 'sent [LCP ConfReq id=0x1]\nNov 24 21:58:30 vpn pppd[1]: Exit.\n');
  const b = await readAll([lead]);
  assert.equal(b.recs[0]?.tsSource, 'neighbour');
  assert.equal(b.recs[0]?.ts, '2026-11-24T21:58:30.000Z');
  const mtime = new Date('2026-11-24T22:05:00Z');
  const pure = file('ppp.log', readFileSync(new URL('../../../samples/ppp-server.log', import.meta.url)), {
    mtime,
  });
  const c = await readAll([pure]);
  assert.ok(c.recs.length > 100);
  assert.ok(
    c.recs.every((x) => x.tsSource === 'mtime' && x.ts === mtime.toISOString() && x.program === 'pppd'),
  );
  assert.deepEqual(c.r.summaries()[0]?.untimed, { neighbour: 0, mtime: c.recs.length, none: 0 });
  assert.deepEqual(a.r.summaries()[0]?.untimed, { neighbour: 1, mtime: 0, none: 0 });
});
