/**
 * The agent's log path (FileFollower -> LineIntake -> spool items) on a real pptpd/pppd capture: the
 * sessions the agent ships reference, in Session.eventIds, exactly the ids its shipped events carry
 * (the follower's `path#gen@offset` line ids), not the pipeline's `file:line` ids it replaces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFollower } from '../../src/logs/follow/file.js';
import { LineIntake } from '../../src/agent/intake.js';
import type { Session } from '../../src/logs/session.js';

test('agent path: closed sessions list the follower line ids their shipped events carry', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-intake-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'syslog');
  copyFileSync(new URL('../../samples/syslog', import.meta.url), log);
  const f = new FileFollower({ path: log, startAtEnd: false });
  const intake = new LineIntake({ host: 'vpn1', timezone: 'UTC' });
  const shipped = new Set<string>();
  const sessions: Session[] = [];
  // Small polls, as the agent loop makes them: sessions close in a later batch than they opened.
  for (let guard = 0; guard < 100_000; guard++) {
    const { lines } = f.poll();
    if (lines.length === 0) break;
    for (const ev of intake.push(lines)) {
      assert.ok(ev.id?.startsWith(`${log}#`), `event id ${ev.id} is a follower line id`);
      shipped.add(ev.id ?? '');
    }
    sessions.push(...intake.closedSessions());
  }
  f.close();
  assert.ok(sessions.length > 0, 'the capture has complete sessions');
  for (const s of sessions) {
    assert.ok(s.eventIds.length > 0, `session ${s.id} lists its events`);
    for (const id of s.eventIds)
      assert.ok(shipped.has(id), `session ${s.id} lists ${id}, which no shipped event carries`);
  }
});
