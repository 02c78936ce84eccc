/**
 * `pptpmon analyze` report figures and filters on a hand-built pptpd/pppd log whose right answers were
 * worked out by hand (below, beside the log), not taken from the analyzer's own output. Message texts
 * are pppd 2.5.1's (auth.c "Peer %q authenticated with %s", chap.c "Peer %q failed CHAP
 * authentication", lcp.c echo failure, main.c link stats) and poptop 1.4.0's pptpctrl.c, in the shape of
 * the lab captures. Runs the real CLI as a child process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pptpmon-analyze-report-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Call {
  user: string;
  peer: string;
  ctrl: number;
  pppd: number;
  iface: string;
  start: string; // HH:MM:SS, all lines of the start in this second
  /** 'ok': IP up, then the client's LCP TermReq at `end`; 'authfail': bad password; 'echo': link dead. */
  kind: 'ok' | 'authfail' | 'echo';
  end: string;
  connectMin?: string; // pppd's "Connect time N minutes."
  bytes?: [number, number];
}

// Six calls. Intervals (start .. end, the end being pppd's "Connection terminated."):
//   S1 alice 203.0.113.10  08:00:00 .. 08:10:00  user_disconnect, 600 s (Connect time 10.0), 1000/2000
//   S5 dave  203.0.113.40  08:02:00 .. 08:32:00  link_dead, 1800 s (30.0), 5000/6000
//   S2 bob   203.0.113.20  08:05:00 .. 08:05:03  auth_failed, 3 s (no Connect time: end - start)
//   S6 erin  203.0.113.10  08:05:01 .. 09:05:03  user_disconnect, 3600 s (60.0), 10000/20000
//   S3 bob   203.0.113.20  08:12:00 .. 08:12:03  auth_failed, 3 s
//   S4 carol 203.0.113.30  08:13:00 .. 08:13:03  auth_failed, 3 s
// Peak: 4 (S1, S5, S2, S6) only from 08:05:01 to 08:05:03; at 08:12/08:13 only S5, S6 and one more.
// Durations sorted: 3 3 3 600 1800 3600; nearest rank: p50 = 3rd = 3, p90 = p99 = 6th = 3600.
// Bytes: sent 1000 + 5000 + 10000 = 16000, received 2000 + 6000 + 20000 = 28000.
const CALLS: Call[] = [
  {
    user: 'alice',
    peer: '203.0.113.10',
    ctrl: 1001,
    pppd: 1002,
    iface: 'ppp0',
    start: '08:00:00',
    kind: 'ok',
    end: '08:10:00',
    connectMin: '10.0',
    bytes: [1000, 2000],
  },
  {
    user: 'dave',
    peer: '203.0.113.40',
    ctrl: 1051,
    pppd: 1052,
    iface: 'ppp1',
    start: '08:02:00',
    kind: 'echo',
    end: '08:32:00',
    connectMin: '30.0',
    bytes: [5000, 6000],
  },
  {
    user: 'bob',
    peer: '203.0.113.20',
    ctrl: 1021,
    pppd: 1022,
    iface: 'ppp2',
    start: '08:05:00',
    kind: 'authfail',
    end: '08:05:03',
  },
  {
    user: 'erin',
    peer: '203.0.113.10',
    ctrl: 1061,
    pppd: 1062,
    iface: 'ppp3',
    start: '08:05:01',
    kind: 'ok',
    end: '09:05:03',
    connectMin: '60.0',
    bytes: [10000, 20000],
  },
  {
    user: 'bob',
    peer: '203.0.113.20',
    ctrl: 1031,
    pppd: 1032,
    iface: 'ppp2',
    start: '08:12:00',
    kind: 'authfail',
    end: '08:12:03',
  },
  {
    user: 'carol',
    peer: '203.0.113.30',
    ctrl: 1041,
    pppd: 1042,
    iface: 'ppp2',
    start: '08:13:00',
    kind: 'authfail',
    end: '08:13:03',
  },
];

