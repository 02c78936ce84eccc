/**
 * JournalFollower's own restart of journalctl (it exited or was killed) while entries it already
 * received are still waiting for poll(): the new journalctl must resume after the last entry received,
 * not after the last one polled, or those entries come twice. Real journalctl following a journal file
 * written by systemd-journal-remote (the same reader code as the system journal apart from --file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JournalFollower, journalLineId } from '../../../src/logs/follow/journal.js';
import { PrivateJournald } from './journald-ns.js';
import { skipOrFail } from '../../helpers/require.js';

const REMOTE = ['/usr/lib/systemd/systemd-journal-remote', '/lib/systemd/systemd-journal-remote'].find(
  existsSync,
);
let usec = 1_700_000_000_000_000;

function append(file: string, messages: string[]): void {
  const input = messages
    .map(
      (m) =>
        `__REALTIME_TIMESTAMP=${(usec += 1000)}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n` +
        `SYSLOG_IDENTIFIER=pppd\n_PID=4242\nMESSAGE=${m}\n\n`,
    )
    .join('');
  execFileSync(REMOTE!, ['-o', file, '-'], { input, stdio: ['pipe', 'ignore', 'ignore'] });
}

test('journal: journalctl killed with entries received but not polled: restarted after the last received, nothing twice', async (t) => {
  if (!REMOTE)
    return skipOrFail(
      t,
      'journald',
      'systemd-journal-remote is not installed (Debian package systemd-journal-remote)',
    );
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'system.journal');
  append(file, ['one']);
  const f = new JournalFollower({ files: [file], startAtEnd: false, restartMs: 100 });
  f.start();
  t.after(() => f.stop());
  let first = f.poll();
  for (let i = 0; i < 100 && first.lines.length === 0; i++) {
    await sleep(50);
    first = f.poll();
  }
  assert.equal(first.lines.length, 1);

  append(file, ['two', 'three']);
  await sleep(1000); // received and buffered; not polled
  const jc = PrivateJournald.children(process.pid, 'journalctl');
  assert.equal(jc.length, 1, 'one journalctl child');
  process.kill(jc[0]!, 'SIGKILL');
  for (let i = 0; i < 100 && PrivateJournald.children(process.pid, 'journalctl').length !== 1; i++)
    await sleep(50);
  await sleep(1000); // the new journalctl has (re)read whatever it is going to
  append(file, ['four']);
  const got: string[] = [];
  const notes: string[] = [];
  for (let i = 0; i < 100 && got.length < 3; i++) {
    await sleep(50);
    const p = f.poll();
    got.push(...p.lines.map((l) => JSON.parse(l.text).MESSAGE as string));
    notes.push(...p.notes);
  }
  await sleep(300);
  got.push(...f.poll().lines.map((l) => JSON.parse(l.text).MESSAGE as string));
  assert.deepEqual(got, ['two', 'three', 'four']);
  assert.ok(
    notes.some((n) => n.includes('journalctl exited (SIGKILL)')),
    notes.join('\n'),
  );
});

test('journal: line ids leave out the seqnum id and seqnum (they change when journald flushes to /var)', () => {
  // Two cursors of one entry, before and after a flush (seen with systemd 252: s= changes, i= may).
  const runtime =
    's=5eb578aafe284c92a2f2543e79bf5c6a;i=172;b=838d86a2f58d42c99b1cc07d6cf1a33c;m=29809019f;t=6610f7f1b5627;x=29bf4aa78701c571';
  const persistent =
    's=cb6593f2c88748059e76006e222ebf19;i=1172;b=838d86a2f58d42c99b1cc07d6cf1a33c;m=29809019f;t=6610f7f1b5627;x=29bf4aa78701c571';
  assert.equal(journalLineId(runtime), journalLineId(persistent));
  assert.equal(
    journalLineId(runtime),
    'journal:b=838d86a2f58d42c99b1cc07d6cf1a33c;m=29809019f;t=6610f7f1b5627;x=29bf4aa78701c571',
  );
  assert.notEqual(journalLineId(runtime), journalLineId(runtime.replace('x=29bf', 'x=39bf')));
});
