/**
 * The reader's byte-level program filter (tag check for BSD/short-iso/OpenWrt, needle search for the
 * other shapes) must keep exactly the lines the full parser would keep. Checked on every format, and
 * on seeded random mixes of stamps, hosts, tags and messages against a naive reference: split the
 * text, parse every line with LineParser, keep the relevant programs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineParser, isRelevantProgram } from '../../../src/logs/formats/index.js';
import { LogReader, type FileSummary } from '../../../src/logs/read/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pptpmon-filter-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const MTIME = new Date('2026-11-25T00:00:00Z');
let n = 0;

async function read(text: string): Promise<{ kept: string[]; summary: FileSummary }> {
  const p = join(dir, `log${n++}`);
  writeFileSync(p, text);
  utimesSync(p, MTIME, MTIME);
  const r = new LogReader([p], { timeZone: 'UTC' });
  await r.open();
  const out: string[] = [];
  for await (const b of r.batches()) for (const x of b) out.push(x.raw);
  return { kept: out, summary: r.summaries()[0] as FileSummary };
}

async function kept(text: string): Promise<string[]> {
  return (await read(text)).kept;
}

/** Line count and lines per format as the parser sees every line (the reader counts skipped lines in bulk). */
function referenceCounts(text: string): { lines: number; formats: Record<string, number> } {
  const p = new LineParser({ file: 'x', zone: 'UTC', refMs: MTIME.getTime() });
  const formats: Record<string, number> = {};
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const f = p.parse(line.endsWith('\r') ? line.slice(0, -1) : line, i + 1).rec.format;
    formats[f] = (formats[f] ?? 0) + 1;
  });
  return { lines: lines.length, formats };
}

function reference(text: string): string[] {
  const p = new LineParser({ file: 'x', zone: 'UTC', refMs: MTIME.getTime() });
  const out: string[] = [];
  text.split('\n').forEach((crlf, i) => {
    const line = crlf.endsWith('\r') ? crlf.slice(0, -1) : crlf; // the reader drops a CR before LF
    if (line === '') return;
    const r = p.parse(line, i + 1);
    if (r.rec.format === 'pppd-logfile' || isRelevantProgram(r.rec.program)) out.push(line);
  });
  return out;
}

const FORMATS: [string, (tag: string, msg: string) => string][] = [
  ['rfc3164 host', (t, m) => `Nov 24 21:58:24 vpn1 ${t}: ${m}`],
  ['rfc3164 no host', (t, m) => `Nov 24 21:58:24 ${t}: ${m}`],
  ['rfc3164 year after time', (t, m) => `Nov 24 21:58:24 2026 vpn1 ${t}: ${m}`],
  ['rfc3164 year after day', (t, m) => `Nov 24 2026 21:58:24 vpn1 ${t}: ${m}`],
  ['rfc3164 fraction', (t, m) => `Nov 24 21:58:24.250 vpn1 ${t}: ${m}`],
  ['rfc3164 PRI', (t, m) => `<30>Nov 24 21:58:24 vpn1 ${t}: ${m}`],
  ['short-iso', (t, m) => `2026-11-24T21:58:24+0000 vpn1 ${t}: ${m}`],
  ['short-iso precise', (t, m) => `2026-11-24T21:58:24.123456+01:00 vpn1 ${t}: ${m}`],
  ['openwrt', (t, m) => `Tue Nov 24 21:58:24 2026 daemon.info ${t}: ${m}`],
  [
    'rfc5424',
    (t, m) => {
      const [app, pid] = t.replace(']', '').split('[');
      return `<30>1 2026-11-24T21:58:24Z vpn1 ${app} ${pid ?? '-'} - - ${m}`;
    },
  ],
  [
    'journal-json',
    (t, m) => {
      const [app, pid] = t.replace(']', '').split('[');
      return JSON.stringify({
        __REALTIME_TIMESTAMP: '1795557504000000',
        SYSLOG_IDENTIFIER: app,
        _PID: pid,
        MESSAGE: m,
      });
    },
  ],
];

for (const [name, make] of FORMATS) {
  test(`filter keeps pppd/pptpd/radiusd and drops cron: ${name}`, async () => {
    const lines = [
      make('pppd[139]', 'Using interface ppp0'),
      make('CRON[5]', '(root) CMD (ppp-watch pptp radius)'),
      make('pptpd[152]', 'CTRL: Client 10.213.1.2 control connection started'),
      make('radiusd[9]', 'Auth: (3) Login OK: [bob]'),
      make('sshd[7]', 'Accepted publickey for ppp from 192.0.2.1'),
    ];
    const text = lines.join('\n') + '\n';
    const got = await kept(text);
    assert.deepEqual(got, [lines[0], lines[2], lines[3]]);
    assert.deepEqual(got, reference(text));
  });
}

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

for (const seed of [7, 8, 9])
  test(`seeded random mix ${seed}: the reader keeps exactly what the parser would`, async () => {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const STAMPS = [
      'Nov 24 21:58:24 ',
      'Dec  1 00:00:01 ',
      'Nov 24 21:58:24 2025 ',
      '2026-11-24T21:58:24+0000 ',
      'Mon Nov 20 10:00:00 2026 daemon.info ',
      '<13>Nov 24 21:58:24 ',
      'Tue Nov 24 22:43:50 2026 : ',
      '',
    ];
    const HOSTS = ['vpn1 ', '', '2026 ', 'ppp-gw ', 'radius1 '];
    const TAGS = [
      'pppd[12]: ',
      'PPPD[1]: ',
      'pptpd[3]: ',
      'pptp[4]: ',
      'pptpctrl[5]: ',
      'accel-pppd: ',
      'radiusd[6]: ',
      'freeradius: ',
      'xl2tpd[8]: ',
      'cron[9]: ',
      'kernel: ',
      'nm-pptp-service[10]: ',
      'app: ',
      'pp: ',
      'ppt[1]: ',
      '',
    ];
    const MSGS = [
      'Exit.',
      'sent [LCP ConfReq id=0x1]',
      'last message repeated 3 times',
      'message repeated 2 times: [ Exit.]',
      'ppp0 up',
      'x',
      '',
    ];
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const stamp = pick(STAMPS);
      // Runs of the common shape (BSD, host, mostly programs we skip) between the others, as in a
      // real syslog: the reader counts such runs in bulk. Some lines end in CRLF; mixed-case tags
      // (matched on this shape, like isRelevantProgram) break a run.
      const run = r() < 0.3 ? Math.floor(r() * 20) : 0;
      for (let k = 0; k < run; k++)
        lines.push(
          `Nov 24 21:58:2${k % 10} vpn1 ${pick(['cron[9]', 'kernel', 'sshd[7]', 'cron[9]', 'Pppd[2]', 'RadiusD'])}: ${pick(MSGS)}${r() < 0.1 ? '\r' : ''}`,
        );
      lines.push(`${stamp}${stamp === '' ? '' : pick(HOSTS)}${pick(TAGS)}${pick(MSGS)}`);
    }
    const text = lines.join('\n') + '\n';
    const { kept: got, summary } = await read(text);
    const counts = referenceCounts(text);
    assert.equal(summary.lines, counts.lines);
    assert.deepEqual(summary.formats, counts.formats);
    const want = reference(text);
    const at = got.findIndex((g, i) => g !== want[i]);
    assert.equal(
      at,
      -1,
      `first difference at kept line ${at}: got ${JSON.stringify(got[at])}, want ${JSON.stringify(want[at])}`,
    );
    assert.equal(got.length, want.length);
    assert.ok(got.length > lines.length / 10 && got.length < lines.length * 0.9, `kept ${got.length}`);
  });
