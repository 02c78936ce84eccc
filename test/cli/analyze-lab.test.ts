/**
 * `pptpmon analyze` on logs the real programs write now: the shared lab VM (pptpd 1.4.0, pppd 2.4.9
 * with radius.so, FreeRADIUS 3.2, pptp-linux 1.10) serves two calls through its RADIUS profile, a good
 * one and a wrong password. The server syslog and FreeRADIUS's own radius.log from that window are
 * given to the CLI (a child process) as two files, merged in time order; the report must show both
 * calls with the client IP, user and cause, and read every radius.log line as radiusd's.
 * Needs the lab's exclusive lock (lab/README.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { getLab, type LabHandle, type LogMark } from '../lab/lab.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function waitCount(lab: LabHandle, mark: LogMark, re: RegExp, n: number): Promise<void> {
  const until = Date.now() + 40_000;
  for (;;) {
    const seen = lab.logSince(mark, 'syslog').match(new RegExp(re.source, 'g'))?.length ?? 0;
    if (seen >= n) return;
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${n}x ${re} in the lab syslog (saw ${seen})`);
    await sleep(250);
  }
}

interface Doc {
  sessions: {
    user?: string;
    peer?: string;
    role: string;
    cause?: string;
    transport: string;
    start?: string;
    mppe?: string;
  }[];
  summary: { failures: Record<string, number>; authFailures: { byUser: Record<string, number> } };
  formats: Record<string, number>;
  files: { file: string; kept: number; formats: Record<string, number> }[];
  unclassified: { top: { program: string; template: string }[] };
  inputErrors: unknown[];
}

test(
  'analyze merges the lab syslog and radius.log of two real RADIUS-profile calls',
  { timeout: 15 * 60_000 },
  async (t) => {
    const lab = await getLab(t);
    if (!lab) return;
    const client = lab.net.clientIp;
    const { syslog, radius } = await lab.exclusive(async () => {
      const mark = lab.logMark();
      const ended = /CTRL: Client \S+ control connection finished/;
      const good = await lab.session({ user: 'radalice', profile: 'radius' });
      assert.ok(good.ok, `good RADIUS session did not come up (rc ${good.rc})`);
      await sleep(1500);
      await good.stop();
      await waitCount(lab, mark, ended, 1);
      const bad = await lab.session({ user: 'radalice', password: 'not-the-password', profile: 'radius' });
      assert.equal(bad.ok, false);
      await waitCount(lab, mark, ended, 2);
      await sleep(1500); // the server pppd's last lines may trail pptpctrl's
      return { syslog: lab.logSince(mark, 'syslog'), radius: lab.logSince(mark, 'radius') };
    });

    const dir = mkdtempSync(join(tmpdir(), 'pptpmon-analyze-lab-'));
    try {
      const sys = join(dir, 'syslog');
      const rad = join(dir, 'radius.log');
      writeFileSync(sys, syslog);
      writeFileSync(rad, radius);
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'analyze', '--json', '--tz', 'UTC', sys, rad],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      assert.equal(r.status, 0, r.stderr);
      const d = JSON.parse(r.stdout) as Doc;
      assert.deepEqual(d.inputErrors, []);
      const ours = d.sessions
        .filter((s) => s.role === 'server' && s.peer === client)
        .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
      const show = JSON.stringify(d.sessions.map((s) => [s.user, s.peer, s.role, s.cause]));
      assert.deepEqual(
        ours.map((s) => [s.user, s.cause, s.transport]),
        [
          ['radalice', 'user_disconnect', 'pptp'],
          ['radalice', 'auth_failed', 'pptp'],
        ],
        show,
      );
      assert.equal(ours[0]?.mppe, '128 stateless');
      assert.ok((d.summary.failures.auth_failed ?? 0) >= 1);
      assert.ok((d.summary.authFailures.byUser.radalice ?? 0) >= 1);
      // Every radius.log line of the window is FreeRADIUS's (ctime + " : "), and none is left unknown.
      const radFile = d.files.find((f) => f.file === rad);
      const radLines = radius.split('\n').filter((l) => l !== '').length;
      assert.ok(radLines >= 2, `radius.log had ${radLines} new lines`);
      assert.equal(radFile?.kept, radLines);
      assert.equal(radFile?.formats.freeradius, radLines);
      assert.deepEqual(
        d.unclassified.top.filter((u) => u.program === 'radiusd'),
        [],
        'radius.log Auth: lines are classified',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
