/**
 * End to end: a pptpd crash during 30 sessions, replayed as log text through the real log reader and
 * LogPipeline, the default rule pack and the alert manager with its built-in inhibitions. Exactly one
 * critical notification must come out, naming pptpd as the root and listing the session drop it
 * explains.
 *
 * First case: the REAL lab capture test/corpus/lab/sessions30-crash.log (pptpd 1.4.0 with debug,
 * pppd 2.4.9, busybox syslogd -S): 30 concurrent sessions from 30 client addresses, starts
 * interleaved, then `pptpd-kill all` (SIGKILL to the manager and every pptpctrl: they log nothing),
 * every pppd logs "Modem hangup" and exits, and pptpd is started again ("MGR: Manager process
 * started").
 *
 * Second case: a scaled replay of the one-session kill in test/corpus/lab-seed/faults.log (lines
 * 97-193) to 30 sessions with the same message texts in the same order (regular timing, pppd byte
 * counts and the CHAP dumps whose hex must never reach a notification).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertManager, parseAlertPolicy, type Notification } from '../../src/alerts/index.js';
import { makeEvent, type Event } from '../../src/events/index.js';
import { LogPipeline } from '../../src/logs/index.js';
import { LogReader } from '../../src/logs/read/index.js';
import { RuleEngine, loadDefaultRules } from '../../src/rules/index.js';

const SESSIONS = 30;
const START = Date.parse('2026-11-24T10:00:00Z');
const CRASH = Date.parse('2026-11-24T10:20:00Z');
// A CHAP response as pppd's debug prints it (from the capture): must never reach a notification.
const CHAP_HEX =
  'd0433ac415506307323fa597245e658500000000000000000545d969a0369f22606702f69047dc2512553a0e91c138b200';

function stamp(ms: number): string {
  const d = new Date(ms);
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${mon} ${day} ${d.toISOString().slice(11, 19)}`;
}

function crashLog(): string {
  const lines: string[] = [];
  const at = (ms: number, prog: string, msg: string) => lines.push(`${stamp(ms)} ${prog}: ${msg}`);
  at(START - 60_000, 'pptpd[124]', 'MGR: Manager process started');
  at(START - 60_000, 'pptpd[124]', 'MGR: Maximum of 100 connections available');
  for (let i = 0; i < SESSIONS; i++) {
    const t = START + i * 2000;
    const ctrl = 1000 + i * 10;
    const pppd = ctrl + 5;
    const client = `10.213.1.${2 + i}`;
    const remote = `192.168.213.${10 + i}`;
    at(t, `pptpd[${ctrl}]`, 'MGR: Launching /usr/sbin/pptpctrl to handle client');
    at(t, `pptpd[${ctrl}]`, 'CTRL: local address = 192.168.213.1');
    at(t, `pptpd[${ctrl}]`, `CTRL: remote address = ${remote}`);
    at(t, `pptpd[${ctrl}]`, 'CTRL: pppd options file = /etc/ppp/pptpd-options');
    at(t, `pptpd[${ctrl}]`, `CTRL: Client ${client} control connection started`);
    at(t, `pptpd[${ctrl}]`, 'CTRL: Starting call (launching pppd, opening GRE)');
    at(t, `pptpd[${pppd}]`, 'CTRL (PPPD Launcher): program binary = /usr/sbin/pppd');
    at(t, `pptpd[${pppd}]`, 'CTRL (PPPD Launcher): local address = 192.168.213.1');
    at(t, `pptpd[${pppd}]`, `CTRL (PPPD Launcher): remote address = ${remote}`);
    at(t + 1000, `pppd[${pppd}]`, 'pppd 2.4.9 started by root, uid 0');
    at(t + 1000, `pppd[${pppd}]`, `using channel ${i + 1}`);
    at(t + 1000, `pppd[${pppd}]`, `Using interface ppp${i}`);
    at(t + 1000, `pppd[${pppd}]`, `Connect: ppp${i} <--> /dev/pts/${i}`);
    at(t + 1000, `pppd[${pppd}]`, `rcvd [CHAP Response id=0x6 <${CHAP_HEX}>, name = "user${i}"]`);
    at(
      t + 1000,
      `pppd[${pppd}]`,
      'sent [CHAP Success id=0x6 "S=D2995CE87BDB8B41B6201541E621683B390BD1BD M=Access granted"]',
    );
    at(t + 1000, `pppd[${pppd}]`, `peer from calling number ${client} authorized`);
    at(t + 1500, `pppd[${pppd}]`, 'MPPE 128-bit stateless compression enabled');
    at(t + 1500, `pppd[${pppd}]`, 'local  IP address 192.168.213.1');
    at(t + 1500, `pppd[${pppd}]`, `remote IP address ${remote}`);
    at(t + 1500, `pppd[${pppd}]`, `pptpd-logwtmp.so ip-up ppp${i} user${i} ${client}`);
  }
  // pptpd and its pptpctrl children are killed: each pppd loses its pty (faults.log lines 175-191).
  for (let i = 0; i < SESSIONS; i++) {
    const pppd = 1000 + i * 10 + 5;
    const t = CRASH + Math.floor(i / 10) * 1000;
    const stats = `Sent ${100_000 + i} bytes, received ${900_000 + i} bytes.`;
    at(t, `pppd[${pppd}]`, 'Modem hangup');
    at(t, `pppd[${pppd}]`, `pptpd-logwtmp.so ip-down ppp${i}`);
    at(t + 1000, `pppd[${pppd}]`, 'Connect time 20.0 minutes.');
    at(t + 1000, `pppd[${pppd}]`, stats);
    at(t + 1000, `pppd[${pppd}]`, 'MPPE disabled');
    at(t + 1000, `pppd[${pppd}]`, 'sent [LCP TermReq id=0x2 "MPPE disabled"]');
    at(t + 1000, `pppd[${pppd}]`, 'Connection terminated.');
    at(t + 1000, `pppd[${pppd}]`, 'Connect time 20.0 minutes.');
    at(t + 1000, `pppd[${pppd}]`, stats);
    at(t + 1000, `pppd[${pppd}]`, 'Exit.');
  }
  at(CRASH + 9000, 'pptpd[2191]', 'MGR: Manager process started');
  at(CRASH + 9000, 'pptpd[2191]', 'MGR: Maximum of 150 connections available');
  return lines.join('\n') + '\n';
}

async function replayEvents(file: string): Promise<Event[]> {
  const reader = new LogReader([file], { timeZone: 'UTC', nowMs: Date.parse('2026-11-25T00:00:00Z') });
  await reader.open();
  const pipeline = new LogPipeline({ host: 'vpn1' });
  const events: Event[] = [];
  for await (const batch of reader.batches()) for (const rec of batch) events.push(...pipeline.push(rec));
  return events;
}

const REAL = join(import.meta.dirname, '../corpus/lab/sessions30-crash.log');

/** Events through the default rules and the alert manager, then 15 minutes of live time, a tick a second. */
function alertOn(events: readonly Event[], logLines?: number): { sent: Notification[]; peakActive: number } {
  const engine = new RuleEngine(loadDefaultRules());
  const sent: Notification[] = [];
  const alerts = new AlertManager(parseAlertPolicy(logLines === undefined ? {} : { logLines }), (n) =>
    sent.push(n),
  );
  let peakActive = 0;
  let now = 0;
  for (const ev of events) {
    now = Date.parse(ev.ts);
    alerts.receive(engine.ingest(ev));
    peakActive = Math.max(peakActive, engine.sessions.activeOn('vpn1'));
    alerts.receive(engine.tick(now));
    alerts.tick(now);
  }
  for (let t = now + 1000; t <= now + 15 * 60_000; t += 1000) {
    alerts.receive(engine.tick(t));
    alerts.tick(t);
  }
  return { sent, peakActive };
}

