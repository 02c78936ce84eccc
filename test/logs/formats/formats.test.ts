/**
 * Line formats, table-driven: each row is one real-shaped line and the record fields it must give.
 * Texts are from the lab captures (shared/design/lab-captures) and the programs' documented outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineParser, shapeOf } from '../../../src/logs/formats/index.js';
import type { LogRecord } from '../../../src/logs/record.js';

// mtime of the file the lines come from: 5 Jan 2026, so a December line is from 2025.
const REF = Date.UTC(2026, 0, 5, 12);

interface Row {
  name: string;
  line: string;
  zone?: string;
  logfile?: boolean;
  want: Partial<LogRecord>;
  problem?: RegExp;
}

const ROWS: Row[] = [
  {
    name: 'busybox syslogd -S: no host',
    line: 'Nov 24 21:58:24 pppd[139]: pppd 2.4.9 started by root, uid 0',
    want: {
      format: 'rfc3164',
      ts: '2025-11-24T21:58:24.000Z',
      program: 'pppd',
      pid: 139,
      message: 'pppd 2.4.9 started by root, uid 0',
      host: undefined,
    },
  },
  {
    name: 'rsyslog with host, December line in a January file (year rollover)',
    line: 'Dec 31 23:59:59 vpn1 pptpd[12]: CTRL: Client 10.213.1.2 control connection started',
    want: { format: 'rfc3164', ts: '2025-12-31T23:59:59.000Z', host: 'vpn1', program: 'pptpd', pid: 12 },
  },
  {
    name: 'January line in a January file stays in its year',
    line: 'Jan  2 00:00:01 vpn1 pppd[7]: Exit.',
    want: { ts: '2026-01-02T00:00:01.000Z', host: 'vpn1', message: 'Exit.' },
  },
  {
    name: 'zone: wall time read in Europe/Berlin (UTC+1 in winter)',
    line: 'Jan  2 00:00:01 vpn1 pppd[7]: Exit.',
    zone: 'Europe/Berlin',
    want: { ts: '2026-01-01T23:00:01.000Z' },
  },
  {
    name: 'zone: summer time (UTC+2)',
    line: 'Jul 15 12:00:00 2025 vpn1 pppd[7]: Exit.',
    zone: 'Europe/Berlin',
    want: { ts: '2025-07-15T10:00:00.000Z', host: 'vpn1' },
  },
  {
    name: 'PRI as relayed over the network',
    line: '<30>Nov 24 21:58:27 vpn1 pptpd[152]: CTRL: Made a START CTRL CONN RPLY packet',
    want: { format: 'rfc3164', host: 'vpn1', program: 'pptpd', pid: 152 },
  },
  {
    name: 'year after the day',
    line: 'Nov 24 2024 21:58:27 vpn1 pppd[1]: Using interface ppp0',
    want: { ts: '2024-11-24T21:58:27.000Z', host: 'vpn1', program: 'pppd' },
  },
  {
    name: 'year after the time',
    line: 'Nov 24 21:58:27 2024 vpn1 pppd[1]: Using interface ppp0',
    want: { ts: '2024-11-24T21:58:27.000Z', host: 'vpn1' },
  },
  {
    name: 'tag without pid',
    line: 'Nov 24 21:58:27 vpn1 radiusd: Auth: (3) Login incorrect: [bob] (from client localhost port 0)',
    want: {
      program: 'radiusd',
      pid: undefined,
      message: 'Auth: (3) Login incorrect: [bob] (from client localhost port 0)',
    },
  },
  {
    name: 'pptpd launcher tag with a parenthesised part stays in the message',
    line: 'Nov 24 21:58:27 pptpd[162]: CTRL (PPPD Launcher): program binary = /usr/sbin/pppd',
    want: { program: 'pptpd', pid: 162, message: 'CTRL (PPPD Launcher): program binary = /usr/sbin/pppd' },
  },
  {
    name: 'sysklogd: last message repeated',
    line: 'Nov 24 21:58:30 vpn1 last message repeated 3 times',
    want: { repeated: 3, host: 'vpn1', program: undefined },
  },
  {
    name: 'rsyslog: message repeated with the text inside',
    line: 'Nov 24 21:58:30 vpn1 pppd[9]: message repeated 4 times: [ LCP: timeout sending Config-Requests]',
    want: { repeated: 4, program: 'pppd', message: 'LCP: timeout sending Config-Requests' },
  },
  {
    name: 'journalctl -o short-iso (old +0000 form)',
    line: '2026-11-24T21:58:24+0000 vpn1 pppd[139]: Using interface ppp0',
    want: { format: 'short-iso', ts: '2026-11-24T21:58:24.000Z', host: 'vpn1', program: 'pppd', pid: 139 },
  },
  {
    name: 'short-iso-precise / RSYSLOG_FileFormat with offset',
    line: '2026-11-24T22:58:24.123456+01:00 vpn1 pptpd[1]: MGR: Manager process started',
    want: { format: 'short-iso', ts: '2026-11-24T21:58:24.123Z', program: 'pptpd' },
  },
  {
    name: 'RFC 5424 with structured data and BOM',
    line: '<165>1 2026-11-24T21:58:24.003Z vpn1 pppd 139 - [meta x="a\\]b"] \uFEFFCHAP authentication succeeded',
    want: {
      format: 'rfc5424',
      ts: '2026-11-24T21:58:24.003Z',
      host: 'vpn1',
      program: 'pppd',
      pid: 139,
      message: 'CHAP authentication succeeded',
    },
  },
  {
    name: 'RFC 5424 with nil fields',
    line: '<30>1 2026-11-24T21:58:24Z - pptpd - - - MGR: Manager process started',
    want: {
      format: 'rfc5424',
      host: undefined,
      program: 'pptpd',
      pid: undefined,
      message: 'MGR: Manager process started',
    },
  },
  {
    name: 'RFC 5424 with a broken timestamp is reported',
    line: '<30>1 2026-13-xx vpn1 pptpd - - - x',
    want: { format: 'rfc5424' },
    problem: /TIMESTAMP/,
  },
  {
    name: 'OpenWrt logread',
    line: 'Mon Nov 20 10:00:00 2026 daemon.info pppd[123]: Connect: ppp0 <--> /dev/pts/1',
    want: { format: 'openwrt', ts: '2026-11-20T10:00:00.000Z', program: 'pppd', pid: 123, host: undefined },
  },
  {
    name: 'OpenWrt logread, single-digit day',
    line: 'Tue Nov  3 10:00:00 2026 daemon.notice pptpd[5]: MGR: Manager process started',
    want: { format: 'openwrt', ts: '2026-11-03T10:00:00.000Z', program: 'pptpd' },
  },
  {
    name: 'FreeRADIUS radius.log (ctime, then " : ")',
    line: 'Tue Nov 24 22:43:50 2026 : Auth: (3) Login incorrect (mschap: MS-CHAP2-Response is incorrect): [radalice] (from client lab port 0)',
    want: {
      format: 'freeradius',
      ts: '2026-11-24T22:43:50.000Z',
      program: 'radiusd',
      host: undefined,
      message:
        'Auth: (3) Login incorrect (mschap: MS-CHAP2-Response is incorrect): [radalice] (from client lab port 0)',
    },
  },
  {
    name: 'journalctl -o json',
    line: '{"__REALTIME_TIMESTAMP":"1795557504123456","_HOSTNAME":"vpn1","SYSLOG_IDENTIFIER":"pppd","_PID":"139","SYSLOG_PID":"139","MESSAGE":"Exit."}',
    want: {
      format: 'journal-json',
      ts: '2026-11-24T21:58:24.123Z',
      host: 'vpn1',
      program: 'pppd',
      pid: 139,
      message: 'Exit.',
    },
  },
  {
    name: 'journal JSON with a non-UTF-8 MESSAGE as a byte array',
    line: '{"__REALTIME_TIMESTAMP":"1795557504000000","_COMM":"pppd","_PID":"9","MESSAGE":[69,120,105,116,46]}',
    want: { program: 'pppd', pid: 9, message: 'Exit.' },
  },
  {
    name: 'broken journal JSON is reported',
    line: '{"__REALTIME_TIMESTAMP":"17955',
    want: { format: 'journal-json', program: undefined },
    problem: /invalid journal JSON/,
  },
  {
    name: 'journal JSON without a time is reported',
    line: '{"MESSAGE":"x"}',
    want: { format: 'journal-json' },
    problem: /__REALTIME_TIMESTAMP/,
  },
  {
    name: 'pppd logfile line in a syslog file, recognised by its opening',
    line: 'rcvd [LCP ConfReq id=0x1 <asyncmap 0x0> <auth chap MS-v2> <magic 0x68843fb7> <pcomp> <accomp>]',
    want: { format: 'pppd-logfile', program: 'pppd', tsSource: 'none', ts: undefined },
  },
  {
    name: 'pppd logfile line in a ppp-named file',
    line: 'Plugin radius.so loaded.',
    logfile: true,
    want: { format: 'pppd-logfile', program: 'pppd' },
  },
  {
    name: 'marker line in a ppp-named file is not pppd',
    line: '=== SCENARIO lab-good start',
    logfile: true,
    want: { format: 'bare', program: undefined },
  },
  {
    name: 'text with no timestamp',
    line: 'some continuation text',
    want: { format: 'bare', program: undefined, tsSource: 'none' },
  },
  {
    name: 'looks like a month but is not a stamp',
    line: 'Nov is a month',
    want: { format: 'bare' },
  },
];

for (const row of ROWS) {
  test(`format: ${row.name}`, () => {
    const p = new LineParser({
      file: 'f',
      zone: row.zone ?? 'UTC',
      refMs: REF,
      pppdLogfile: row.logfile ?? false,
    });
    const r = p.parse(row.line, 7);
    assert.equal(r.rec.raw, row.line);
    assert.equal(r.rec.line, 7);
    assert.equal(r.rec.file, 'f');
    for (const [k, v] of Object.entries(row.want)) {
      assert.equal(r.rec[k as keyof LogRecord], v, `${k} of ${JSON.stringify(row.line)}`);
    }
    if (row.want.ts !== undefined) assert.equal(r.rec.tsSource, 'line');
    if (row.problem) assert.match(r.problem ?? '', row.problem);
    else assert.equal(r.problem, undefined);
  });
}

test('sysklogd repeat takes the program of the line just before it, not of an older one', () => {
  const p = new LineParser({ file: 'f', zone: 'UTC', refMs: REF });
  p.parse('Nov 24 21:58:29 vpn1 pppd[9]: LCP: timeout sending Config-Requests', 10);
  const r = p.parse('Nov 24 21:58:30 vpn1 last message repeated 2 times', 11);
  assert.equal(r.rec.program, 'pppd');
  assert.equal(r.rec.pid, 9);
  assert.equal(r.rec.repeated, 2);
  const far = p.parse('Nov 24 21:58:31 vpn1 last message repeated 2 times', 20);
  assert.equal(far.rec.program, undefined);
});

test('shapeOf agrees with the parser on every timestamped row', () => {
  for (const row of ROWS) {
    const b = Buffer.from(row.line);
    const shape = shapeOf(b, 0, b.length);
    const p = new LineParser({ file: 'f', zone: 'UTC', refMs: REF });
    const r = p.parse(row.line, 1);
    if (r.rec.format === 'bare' || r.rec.format === 'pppd-logfile') {
      if (row.line !== 'Nov is a month') assert.equal(shape, undefined, row.name);
    } else if (!r.problem) assert.equal(shape, r.rec.format, row.name);
  }
});

test('an unknown time zone is refused with its name', () => {
  assert.throws(() => new LineParser({ file: 'f', zone: 'Mars/Olympus', refMs: REF }), /Mars\/Olympus/);
});
