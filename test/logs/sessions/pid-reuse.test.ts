/**
 * pid reuse after a call whose end was lost (log damage, a rotation gap, a log that starts mid-call):
 * pptpctrl 3032 / pppd 3033 serve a call whose end never reaches the log; an hour later the same pids
 * serve a new call, and pptpctrl 3036 / pppd 3037 start another call right after. Whatever line of the
 * new call on 3033 survives, it must not be merged into the old call, and the pptpctrl that started it
 * must not be handed (pptpctrl -> pppd pairing by start order, sessions/ctrl.ts) to pppd 3037.
 * Message texts: poptop 1.4.0 pptpctrl.c, pppd 2.4.9 main.c/auth.c (as in test/corpus/pptpd).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogPipeline, type LogRecord, type Session } from '../../../src/logs/index.js';

type Line = [time: string, program: 'pptpd' | 'pppd', pid: number, message: string];

function run(lines: Line[]): Session[] {
  const p = new LogPipeline();
  const out: Session[] = [];
  lines.forEach(([time, program, pid, message], i) => {
    const rec: LogRecord = {
      ts: `2026-11-25T${time}.000Z`,
      tsSource: 'line',
      host: 'vpn1',
      program,
      pid,
      message,
      raw: `Nov 25 ${time} vpn1 ${program}[${pid}]: ${message}`,
      file: 'reuse',
      line: i + 1,
      format: 'rfc3164',
    };
    p.push(rec);
    out.push(...p.drainClosed());
  });
  out.push(...p.finish());
  assert.equal(p.stats().internalErrors, 0);
  return out;
}

/** The first call on 3032/3033: its end lines are lost. */
const OLD_CALL: Line[] = [
  ['08:51:36', 'pptpd', 3032, 'CTRL: Client 203.0.113.26 control connection started'],
  ['08:51:36', 'pptpd', 3032, 'CTRL: Starting call (launching pppd, opening GRE)'],
  ['08:51:36', 'pppd', 3033, 'pppd 2.4.9 started by root, uid 0'],
  ['08:51:36', 'pppd', 3033, 'Using interface ppp8'],
  ['08:51:36', 'pppd', 3033, 'Connect: ppp8 <--> /dev/pts/8'],
  ['08:51:38', 'pppd', 3033, 'Peer frank failed CHAP authentication'],
];

/** The next call (3036/3037) starting `at` (HH:MM:SS): a failed login, which names no client IP. */
function nextCall(at: string, end: string): Line[] {
  return [
    [at, 'pptpd', 3036, 'CTRL: Client 203.0.113.56 control connection started'],
    [at, 'pptpd', 3036, 'CTRL: Starting call (launching pppd, opening GRE)'],
    [at, 'pppd', 3037, 'pppd 2.4.9 started by root, uid 0'],
    [at, 'pppd', 3037, 'Connect: ppp20 <--> /dev/pts/20'],
    [end, 'pppd', 3037, 'Peer nobody46 failed CHAP authentication'],
    [end, 'pppd', 3037, 'Connection terminated.'],
    [end, 'pppd', 3037, 'Exit.'],
    [end, 'pptpd', 3036, 'CTRL: Client 203.0.113.56 control connection finished'],
  ];
}

function assertNextCall(ss: Session[]): void {
  const s = ss.find((x) => x.pppdPid === 3037);
  assert.ok(s, 'session of pppd 3037');
  assert.deepEqual([s.ctrlPid, s.peer, s.user, s.cause], [3036, '203.0.113.56', 'nobody46', 'auth_failed']);
}

test('the new call\'s "pppd started" is lost, its "Connect:" opens a new session with its pptpctrl', () => {
  const ss = run([
    ...OLD_CALL,
    ['09:53:27', 'pptpd', 3032, 'CTRL: Client 203.0.113.55 control connection started'],
    ['09:53:27', 'pptpd', 3032, 'CTRL: Starting call (launching pppd, opening GRE)'],
    ['09:53:27', 'pppd', 3033, 'Connect: ppp19 <--> /dev/pts/19'],
    ['09:53:28', 'pppd', 3033, 'MPPE 128-bit stateless compression enabled'],
    ...nextCall('09:53:48', '09:53:49'),
  ]);
  assert.equal(ss.length, 3, JSON.stringify(ss));
  const reused = ss.filter((s) => s.pppdPid === 3033);
  const old = reused.find((s) => s.start === '2026-11-25T08:51:36.000Z');
  const next = reused.find((s) => s.start === '2026-11-25T09:53:27.000Z');
  assert.equal(old?.user, 'frank');
  assert.equal(old?.cause, 'auth_failed');
  assert.deepEqual(
    [next?.ctrlPid, next?.peer, next?.user, next?.cause],
    [3032, '203.0.113.55', undefined, undefined],
  );
  assertNextCall(ss);
});

