/**
 * FreeRADIUS with `auth_badpass = yes` logs the password inside the brackets ("[bob/hunter2]"). It must
 * not reach events (user, raw) nor session evidence. Checked through the whole pipeline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogPipeline, type LogRecord } from '../../../src/logs/index.js';

function rec(message: string, line: number): LogRecord {
  return {
    ts: '2026-11-25T10:00:00.000Z',
    tsSource: 'line',
    host: 'radius1',
    program: 'radiusd',
    pid: 1200,
    message,
    raw: `Nov 25 10:00:00 radius1 radiusd[1200]: ${message}`,
    file: 'radius.log',
    line,
    format: 'rfc3164',
  };
}

test('a password logged by auth_badpass/auth_goodpass never reaches the events', () => {
  const p = new LogPipeline();
  const bad = p.push(
    rec(
      '(7) Login incorrect (mschap: MS-CHAP2-Response is incorrect): [bob/hunter2] (from client vpn1 port 0 cli 198.51.100.23)',
      1,
    ),
  );
  const good = p.push(rec('(8) Login OK: [alice/s3cr3t!] (from client vpn1 port 0 cli 203.0.113.7)', 2));
  assert.equal(bad.length, 1);
  assert.equal(good.length, 1);
  const [b] = bad;
  const [g] = good;
  assert.ok(b && g);
  assert.equal(b.kind, 'auth.fail');
  assert.equal(b.user, 'bob');
  assert.equal(b.peer, '198.51.100.23');
  assert.equal(g.user, 'alice');
  const all = JSON.stringify([...bad, ...good]);
  assert.ok(!all.includes('hunter2'), 'password leaked into an event');
  assert.ok(!all.includes('s3cr3t!'), 'password leaked into an event');
  assert.match(b.raw ?? '', /\[bob\/<redacted>\]/);
});

test('the auth type after the slash is not mistaken for a password', () => {
  const p = new LogPipeline();
  const [e] = p.push(
    rec(
      '(4) Login incorrect: [carol/<via Auth-Type = mschap>] (from client vpn1 port 0 cli 198.51.100.77)',
      1,
    ),
  );
  assert.ok(e);
  assert.equal(e.user, 'carol');
  assert.match(e.raw ?? '', /<via Auth-Type = mschap>/);
});
