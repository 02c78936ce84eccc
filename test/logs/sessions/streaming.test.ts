/**
 * The pipeline as a long-running follower uses it: records one by one, drainClosed() as it goes.
 * State must stay bounded (calls whose end was never logged, pid reuse) and quiet logs must still end
 * sessions through advance().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogPipeline, type LogRecord, type Session } from '../../../src/logs/index.js';

const BASE = Date.UTC(2026, 10, 25, 0, 0, 0);
let line = 0;
function rec(ms: number, program: string, pid: number, message: string): LogRecord {
  line++;
  return {
    ts: new Date(ms).toISOString(),
    tsSource: 'line',
    host: 'vpn1',
    program,
    pid,
    message,
    raw: `${program}[${pid}]: ${message}`,
    file: 'stream',
    line,
    format: 'rfc3164',
  };
}

/** One call's lines; `lost` drops every end line (a log gap), as rotation or a crash of syslog would. */
function call(ms: number, ctrl: number, pppd: number, ip: string, lost: boolean): LogRecord[] {
  const out = [
    rec(ms, 'pptpd', ctrl, `CTRL: Client ${ip} control connection started`),
    rec(ms, 'pptpd', ctrl, 'CTRL: Starting call (launching pppd, opening GRE)'),
    rec(ms, 'pppd', pppd, 'pppd 2.4.9 started by root, uid 0'),
    rec(ms, 'pppd', pppd, 'Connect: ppp0 <--> /dev/pts/0'),
    rec(ms + 1000, 'pppd', pppd, `peer from calling number ${ip} authorized`),
  ];
  if (lost) return out;
  return [
    ...out,
    rec(ms + 2000, 'pppd', pppd, 'LCP terminated by peer (MPPE disabled)'),
    rec(ms + 2000, 'pppd', pppd, 'Connection terminated.'),
    rec(ms + 2000, 'pppd', pppd, 'Exit.'),
    rec(ms + 2000, 'pptpd', ctrl, `CTRL: Client ${ip} control connection finished`),
  ];
}

test('state stays bounded over 60000 calls with lost ends and pid reuse', () => {
  const p = new LogPipeline();
  const PIDS = 4000;
  let ended = 0;
  let unknownEnds = 0;
  let maxOpen = 0;
  let maxCtrl = 0;
  const wrong: Session[] = [];
  for (let i = 0; i < 60_000; i++) {
    const ctrl = 1000 + ((2 * i) % PIDS);
    const pppd = ctrl + 1;
    const ip = `198.51.${(i >> 8) & 255}.${i & 255}`;
    for (const r of call(BASE + i * 3000, ctrl, pppd, ip, i % 10 === 3)) p.push(r);
    for (const s of p.drainClosed()) {
      ended++;
      if (s.cause === 'user_disconnect' && s.peer === undefined) wrong.push(s);
      if (s.cause === 'unknown') unknownEnds++;
    }
    const st = p.stats();
    maxOpen = Math.max(maxOpen, st.openSessions);
    maxCtrl = Math.max(maxCtrl, st.ctrlStates);
  }
  assert.equal(p.stats().internalErrors, 0);
  // Lost calls stay open until their pid is reused, so never more than one per pid.
  assert.ok(maxOpen <= PIDS / 2 + 1, `open sessions grew to ${maxOpen}`);
  assert.ok(maxCtrl <= PIDS / 2 + 1, `pptpctrl states grew to ${maxCtrl}`);
  assert.equal(wrong.length, 0, 'every ended call keeps its client IP');
  const rest = p.finish();
  assert.equal(ended + rest.length, 60_000, 'every call is one session');
  // The 6000 calls without end lines: closed as `unknown` when their pid came back, else still open.
  assert.equal(unknownEnds + rest.filter((s) => s.cause === undefined || s.cause === 'unknown').length, 6000);
});

test('advance() ends a waiting session when the log goes quiet', () => {
  const p = new LogPipeline();
  // pppd exits on a hangup and its pptpctrl says nothing (yet): the session waits for it.
  for (const r of [
    rec(BASE, 'pptpd', 10, 'CTRL: Client 192.0.2.9 control connection started'),
    rec(BASE, 'pptpd', 10, 'CTRL: Starting call (launching pppd, opening GRE)'),
    rec(BASE, 'pppd', 11, 'pppd 2.4.9 started by root, uid 0'),
    rec(BASE + 5000, 'pppd', 11, 'Modem hangup'),
    rec(BASE + 5000, 'pppd', 11, 'Connection terminated.'),
    rec(BASE + 5000, 'pppd', 11, 'Exit.'),
  ])
    p.push(r);
  assert.deepEqual(p.drainClosed(), [], 'still waiting for the pptpctrl');
  assert.deepEqual(p.advance(new Date(BASE + 8000).toISOString()), [], 'not yet');
  const ends = p.advance(new Date(BASE + 60_000).toISOString());
  assert.equal(ends.length, 1);
  assert.equal(ends[0]?.kind, 'ppp.end');
  const [s] = p.drainClosed();
  assert.equal(s?.cause, 'ctrl_closed');
  assert.equal(s?.peer, '192.0.2.9');
  assert.equal(s?.end, new Date(BASE + 5000).toISOString());
});

test('session eventIds follow ids a consumer gives events after push (the agent stamps its own)', () => {
  const p = new LogPipeline();
  const given: string[] = [];
  let n = 0;
  for (const r of call(BASE, 10, 11, '192.0.2.44', false)) {
    const evs = p.push(r);
    for (const ev of evs) {
      ev.id = `follower-line-${++n}`;
      given.push(ev.id);
    }
  }
  const [s] = p.drainClosed();
  assert.ok(s);
  assert.ok(s.eventIds.length >= 3);
  for (const id of s.eventIds) assert.ok(given.includes(id), `session lists ${id}, which no event carries`);
});

test('one pptpd restart ending several sessions gives each ppp.end its own id', () => {
  const p = new LogPipeline();
  const evs = [
    ...call(BASE, 20, 21, '192.0.2.1', true),
    ...call(BASE, 30, 31, '192.0.2.2', true),
    rec(BASE + 5000, 'pptpd', 99, 'MGR: Manager process started'),
  ].flatMap((r) => p.push(r));
  const ends = evs.filter((e) => e.kind === 'ppp.end');
  assert.equal(ends.length, 2);
  assert.notEqual(ends[0]?.id, ends[1]?.id);
  assert.deepEqual(
    p.drainClosed().map((s) => s.cause),
    ['server_restart', 'server_restart'],
  );
});
