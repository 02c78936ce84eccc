/**
 * The reader's byte-level path for plain BSD lines (src/logs/formats/plain.ts, LineParser.plainBsd)
 * changes nothing but speed:
 * - every record equals what LineParser.parse gives for its line (the general path), on the
 *   benchmark's generated syslog and on lines built to sit on each edge of the plain shape;
 * - on every corpus file (all formats, untimed pppd logfile lines, damaged input) the reader gives the
 *   same records and file summaries with the byte path on and off, and so does a generated log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSyslog } from '../../../bench/analyze/generate.js';
import { LineParser, ZoneClock, isRelevantProgram } from '../../../src/logs/formats/index.js';
import { LogReader, type FileSummary } from '../../../src/logs/read/index.js';
import type { LogRecord } from '../../../src/logs/record.js';
import { corpusLogs } from '../corpus-support.js';
import { MTIME, tempFiles } from './files-support.js';

const SAMPLE = new URL('../../../samples/syslog', import.meta.url).pathname;
const { dir, file, stamp } = tempFiles('pptpmon-plain-');
const ZONE = 'Europe/Berlin';

async function read(
  files: string[],
  plainBytes: boolean,
): Promise<{ recs: LogRecord[]; sums: FileSummary[]; issues: number }> {
  const r = new LogReader(files, { timeZone: ZONE, nowMs: MTIME.getTime(), plainBytes });
  await r.open();
  const recs: LogRecord[] = [];
  for await (const b of r.batches()) recs.push(...b);
  return { recs, sums: r.summaries(), issues: [...r.issues.counts.values()].reduce((a, n) => a + n, 0) };
}

/** The general path, line by line: what the reader must give for a file of timestamped lines. */
function reference(path: string): LogRecord[] {
  const parser = new LineParser({ file: path, zone: new ZoneClock(ZONE), refMs: MTIME.getTime() });
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const out: LogRecord[] = [];
  lines.forEach((l, i) => {
    const { rec } = parser.parse(l.endsWith('\r') ? l.slice(0, -1) : l, i + 1);
    if (isRelevantProgram(rec.program)) out.push(rec);
  });
  return out;
}

/** Lines on each edge of the plain shape; all must come out as the general path reads them. */
function edgeLines(): string {
  const s = 'Nov 20 10:00:0';
  const rows: string[] = [];
  const messages = [
    'GRE: accepting packet #12',
    'CTRL: I wrote 24 bytes to the client.',
    'sent [LCP EchoReq id=0x1 magic=0x1]',
    'sent [LCP ConfReq id=0x1 <asyncmap 0x0>]',
    'anon log[ctrlp_rep:pptp_ctrl.c:256]: Sent control packet type is 5',
    'Connect: ppp0 <--> /dev/pts/1',
    'message repeated 3 times: [ GRE: accepting packet #12]',
    'message repeated soon',
    'caf\u00e9 GRE: accepting',
    'tab\there, escape \u001b[0m, one \u0001 control',
  ];
  const tails = [
    (m: string) => `vpn1 pptpd[100]: ${m}`,
    (m: string) => `vpn1 pppd[200]: ${m}`,
    (m: string) => `vpn1 pptp[300]: ${m}`,
    (m: string) => `vpn1  pppd[200]: ${m}`, // two spaces
    (m: string) => `2026 pppd[200]: ${m}`, // a year, not a host
    (m: string) => `1234 pppd[200]: ${m}`, // four digits outside the year range: still not taken
    (m: string) => `fe80::1 pppd[200]: ${m}`,
    (m: string) => `pppd[200]: ${m}`, // busybox -S: no host
    (m: string) => `vpn1 pppd: ${m}`, // no pid
    (m: string) => `vpn1 pppd[]: ${m}`,
    (m: string) => `vpn1 pppd[1234567890]: ${m}`,
    (m: string) => `vpn1 pppd[200]:${m}`, // no space after the colon
    (m: string) => `vpn1 pppd[200]:  ${m}`,
    (m: string) => `vpn1 Pppd[200]: ${m}`,
    (m: string) => `vpn1 radiusd[5]: ${m}`,
    (m: string) => `vpn1 pppd[200] ${m}`,
  ];
  let n = 0;
  for (const t of tails)
    for (const m of messages) {
      const sec = n++ % 10;
      rows.push(`${s}${sec} ${t(m)}`);
      rows.push(`Nov  2 10:00:0${sec} ${t(m)}`); // space-padded day
    }
  rows.push('Foo 20 10:00:00 vpn1 pppd[1]: Exit.'); // not a month
  rows.push('Nov 00 10:00:00 vpn1 pppd[1]: Exit.'); // day 0
  rows.push('Nov 20 1x:00:00 vpn1 pppd[1]: Exit.');
  rows.push('Nov 20 99:99:99 vpn1 pppd[1]: Exit.'); // not range-checked by parseBsd either
  rows.push('Nov 20 10:00:00 vpn1 pppd[1]: Exit.\r'); // CRLF
  rows.push('Nov 20 10:00:00 vpn1 pppd[1]: ');
  rows.push('Nov 20 10:00:00 vpn1 pppd[1]:');
  rows.push('Dec 31 23:59:59 vpn1 pppd[1]: Exit.'); // later month than the mtime: the year before
  return rows.join('\n') + '\n';
}

test('plain lines: every record is the general path record (generated log and edge lines)', async () => {
  const gen = join(dir, 'gen.log');
  await generateSyslog(gen, 30_000, 7, SAMPLE);
  stamp(gen);
  const edges = file('edges.log', edgeLines());
  for (const path of [gen, edges]) {
    const want = reference(path);
    assert.ok(want.length > 50, `${path}: ${want.length} records`);
    const { recs } = await read([path], true);
    assert.deepStrictEqual(recs, want, path);
  }
});

test('same records, summaries and issues with the byte path on and off (corpus, generated log)', async () => {
  const logs = corpusLogs();
  assert.ok(logs.length >= 10);
  const gen = join(dir, 'gen3.log');
  await generateSyslog(gen, 20_000, 3, SAMPLE);
  let records = 0;
  // Control characters: a few are text (read), many make the line binary (skipped and reported).
  const ctl = file(
    'ctl.log',
    [
      'Nov 20 10:00:00 vpn1 pppd[7]: Exit.',
      `Nov 20 10:00:01 vpn1 pppd[7]: ${'\u0001'.repeat(60)}`,
      'Nov 20 10:00:02 vpn1 pppd[7]: a\u0002b\rc',
      'Nov 20 10:00:03 vpn1 pppd[7]: \u00ff\u00fe latin-1, not UTF-8',
      '',
    ].join('\n'),
    { encoding: 'latin1' },
  );
  for (const files of [...logs.map((l) => [l]), [gen, file('edges2.log', edgeLines())], [ctl]]) {
    const on = await read(files, true);
    const off = await read(files, false);
    assert.deepStrictEqual(on, off, files.join(' '));
    if (files[0] === ctl)
      assert.equal(on.issues, 2, 'the binary line and the invalid UTF-8 line are reported');
    records += on.recs.length;
  }
  assert.ok(records > 2000, `${records} records compared`);
});