test('a "Connect:" on a pid whose link was already up is a new pppd (its start and the old end lost)', () => {
  const ss = run([
    ['10:00:00', 'pppd', 4001, 'pppd 2.4.9 started by root, uid 0'],
    ['10:00:00', 'pppd', 4001, 'Connect: ppp1 <--> /dev/pts/1'],
    ['11:00:00', 'pppd', 4001, 'Connect: ppp4 <--> /dev/pts/4'],
    ['11:00:02', 'pppd', 4001, 'Peer zed failed CHAP authentication'],
    ['11:00:02', 'pppd', 4001, 'Connection terminated.'],
    ['11:00:02', 'pppd', 4001, 'Exit.'],
  ]);
  assert.equal(ss.length, 2, JSON.stringify(ss));
  const first = ss.find((s) => s.start === '2026-11-25T10:00:00.000Z');
  const second = ss.find((s) => s.start === '2026-11-25T11:00:00.000Z');
  assert.deepEqual([first?.cause, first?.user, first?.iface], ['unknown', undefined, 'ppp1']);
  assert.deepEqual([second?.cause, second?.user, second?.iface], ['auth_failed', 'zed', 'ppp4']);
});

test("only the new call's calling number survives: it claims its pptpctrl before pppd 3037 starts", () => {
  // 3036 starts its call 3 s after 3032: both are fresh, so start order alone would pair 3037 with 3032.
  const ss = run([
    ...OLD_CALL,
    ['09:53:27', 'pptpd', 3032, 'CTRL: Client 203.0.113.55 control connection started'],
    ['09:53:27', 'pptpd', 3032, 'CTRL: Starting call (launching pppd, opening GRE)'],
    ['09:53:28', 'pppd', 3033, 'peer from calling number 203.0.113.55 authorized'],
    ...nextCall('09:53:30', '09:53:31'),
  ]);
  assertNextCall(ss);
  assert.ok(ss.some((s) => s.pppdPid === 3033 && s.ctrlPid === 3032 && s.peer === '203.0.113.55'));
});

test('a pppd guessed to the wrong pptpctrl by start order is re-paired by its calling number', () => {
  const ss = run([
    ['12:00:00', 'pptpd', 5001, 'CTRL: Client 198.51.100.1 control connection started'],
    ['12:00:00', 'pptpd', 5003, 'CTRL: Client 198.51.100.3 control connection started'],
    ['12:00:00', 'pptpd', 5001, 'CTRL: Starting call (launching pppd, opening GRE)'],
    ['12:00:00', 'pptpd', 5003, 'CTRL: Starting call (launching pppd, opening GRE)'],
    // 5003's pppd execs first: start order alone gives it 5001.
    ['12:00:01', 'pppd', 5004, 'pppd 2.4.9 started by root, uid 0'],
    ['12:00:01', 'pppd', 5004, 'Connect: ppp1 <--> /dev/pts/1'],
    ['12:00:02', 'pppd', 5004, 'peer from calling number 198.51.100.3 authorized'],
    ['12:00:02', 'pppd', 5002, 'pppd 2.4.9 started by root, uid 0'],
    ['12:00:02', 'pppd', 5002, 'Connect: ppp2 <--> /dev/pts/2'],
    ['12:00:03', 'pppd', 5002, 'Peer ann failed CHAP authentication'],
    ['12:00:03', 'pppd', 5002, 'Connection terminated.'],
    ['12:00:03', 'pppd', 5002, 'Exit.'],
  ]);
  const b = ss.find((s) => s.pppdPid === 5004);
  const a = ss.find((s) => s.pppdPid === 5002);
  assert.deepEqual([b?.ctrlPid, b?.peer], [5003, '198.51.100.3']);
  assert.deepEqual([a?.ctrlPid, a?.peer, a?.cause], [5001, '198.51.100.1', 'auth_failed']);
});

test('a pptpctrl whose pppd never showed up is not handed to a pppd started long after it', () => {
  // 3032's new call left no pppd line at all; 3036 starts its call 21 s later.
  const ss = run([
    ...OLD_CALL,
    ['09:53:27', 'pptpd', 3032, 'CTRL: Client 203.0.113.55 control connection started'],
    ['09:53:27', 'pptpd', 3032, 'CTRL: Starting call (launching pppd, opening GRE)'],
    ...nextCall('09:53:48', '09:53:49'),
  ]);
  assertNextCall(ss);
});

