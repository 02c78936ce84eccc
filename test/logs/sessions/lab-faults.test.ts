/**
 * End causes from real faults in the shared lab VM, read back from its real syslog through the line
 * parser and LogPipeline: a broken pppd option (config_error), GRE dropped on the path (lcp_timeout,
 * with the client giving up by Call-Clear), pptpd killed with its children during a call
 * (server_restart once pptpd is back), FreeRADIUS stopped (auth_backend). Needs the exclusive lock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { getLab, type LabHandle, type LogMark } from '../../lab/lab.js';
import { LineParser } from '../../../src/logs/formats/index.js';
import { LogPipeline, type Session } from '../../../src/logs/index.js';

async function waitFor(
  lab: LabHandle,
  mark: LogMark,
  re: RegExp,
  n: number,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const seen = lab.logSince(mark, 'syslog').match(new RegExp(re.source, 'g'))?.length ?? 0;
    if (seen >= n) return;
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${n}x ${re} in the lab syslog (saw ${seen})`);
    await sleep(250);
  }
}

function sessionsOf(text: string): { sessions: Session[]; p: LogPipeline } {
  const parser = new LineParser({ file: 'lab-syslog', zone: 'UTC', refMs: Date.now() });
  const p = new LogPipeline({ host: 'lab' });
  const sessions: Session[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    p.push(parser.parse(line, i + 1).rec);
    sessions.push(...p.drainClosed());
  });
  sessions.push(...p.finish());
  return { sessions, p };
}

test(
  'real faults in the lab end their sessions with the right cause',
  { timeout: 20 * 60_000 },
  async (t) => {
    const lab = await getLab(t);
    if (!lab) return;
    const client = lab.net.clientIp;
    const text = await lab.exclusive(async () => {
      const mark = lab.logMark();
      const finished = /CTRL: Client \S+ control connection finished/;

      let f = await lab.fault('pppd-broken');
      try {
        const s = await lab.session({ user: 'alice', timeoutS: 15 });
        assert.equal(s.ok, false, 'pppd cannot start with a broken option');
      } finally {
        await f.undo();
      }
      await waitFor(lab, mark, finished, 1);

      f = await lab.fault('gre-drop');
      try {
        const s = await lab.session({ user: 'alice', timeoutS: 25 });
        assert.equal(s.ok, false, 'no GRE, no LCP');
      } finally {
        await f.undo();
      }
      await waitFor(lab, mark, finished, 2);

      const live = await lab.session({ user: 'bob' });
      assert.ok(live.ok, `live call before the kill (rc ${live.rc})`);
      f = await lab.fault('pptpd-kill', ['all']);
      try {
        await waitFor(lab, mark, /pppd\[\d+\]: Exit\./, 1, 30_000);
      } finally {
        await f.undo();
      }
      await waitFor(lab, mark, /MGR: Manager process started/, 1);
      await live.stop().catch(() => undefined);

      f = await lab.fault('radius-stop');
      try {
        const s = await lab.session({ user: 'radalice', profile: 'radius', timeoutS: 40 });
        assert.equal(s.ok, false, 'no RADIUS, no login');
      } finally {
        await f.undo();
      }
      await waitFor(lab, mark, /no reply from RADIUS server/, 1);
      await sleep(2000);
      return lab.logSince(mark, 'syslog');
    });

    const { sessions, p } = sessionsOf(text);
    assert.equal(p.stats().internalErrors, 0);
    const ours = sessions
      .filter((s) => s.peer === client && s.role === 'server')
      .sort((a, b) => (a.start ?? a.end ?? '').localeCompare(b.start ?? b.end ?? ''));
    const show = JSON.stringify(
      sessions.map(({ evidence: _e, eventIds: _i, ...s }) => s),
      null,
      1,
    );
    assert.deepEqual(
      ours.map((s) => s.cause),
      ['config_error', 'lcp_timeout', 'server_restart', 'auth_backend'],
      `causes of our 4 calls: ${show}`,
    );
    for (const s of ours) assert.equal(s.transport, 'pptp');
    assert.equal(ours[2]?.user, 'bob', 'the killed call still names its user (pptpd-logwtmp line)');
    assert.equal(ours[3]?.user, 'radalice');
    assert.equal(
      p.unclassified().filter((u) => u.program === 'pppd' || u.program === 'pptpd').length,
      0,
      JSON.stringify(p.unclassified().slice(0, 5)),
    );
  },
);
