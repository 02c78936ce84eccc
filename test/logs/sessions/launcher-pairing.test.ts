/**
 * pptpctrl -> pppd pairing when calls start at the same moment (pptpd debug on): each launcher child
 * logs `CTRL (PPPD Launcher): remote address = X`, the same X its pptpctrl logged as `CTRL: remote
 * address = X` (poptop pptpctrl.c). The first launcher line is paired by a guess (the pptpctrl that
 * most recently started a call); the remote-address line must correct every wrong guess, also when the
 * launchers' lines interleave so that each guess is wrong. The real 30-session capture is
 * test/corpus/lab/sessions30-crash; this case builds the worst interleaving that capture lacks.
 * pppd logs no calling number here, so a failed login's client IP can only come from its pptpctrl.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogPipeline, type LogRecord, type Session } from '../../../src/logs/index.js';

let line = 0;
function rec(program: string, pid: number, message: string): LogRecord {
  line++;
  return {
    ts: `2026-11-25T00:00:${String(10 + Math.floor(line / 10)).padStart(2, '0')}.000Z`,
    tsSource: 'line',
    host: 'vpn1',
    program,
    pid,
    message,
    raw: `${program}[${pid}]: ${message}`,
    file: 'launchers',
    line,
    format: 'rfc3164',
  };
}

const CALLS = [
  { ctrl: 101, pppd: 201, client: '198.51.100.1', remote: '10.0.0.100', user: 'ann' },
  { ctrl: 102, pppd: 202, client: '198.51.100.2', remote: '10.0.0.101', user: 'ben' },
  { ctrl: 103, pppd: 203, client: '198.51.100.3', remote: '10.0.0.102', user: 'cid' },
] as const;

function run(order: readonly number[]): Session[] {
  const recs: LogRecord[] = [];
  for (const c of CALLS)
    recs.push(
      rec('pptpd', c.ctrl, 'MGR: Launching /usr/sbin/pptpctrl to handle client'),
      rec('pptpd', c.ctrl, 'CTRL: local address = 10.0.0.1'),
      rec('pptpd', c.ctrl, `CTRL: remote address = ${c.remote}`),
      rec('pptpd', c.ctrl, `CTRL: Client ${c.client} control connection started`),
    );
  for (const c of CALLS) recs.push(rec('pptpd', c.ctrl, 'CTRL: Starting call (launching pppd, opening GRE)'));
  // Every launcher's first line before any remote-address line, in `order`: each pop-guess is wrong.
  for (const i of order) {
    const c = CALLS[i];
    if (c) recs.push(rec('pptpd', c.pppd, 'CTRL (PPPD Launcher): program binary = /usr/sbin/pppd'));
  }
  for (const c of CALLS)
    recs.push(
      rec('pptpd', c.pppd, 'CTRL (PPPD Launcher): local address = 10.0.0.1'),
      rec('pptpd', c.pppd, `CTRL (PPPD Launcher): remote address = ${c.remote}`),
    );
  for (const c of [...CALLS].reverse())
    recs.push(
      rec('pppd', c.pppd, 'pppd 2.4.9 started by root, uid 0'),
      rec('pppd', c.pppd, 'Connect: ppp0 <--> /dev/pts/0'),
    );
  for (const c of CALLS)
    recs.push(
      rec('pppd', c.pppd, `Peer ${c.user} failed CHAP authentication`),
      rec('pppd', c.pppd, 'Connection terminated.'),
      rec('pppd', c.pppd, 'Exit.'),
    );
  const p = new LogPipeline();
  const out: Session[] = [];
  for (const r of recs) {
    p.push(r);
    out.push(...p.drainClosed());
  }
  out.push(...p.finish());
  assert.equal(p.stats().internalErrors, 0);
  return out;
}

for (const order of [
  [1, 0, 2],
  [2, 0, 1],
  [0, 1, 2],
  [2, 1, 0],
]) {
  test(`launchers logging in order ${order.join(',')} still pair each pppd with its pptpctrl`, () => {
    const sessions = run(order);
    assert.equal(sessions.length, 3);
    for (const c of CALLS) {
      const s = sessions.find((x) => x.pppdPid === c.pppd);
      assert.ok(s, `session of pppd ${c.pppd}`);
      assert.deepEqual(
        [s.ctrlPid, s.peer, s.user, s.cause, s.transport],
        [c.ctrl, c.client, c.user, 'auth_failed', 'pptp'],
      );
    }
  });
}