test('real lab capture, pptpd killed under 30 sessions: exactly one grouped critical notification naming pptpd', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-e2e-'));
  try {
    const file = join(dir, 'syslog');
    copyFileSync(REAL, file);
    const events = await replayEvents(file);
    const ends = events.filter((e) => e.kind === 'ppp.end');
    assert.equal(ends.length, SESSIONS, 'the pipeline ends every session');
    assert.ok(
      ends.every((e) => e.kind === 'ppp.end' && e.attrs.cause === 'server_restart'),
      'every session ended by the pptpd restart',
    );
    const { sent, peakActive } = alertOn(events, 5);
    assert.equal(peakActive, SESSIONS, 'the rules saw all 30 sessions up before the crash');
    const firing = sent.filter((n) => n.status === 'firing');
    assert.equal(firing.length, 1, `one firing notification, got: ${firing.map((n) => n.title).join(' | ')}`);
    const n = firing[0];
    assert.ok(n);
    assert.equal(n.severity, 'critical');
    assert.equal(n.root.rule, 'pptpd-crash');
    assert.equal(n.root.labels.component, 'pptpd');
    assert.match(
      n.title,
      /^\[CRITICAL\] pptpd-crash on vpn1: pptpd crash on vpn1: 30 sessions lost their control connection within 1m \(explains 1: session-drop\)$/,
    );
    assert.ok(n.root.sessions.length >= 5, 'enriched with the sessions behind it');
    // load12 came from 10.77.2.112 through pptpctrl 2233 / pppd 2242 (launchers interleaved there).
    assert.ok(
      n.root.users.includes('load12') && n.root.peers.includes('10.77.2.112'),
      `with their users and client IPs: ${JSON.stringify([n.root.users, n.root.peers])}`,
    );
    assert.ok(n.root.logLines.length >= 1 && n.root.logLines.length <= 5, 'and the last log lines behind it');
    const chap = /CHAP Response id=\S+ <([0-9a-f]{16})/.exec(readFileSync(REAL, 'utf8'))?.[1];
    assert.ok(chap, 'the capture has pppd debug CHAP dumps');
    assert.ok(!JSON.stringify(sent).includes(chap), 'no CHAP material');
    const resolved = sent.filter((x) => x.status === 'resolved');
    assert.deepEqual(
      resolved.map((x) => x.groupKey),
      [n.groupKey],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scaled replay: pptpd crash during 30 sessions: exactly one grouped critical notification naming pptpd', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-e2e-'));
  try {
    const file = join(dir, 'syslog');
    writeFileSync(file, crashLog());
    const events = await replayEvents(file);
    const ends = events.filter((e) => e.kind === 'ppp.end');
    assert.equal(ends.length, SESSIONS, 'the pipeline ends every session');

    // Live time goes on for 15 minutes after the last line, one tick a second.
    const { sent, peakActive } = alertOn(events, 5);
    assert.equal(peakActive, SESSIONS, 'the rules saw all 30 sessions up before the crash');

    const firing = sent.filter((n) => n.status === 'firing');
    assert.equal(firing.length, 1, `one firing notification, got: ${firing.map((n) => n.title).join(' | ')}`);
    const n = firing[0];
    assert.ok(n);
    assert.equal(n.severity, 'critical');
    assert.equal(n.root.rule, 'pptpd-crash');
    assert.equal(n.root.labels.component, 'pptpd');
    assert.match(
      n.title,
      /^\[CRITICAL\] pptpd-crash on vpn1: pptpd crash on vpn1: 30 sessions lost their control connection within 1m \(explains 1: session-drop\)$/,
    );
    assert.deepEqual(
      n.explains.map((e) => e.rule),
      ['session-drop'],
    );
    assert.ok(n.root.sessions.length >= 5, 'enriched with the sessions behind it');
    assert.ok(
      n.root.users.includes('user29') && n.root.peers.includes('10.213.1.31'),
      'with their users and client IPs',
    );
    assert.ok(n.root.logLines.length >= 1 && n.root.logLines.length <= 5, 'and the last log lines behind it');
    assert.ok(!JSON.stringify(sent).includes(CHAP_HEX.slice(0, 16)), 'no CHAP material');
    // When the storm has passed, the same people hear it resolved, once.
    const resolved = sent.filter((x) => x.status === 'resolved');
    assert.deepEqual(
      resolved.map((x) => x.groupKey),
      [n.groupKey],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with the process collector also reporting pptpd down and back up: still one notification', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-e2e-'));
  try {
    const file = join(dir, 'syslog');
    writeFileSync(file, crashLog());
    const logEvents = await replayEvents(file);
    // What the process collector adds (src/collectors): pptpd gone 1 s after the kill, back with the restart.
    const proc: Event[] = [
      makeEvent('proc.down', {
        ts: new Date(CRASH + 1000).toISOString(),
        host: 'vpn1',
        severity: 'critical',
        attrs: { name: 'pptpd', pid: 124, signal: 'SIGKILL' },
      }) as Event,
      makeEvent('proc.up', {
        ts: new Date(CRASH + 9000).toISOString(),
        host: 'vpn1',
        severity: 'info',
        attrs: { name: 'pptpd', pid: 2191 },
      }) as Event,
    ];
    const events = [...logEvents, ...proc].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
    const engine = new RuleEngine(loadDefaultRules());
    const sent: Notification[] = [];
    const alerts = new AlertManager(parseAlertPolicy({}), (n) => sent.push(n));
    let now = 0;
    for (const ev of events) {
      now = Date.parse(ev.ts);
      alerts.receive(engine.ingest(ev));
      alerts.receive(engine.tick(now));
      alerts.tick(now);
    }
    for (let t = now + 1000; t <= now + 15 * 60_000; t += 1000) {
      alerts.receive(engine.tick(t));
      alerts.tick(t);
    }
    const firing = sent.filter((n) => n.status === 'firing');
    assert.equal(firing.length, 1, firing.map((n) => n.title).join(' | '));
    assert.equal(firing[0]?.severity, 'critical');
    assert.match(firing[0]?.root.rule ?? '', /^pptpd-/);
    assert.ok(
      alerts.list().some((a) => a.rule === 'pptpd-down' && a.status === 'resolved'),
      'pptpd-down fired and resolved within the group wait: kept in the list, not paged separately',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