function plus(hms: string, s: number): string {
  const [h, m, sec] = hms.split(':').map(Number) as [number, number, number];
  const t = h * 3600 + m * 60 + sec + s;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(Math.floor(t / 3600))}:${p(Math.floor(t / 60) % 60)}:${p(t % 60)}`;
}

/** [time, line] pairs of one call, as pptpd 1.4.0 + pppd 2.5.1 log them (lab capture shape). */
function callLines(c: Call): [string, string][] {
  const C = `pptpd[${c.ctrl}]: CTRL:`;
  const P = `pppd[${c.pppd}]:`;
  const s = c.start;
  const out: [string, string][] = [
    [s, `${C} Client ${c.peer} control connection started`],
    [s, `${C} Starting call (launching pppd, opening GRE)`],
    [s, `pptpd[${c.pppd}]: CTRL (PPPD Launcher): program binary = /usr/sbin/pppd`],
    [s, `${P} pppd 2.5.1 started by root, uid 0`],
    [s, `${P} Using interface ${c.iface}`],
    [s, `${P} Connect: ${c.iface} <--> /dev/pts/${c.iface.slice(3)}`],
  ];
  if (c.kind === 'authfail') {
    out.push([plus(s, 2), `${P} Peer ${c.user} failed CHAP authentication`]);
    out.push([c.end, `${P} Connection terminated.`]);
    out.push([c.end, `${C} Received CALL CLR request (closing call)`]);
  } else {
    const a = plus(s, 1);
    const ip = plus(s, 2);
    const remote = `10.0.0.${c.pppd % 100}`;
    out.push(
      [a, `${P} Peer ${c.user} authenticated with CHAP`],
      [a, `${P} peer from calling number ${c.peer} authorized`],
      [a, `${P} MPPE 128-bit stateless compression enabled`],
      [ip, `${P} local  IP address 10.0.0.1`],
      [ip, `${P} remote IP address ${remote}`],
    );
    const [sent, recv] = c.bytes ?? [0, 0];
    const stats: [string, string][] = [
      [c.end, `${P} Connect time ${c.connectMin} minutes.`],
      [c.end, `${P} Sent ${sent} bytes, received ${recv} bytes.`],
    ];
    if (c.kind === 'ok')
      out.push(
        [c.end, `${P} LCP terminated by peer`],
        ...stats,
        [c.end, `${P} Modem hangup`],
        [c.end, `${P} Connection terminated.`],
      );
    else
      out.push(
        [c.end, `${P} No response to 4 echo-requests`],
        [c.end, `${P} Serial link appears to be disconnected.`],
        ...stats,
        [c.end, `${P} Connection terminated.`],
      );
  }
  out.push(
    [c.end, `${C} Reaping child PPP[${c.pppd}]`],
    [c.end, `${P} Exit.`],
    [c.end, `${C} Client ${c.peer} control connection finished`],
  );
  return out;
}

// Unclassified: 11 kinds of pptpd/pppd lines no classifier knows, the i-th repeated 12 - i times (77
// lines). The report shows the top 10 (counts 12 .. 3); the 11th (count 2) is left out.
const UNKNOWN = [
  'quantum flux capacitor engaged',
  'widget sprocket misaligned',
  'bogus frobnication attempted',
  'polarity of the neutron flow reversed',
  'reticulating splines',
  'gremlins detected in the tubes',
  'unexpected llama on the bus',
  'spooling the warp coils',
  'cosmic ray flipped a bit somewhere',
  'tachyon buffer overflowed',
  'the eleventh unknown kind',
];

function buildLog(): string {
  const lines: [string, string][] = CALLS.flatMap(callLines);
  UNKNOWN.forEach((text, i) => {
    for (let k = 0; k < 12 - i; k++)
      lines.push([plus('08:40:00', i * 60 + k), i % 2 ? `pptpd[999]: ${text}` : `pppd[1062]: ${text}`]);
  });
  // Other programs (not analysed, not "unclassified"), inside the span.
  lines.push(['08:20:00', 'sshd[4242]: Accepted publickey for admin from 192.0.2.1 port 50000 ssh2']);
  lines.push(['08:50:00', 'CRON[4243]: (root) CMD (run-parts /etc/cron.hourly)']);
  // Last line of the log: span 08:00:00 .. 09:06:00 = 3960 s = 66.0 min.
  lines.push(['09:06:00', 'pptpd[999]: quantum flux capacitor engaged']);
  // Stable sort by time keeps each call's lines in order.
  lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return lines.map(([t, l]) => `Nov 25 ${t} vpn1 ${l}`).join('\n') + '\n';
}

const LOG = join(dir, 'syslog');
writeFileSync(LOG, buildLog());
// Yearless lines take their year from the file's mtime.
utimesSync(LOG, new Date('2026-11-26T00:00:00Z'), new Date('2026-11-26T00:00:00Z'));

interface Run {
  code: number | null;
  out: string;
  err: string;
}
function analyze(args: string[]): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'analyze', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Sess {
  user?: string;
  peer?: string;
  start?: string;
  end?: string;
  seconds?: number;
  cause?: string;
}
interface Doc {
  sessions: Sess[];
  summary: {
    sessions: number;
    failures: Record<string, number>;
    authFailures: { byUser: Record<string, number>; byPeer: Record<string, number> };
    peakConcurrent: number;
    peakAt?: string;
    durationSeconds?: { p50: number; p90: number; p99: number; max: number };
    bytes: { sent: number; received: number };
    topFailingUsers: { key: string; count: number }[];
    topFailingPeers: { key: string; count: number }[];
  };
  span: { first?: string; last?: string };
  unclassified: {
    total: number;
    distinct: number;
    top: { template: string; count: number; program: string }[];
  };
}

function json(args: string[]): Doc {
  const r = analyze(['--json', ...args, LOG]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Doc;
}

/** "user:cause" of each session, sorted, for compact comparison. */
function who(d: Doc): string[] {
  return d.sessions.map((s) => `${s.user ?? '-'}:${s.cause ?? 'open'}`).sort();
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('text report: span, peak and its time, percentiles, bytes, ends, failures, top users/peers', () => {
  const r = analyze(['--sessions', LOG]);
  assert.equal(r.code, 0, r.err);
  const o = r.out;
  assert.match(o, /Time span: +2026-11-25 08:00:00Z \.\. 2026-11-25 09:06:00Z \(66\.0 min\)/);
  assert.match(o, /Sessions: +6 PPTP \(server 6\)\n/);
  assert.match(o, /Peak: +4 concurrent at 2026-11-25 08:05:01Z\n/);
  assert.match(o, /Duration: +p50 3 s, p90 60\.0 min, p99 60\.0 min, max 60\.0 min\n/);
  assert.match(o, /Bytes: +sent 16000, received 28000 /);
  assert.match(o, /Ends: +auth_failed 3, user_disconnect 2, link_dead 1\n/);
  // Failures by cause, most first, each with the first line that proves it.
  const fails = o.slice(o.indexOf('Failures by cause'), o.indexOf('Top failing users'));
  assert.match(
    fails,
    /\n {2}auth_failed +3 +e\.g\. Nov 25 08:05:02 vpn1 pppd\[1022\]: Peer bob failed CHAP authentication\n/,
  );
  assert.match(
    fails,
    /\n {2}link_dead +1 +e\.g\. Nov 25 08:32:00 vpn1 pppd\[1052\]: No response to 4 echo-requests\n/,
  );
  assert.ok(fails.indexOf('auth_failed') < fails.indexOf('link_dead'), 'most frequent cause first');
  assert.doesNotMatch(fails, /user_disconnect/, 'a hang-up is not a failure');
  const users = o.slice(o.indexOf('Top failing users'), o.indexOf('Top failing peers'));
  assert.deepEqual(
    users
      .trim()
      .split('\n')
      .slice(2)
      .map((l) => l.trim().split(/\s+/)),
    [
      ['2', 'bob', '2'],
      ['1', 'carol', '1'],
      ['1', 'dave', '0'],
    ],
  );
  const peers = o.slice(o.indexOf('Top failing peers'), o.indexOf('\nSessions ('));
  assert.deepEqual(
    peers
      .trim()
      .split('\n')
      .slice(2)
      .map((l) => l.trim().split(/\s+/)),
    [
      ['2', '203.0.113.20', '2'],
      ['1', '203.0.113.30', '1'],
      ['1', '203.0.113.40', '0'],
    ],
  );
});

test('text report: --sessions table has one row per call with its figures', () => {
  const r = analyze(['--sessions', LOG]);
  assert.equal(r.code, 0, r.err);
  const table = r.out.slice(r.out.indexOf('\nSessions (6)\n'), r.out.indexOf('\nUnclassified'));
  assert.ok(table.length > 0, 'a "Sessions (6)" table before the unclassified lines');
  const rows = table.trim().split('\n').slice(2);
  assert.equal(rows.length, 6, table);
  // start, end, secs, user, peer, iface, tunnel IPs, mppe, sent/recv, role, cause
  const want = [
    '2026-11-25 08:00:00Z 2026-11-25 08:10:00Z 600 alice 203.0.113.10 ppp0 10.0.0.1 -> 10.0.0.2 128 stateless 1000/2000 server user_disconnect',
    '2026-11-25 08:02:00Z 2026-11-25 08:32:00Z 1800 dave 203.0.113.40 ppp1 10.0.0.1 -> 10.0.0.52 128 stateless 5000/6000 server link_dead',
    '2026-11-25 08:05:00Z 2026-11-25 08:05:03Z 3 bob 203.0.113.20 ppp2 - - - server auth_failed',
    '2026-11-25 08:05:01Z 2026-11-25 09:05:03Z 3600 erin 203.0.113.10 ppp3 10.0.0.1 -> 10.0.0.62 128 stateless 10000/20000 server user_disconnect',
    '2026-11-25 08:12:00Z 2026-11-25 08:12:03Z 3 bob 203.0.113.20 ppp2 - - - server auth_failed',
    '2026-11-25 08:13:00Z 2026-11-25 08:13:03Z 3 carol 203.0.113.30 ppp2 - - - server auth_failed',
  ];
  const got = rows.map((l) => l.trim().replace(/\s+/g, ' ')).sort();
  assert.deepEqual(got, [...want].sort());
});

test('text report: unclassified lines, top 10 kinds with their counts', () => {
  const r = analyze([LOG]);
  assert.equal(r.code, 0, r.err);
  const u = r.out.slice(r.out.indexOf('Unclassified lines of known programs'));
  // 77 + the last line (the first kind once more, but under pptpd: a kind is per program) = 78 lines
  // in 12 kinds; 10 shown, most frequent first.
  assert.match(u, /^Unclassified lines of known programs: 78 \(12 kinds\), top 10\n/);
  const rows = u
    .split('\n')
    .slice(2)
    .filter((l) => l.trim() !== '');
  assert.equal(rows.length, 10, u);
  const expected = UNKNOWN.slice(0, 10).map((text, i) => ({
    count: 12 - i,
    program: i % 2 ? 'pptpd' : 'pppd',
    text,
  }));
  rows.forEach((row, i) => {
    const e = expected[i]!;
    assert.match(row, new RegExp(`^ +${e.count} +${e.program} +${esc(e.text)}$`), `row ${i + 1}: ${row}`);
  });
  assert.doesNotMatch(u, /the eleventh unknown kind/, 'the 11th kind (2 lines) is not in the top 10');
  const d = json([]);
  assert.equal(d.unclassified.total, 78);
  assert.equal(d.unclassified.distinct, 12);
  assert.deepEqual(
    d.unclassified.top.map((x) => [x.count, x.program]),
    expected.map((e) => [e.count, e.program]),
  );
});

test('--json summary: the same figures', () => {
  const d = json([]);
  assert.equal(d.summary.sessions, 6);
  assert.equal(d.summary.peakConcurrent, 4);
  assert.equal(d.summary.peakAt, '2026-11-25T08:05:01.000Z');
  assert.deepEqual(d.summary.durationSeconds, { p50: 3, p90: 3600, p99: 3600, max: 3600 });
  assert.deepEqual(d.summary.bytes, { sent: 16000, received: 28000 });
  assert.deepEqual(d.summary.failures, { auth_failed: 3, link_dead: 1 });
  assert.deepEqual(d.summary.authFailures, {
    byUser: { bob: 2, carol: 1 },
    byPeer: { '203.0.113.20': 2, '203.0.113.30': 1 },
  });
  assert.deepEqual(d.span, { first: '2026-11-25T08:00:00.000Z', last: '2026-11-25T09:06:00.000Z' });
});

test('--until keeps the sessions that began by then (a session over the edge stays whole)', () => {
  const d = json(['--until', '2026-11-25T08:04:59Z']);
  assert.deepEqual(who(d), ['alice:user_disconnect', 'dave:link_dead']);
  assert.equal(d.summary.sessions, 2);
  assert.deepEqual(d.summary.failures, { link_dead: 1 });
  assert.equal(d.summary.peakConcurrent, 2);
  assert.equal(d.summary.peakAt, '2026-11-25T08:02:00.000Z');
  // dave's call ran to 08:32, past --until: counted with its whole duration and bytes.
  assert.deepEqual(d.summary.bytes, { sent: 6000, received: 8000 });
  // The edge itself: a call starting exactly at --until is in, one second later is out.
  assert.deepEqual(
    who(json(['--until', '2026-11-25T08:12:00Z'])).filter((x) => x.startsWith('bob')),
    ['bob:auth_failed', 'bob:auth_failed'],
  );
  assert.deepEqual(
    who(json(['--until', '2026-11-25T08:11:59Z'])).filter((x) => x.startsWith('bob')),
    ['bob:auth_failed'],
  );
});

test('--since and --until together select the sessions overlapping the window, edges included', () => {
  const d = json(['--since', '2026-11-25T08:20:00Z', '--until', '2026-11-25T08:40:00Z']);
  assert.deepEqual(who(d), ['dave:link_dead', 'erin:user_disconnect']);
  assert.equal(d.summary.sessions, 2);
  assert.deepEqual(d.summary.failures, { link_dead: 1 });
  assert.deepEqual(d.summary.authFailures, { byUser: {}, byPeer: {} });
  // alice's call ended at 08:10:00: in with --since 08:10:00, out with --since 08:10:01.
  assert.ok(who(json(['--since', '2026-11-25T08:10:00Z'])).includes('alice:user_disconnect'));
  assert.ok(!who(json(['--since', '2026-11-25T08:10:01Z'])).includes('alice:user_disconnect'));
  // An empty window: nothing, and no failure figures.
  const none = json(['--since', '2026-11-25T10:00:00Z', '--until', '2026-11-25T11:00:00Z']);
  assert.deepEqual(none.sessions, []);
  assert.equal(none.summary.sessions, 0);
  assert.deepEqual(none.summary.failures, {});
});

test('time zones: lines and --since/--until without a zone are read in --tz; offsets and Z are absolute', () => {
  // New York is UTC-5 on 25 Nov: the log's 08:00 there is 13:00Z.
  const tz = ['--tz', 'America/New_York'];
  const local = json([...tz, '--since', '2026-11-25 08:20', '--until', '2026-11-25 08:40']);
  assert.deepEqual(who(local), ['dave:link_dead', 'erin:user_disconnect']);
  const dave = local.sessions.find((s) => s.user === 'dave');
  assert.equal(dave?.start, '2026-11-25T13:02:00.000Z');
  const offset = json([...tz, '--since', '2026-11-25T08:20:00-05:00', '--until', '2026-11-25T13:40:00Z']);
  assert.deepEqual(who(offset), who(local));
  // 08:20Z is 03:20 in New York: every call of the log (13:00Z on) is after it.
  assert.equal(json([...tz, '--since', '2026-11-25T08:20:00Z']).sessions.length, 6);
  // ... and --until 08:40Z is before all of them.
  assert.equal(json([...tz, '--until', '2026-11-25T08:40:00Z']).sessions.length, 0);
});

test('--user narrows sessions, summary, failures and the top tables', () => {
  const d = json(['--user', 'bob']);
  assert.deepEqual(who(d), ['bob:auth_failed', 'bob:auth_failed']);
  assert.equal(d.summary.sessions, 2);
  assert.deepEqual(d.summary.failures, { auth_failed: 2 });
  assert.deepEqual(d.summary.authFailures, { byUser: { bob: 2 }, byPeer: { '203.0.113.20': 2 } });
  assert.equal(d.summary.peakConcurrent, 1);
  assert.deepEqual(d.summary.bytes, { sent: 0, received: 0 });
  const t = analyze(['--user', 'bob', LOG]);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /Sessions: +2 PPTP/);
  assert.match(t.out, /\n {2}auth_failed +2 +e\.g\. .*Peer bob failed CHAP authentication\n/);
  assert.doesNotMatch(t.out, /link_dead|carol|dave|alice/);
});

test('--peer narrows sessions, summary and failures', () => {
  const d = json(['--peer', '203.0.113.10']);
  assert.deepEqual(who(d), ['alice:user_disconnect', 'erin:user_disconnect']);
  assert.equal(d.summary.sessions, 2);
  assert.deepEqual(d.summary.failures, {});
  assert.equal(d.summary.peakConcurrent, 2);
  assert.equal(d.summary.peakAt, '2026-11-25T08:05:01.000Z');
  assert.deepEqual(d.summary.bytes, { sent: 11000, received: 22000 });
  const t = analyze(['--peer', '203.0.113.10', LOG]);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /Failures by cause: none\n/);
  assert.doesNotMatch(t.out, /Top failing/);
  const f = json(['--peer', '203.0.113.30']);
  assert.deepEqual(who(f), ['carol:auth_failed']);
  assert.deepEqual(f.summary.authFailures, { byUser: { carol: 1 }, byPeer: { '203.0.113.30': 1 } });
});
