/**
 * `pptpmon analyze` on inputs that expose real, still unfixed bugs in src/logs (found by the corpus
 * review and test/logs/fuzz-reader.test.ts). Each test states the right answer and is marked `todo`
 * with the reason until src/logs is fixed; then drop the `todo` (node --test reports a passing todo).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Sess {
  pppdPid?: number;
  ctrlPid?: number;
  user?: string;
  peer?: string;
  start?: string;
  end?: string;
  cause?: string;
}

function sessionsOf(log: string): Sess[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'analyze', '--json', '-'], {
    cwd: ROOT,
    input: log,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { sessions: Sess[] }).sessions;
}

// poptop 1.4.0 pptpctrl.c: when the client answers no PPTP Echo-Request for MAX_ECHO_WAIT (60 s,
// pptpdefs.h) pptpctrl logs "CTRL: Session timed out, ending call" and clears the call. That is "no
// response to echo requests" (EVENTS.md link_dead), not a configured session limit (session_timeout:
// pppd maxconnect "Connect time expired").
test("pptpctrl's PPTP echo timeout ('CTRL: Session timed out') ends the call as link_dead", () => {
  const log = [
    'Nov 25 15:00:00 vpn1 pptpd[7101]: CTRL: Client 203.0.113.98 control connection started',
    'Nov 25 15:00:00 vpn1 pptpd[7101]: CTRL: Starting call (launching pppd, opening GRE)',
    'Nov 25 15:00:00 vpn1 pppd[7102]: pppd 2.4.9 started by root, uid 0',
    'Nov 25 15:00:00 vpn1 pppd[7102]: Connect: ppp2 <--> /dev/pts/5',
    'Nov 25 15:00:01 vpn1 pppd[7102]: peer from calling number 203.0.113.98 authorized',
    'Nov 25 15:00:02 vpn1 pppd[7102]: local  IP address 10.9.0.1',
    'Nov 25 15:00:02 vpn1 pppd[7102]: remote IP address 10.9.0.12',
    // pppd runs without lcp-echo here (pptpd-options often leave it out): pptpctrl notices first.
    'Nov 25 15:12:02 vpn1 pptpd[7101]: CTRL: Session timed out, ending call',
    'Nov 25 15:12:02 vpn1 pppd[7102]: Modem hangup',
    'Nov 25 15:12:02 vpn1 pppd[7102]: Connect time 12.0 minutes.',
    'Nov 25 15:12:02 vpn1 pppd[7102]: Sent 52000 bytes, received 61000 bytes.',
    'Nov 25 15:12:02 vpn1 pppd[7102]: Connection terminated.',
    'Nov 25 15:12:02 vpn1 pptpd[7101]: CTRL: Reaping child PPP[7102]',
    'Nov 25 15:12:02 vpn1 pppd[7102]: Exit.',
    'Nov 25 15:12:02 vpn1 pptpd[7101]: CTRL: Client 203.0.113.98 control connection finished',
    '',
  ].join('\n');
  const [s, ...more] = sessionsOf(log);
  assert.equal(more.length, 0);
  assert.equal(s?.cause, 'link_dead');
});

// Found by test/logs/fuzz-reader.test.ts (PPTPMON_FUZZ_SEED=7 and 8, generated/interleaved-50.log):
// the first call on pids 3032/3033 lost its "pppd ... started", "Connect:" and end lines (log damage, or
// a log that starts mid-session and a rotation gap); an hour later pptpctrl 3032 and pppd 3033 are
// reused by a new call. The new "pppd 2.4.9 started" must open a new session (pid reuse), and the next
// call (pptpctrl 3036 + pppd 3037, both starting in the same second) must keep its own client IP.
test('a new "pppd started" on a pid whose call never ended opens a new session; the next call keeps its peer', () => {
  const log = [
    'Nov 25 08:51:36 vpn1 pptpd[3032]: CTRL: Client 203.0.113.26 control connection started',
    'Nov 25 08:51:36 vpn1 pptpd[3032]: CTRL: Starting call (launching pppd, opening GRE)',
    'Nov 25 08:51:36 vpn1 pppd[3033]: Using interface ppp8',
    'Nov 25 08:51:38 vpn1 pppd[3033]: Peer frank failed CHAP authentication',
    'Nov 25 09:53:27 vpn1 pptpd[3032]: CTRL: Client 203.0.113.55 control connection started',
    'Nov 25 09:53:27 vpn1 pptpd[3032]: CTRL: Starting call (launching pppd, opening GRE)',
    'Nov 25 09:53:27 vpn1 pppd[3033]: pppd 2.4.9 started by root, uid 0',
    'Nov 25 09:53:27 vpn1 pppd[3033]: Using interface ppp19',
    'Nov 25 09:53:27 vpn1 pppd[3033]: Connect: ppp19 <--> /dev/pts/19',
    'Nov 25 09:53:28 vpn1 pppd[3033]: peer from calling number 203.0.113.55 authorized',
    'Nov 25 09:53:48 vpn1 pptpd[3036]: CTRL: Client 203.0.113.56 control connection started',
    'Nov 25 09:53:48 vpn1 pptpd[3036]: CTRL: Starting call (launching pppd, opening GRE)',
    'Nov 25 09:53:48 vpn1 pppd[3037]: pppd 2.4.9 started by root, uid 0',
    'Nov 25 09:53:49 vpn1 pppd[3037]: Peer nobody46 failed CHAP authentication',
    'Nov 25 09:53:49 vpn1 pppd[3037]: Connection terminated.',
    'Nov 25 09:53:49 vpn1 pppd[3037]: Exit.',
    'Nov 25 09:53:50 vpn1 pptpd[3036]: CTRL: Client 203.0.113.56 control connection finished',
    '',
  ].join('\n');
  const ss = sessionsOf(log);
  const later = ss.find((s) => s.pppdPid === 3037);
  assert.equal(later?.ctrlPid, 3036);
  assert.equal(later?.peer, '203.0.113.56');
  assert.equal(later?.cause, 'auth_failed');
  const reused = ss.filter((s) => s.pppdPid === 3033);
  assert.equal(reused.length, 2, JSON.stringify(reused));
  const second = reused.find((s) => s.start === '2026-11-25T09:53:27.000Z');
  assert.equal(second?.peer, '203.0.113.55');
  assert.equal(second?.user, undefined, 'frank failed the earlier call, not this one');
});