test('a slow pppd still gets its pptpctrl when another call starts and pairs in between', () => {
  const ss = run([
    ['13:00:00', 'pptpd', 6001, 'CTRL: Client 198.51.100.1 control connection started'],
    ['13:00:00', 'pptpd', 6001, 'CTRL: Starting call (launching pppd, opening GRE)'],
    ['13:00:07', 'pptpd', 6003, 'CTRL: Client 198.51.100.3 control connection started'],
    ['13:00:07', 'pptpd', 6003, 'CTRL: Starting call (launching pppd, opening GRE)'],
    ['13:00:07', 'pppd', 6004, 'pppd 2.4.9 started by root, uid 0'],
    ['13:00:08', 'pppd', 6002, 'pppd 2.4.9 started by root, uid 0'],
    ['13:00:09', 'pppd', 6004, 'Peer ben failed CHAP authentication'],
    ['13:00:09', 'pppd', 6002, 'Peer ann failed CHAP authentication'],
  ]);
  assert.deepEqual(ss.map((s) => [s.pppdPid, s.ctrlPid, s.peer]).sort(), [
    [6002, 6001, '198.51.100.1'],
    [6004, 6003, '198.51.100.3'],
  ]);
});

test('a new client on the pptpctrl pid of a call surely its own ends that call where the new one starts', () => {
  const ss = run([
    ['08:00:00', 'pptpd', 3032, 'CTRL: Client 203.0.113.26 control connection started'],
    ['08:00:00', 'pptpd', 3032, 'CTRL: Starting call (launching pppd, opening GRE)'],
    ['08:00:00', 'pppd', 3033, 'pppd 2.4.9 started by root, uid 0'],
    ['08:00:00', 'pppd', 3033, 'Connect: ppp8 <--> /dev/pts/8'],
    ['08:00:01', 'pppd', 3033, 'peer from calling number 203.0.113.26 authorized'],
    ['08:00:02', 'pppd', 3033, 'remote IP address 10.9.0.26'],
    // The end of that call and pptpctrl's exit are lost; pid 3032 serves a new client.
    ['09:00:00', 'pptpd', 3032, 'CTRL: Client 203.0.113.55 control connection started'],
    ['09:00:00', 'pptpd', 3032, 'CTRL: Starting call (launching pppd, opening GRE)'],
    ['09:00:00', 'pppd', 3040, 'pppd 2.4.9 started by root, uid 0'],
    ['09:00:01', 'pppd', 3040, 'Peer nobody failed CHAP authentication'],
  ]);
  assert.equal(ss.length, 2, JSON.stringify(ss));
  const old = ss.find((s) => s.pppdPid === 3033);
  assert.deepEqual(
    [old?.peer, old?.end, old?.cause, old?.seconds],
    ['203.0.113.26', '2026-11-25T09:00:00.000Z', 'unknown', 3600],
  );
  const next = ss.find((s) => s.pppdPid === 3040);
  assert.deepEqual([next?.ctrlPid, next?.peer, next?.cause], [3032, '203.0.113.55', undefined]);
});

test("a launcher whose pptpctrl's lines were lost does not take the next pptpctrl's call (debug on)", () => {
  // From test/corpus/lab/sessions30-crash.log with pptpctrl 2040's lines and launcher 2042's address
  // lost: launcher 2042 logs while no pptpctrl is waiting, so its pppd cannot be 2041's.
  const ss = run([
    ['23:18:12', 'pptpd', 2042, 'CTRL (PPPD Launcher): program binary = /usr/sbin/pppd'],
    ['23:18:13', 'pptpd', 2041, 'CTRL: remote address = 10.78.0.107'],
    ['23:18:13', 'pptpd', 2041, 'CTRL: Client 10.77.2.108 control connection started'],
    ['23:18:13', 'pptpd', 2041, 'CTRL: Starting call (launching pppd, opening GRE)'],
    ['23:18:13', 'pppd', 2042, 'Plugin /usr/lib/pptpd/pptpd-logwtmp.so loaded.'],
    ['23:18:13', 'pptpd', 2043, 'CTRL (PPPD Launcher): program binary = /usr/sbin/pppd'],
    ['23:18:13', 'pptpd', 2043, 'CTRL (PPPD Launcher): remote address = 10.78.0.107'],
    ['23:18:13', 'pppd', 2042, 'pppd 2.4.9 started by root, uid 0'],
    ['23:18:14', 'pppd', 2043, 'pppd 2.4.9 started by root, uid 0'],
    ['23:18:15', 'pppd', 2043, 'Peer ann failed CHAP authentication'],
    ['23:18:15', 'pppd', 2042, 'Peer ben failed CHAP authentication'],
  ]);
  const a = ss.find((s) => s.pppdPid === 2043);
  const b = ss.find((s) => s.pppdPid === 2042);
  assert.deepEqual([a?.ctrlPid, a?.peer], [2041, '10.77.2.108']);
  assert.deepEqual([b?.ctrlPid, b?.peer], [undefined, undefined]);
});
