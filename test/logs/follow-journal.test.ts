/**
 * journald follower against real journalctl reading a real journal file. journald itself does not run
 * on this host (no systemd as PID 1), so the journal is written by systemd-journal-remote (the
 * systemd tool that writes journal files from the export format) and followed with
 * `journalctl --file=... -f -o json`, the same code path as the system journal apart from --file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JournalFollower } from '../../src/logs/follow/journal.js';
import type { FollowedLine } from '../../src/logs/follow/file.js';
import { skipOrFail } from '../helpers/require.js';

const REMOTE = ['/usr/lib/systemd/systemd-journal-remote', '/lib/systemd/systemd-journal-remote'].find(
  existsSync,
);
let usec = 1_700_000_000_000_000;

function append(file: string, messages: string[]): void {
  const input = messages
    .map(
      (m) =>
        `__REALTIME_TIMESTAMP=${(usec += 1000)}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n` +
        `SYSLOG_IDENTIFIER=pppd\n_PID=4242\n_HOSTNAME=vpn1\nMESSAGE=${m}\n\n`,
    )
    .join('');
  execFileSync(REMOTE!, ['-o', file, '-'], { input, stdio: ['pipe', 'ignore', 'ignore'] });
}

async function collect(f: JournalFollower, want: number): Promise<FollowedLine[]> {
  const got: FollowedLine[] = [];
  for (let i = 0; i < 100 && got.length < want; i++) {
    await sleep(100);
    got.push(...f.poll().lines);
  }
  return got;
}

test('journal: follow, persist cursor, restart without loss or repeat; uncommitted entries repeat with the same ids', async (t) => {
  if (!REMOTE)
    return skipOrFail(
      t,
      'journald',
      'systemd-journal-remote is not installed (Debian package systemd-journal-remote)',
    );
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'system.journal');
  append(file, ['before start']);

  const a = new JournalFollower({ files: [file], startAtEnd: false, restartMs: 100 });
  a.start();
  t.after(() => a.stop());
  const first = await collect(a, 1);
  append(file, ['Using interface ppp0', 'Connect: ppp0 <--> /dev/pts/1']);
  const live = await collect(a, 2);
  assert.deepEqual(
    [...first, ...live].map((l) => JSON.parse(l.text).MESSAGE),
    ['before start', 'Using interface ppp0', 'Connect: ppp0 <--> /dev/pts/1'],
  );
  const committed = a.poll().cursor;
  a.stop();
  assert.ok(committed?.includes('i=3'));

  // While stopped, two more entries; a restart from the cursor sees exactly them.
  append(file, ['MPPE 128-bit stateless compression enabled', 'local  IP address 192.168.0.1']);
  const b = new JournalFollower({ files: [file], cursor: committed, restartMs: 100 });
  b.start();
  t.after(() => b.stop());
  const resumed = await collect(b, 2);
  await sleep(300);
  const extra = b.poll().lines;
  assert.deepEqual(
    resumed.map((l) => JSON.parse(l.text).MESSAGE),
    ['MPPE 128-bit stateless compression enabled', 'local  IP address 192.168.0.1'],
  );
  assert.equal(extra.length, 0, 'nothing repeated');
  b.stop();

  // Same cursor again (as after a crash before the checkpoint was saved): same entries, same ids.
  const c = new JournalFollower({ files: [file], cursor: committed, restartMs: 100 });
  c.start();
  t.after(() => c.stop());
  const again = await collect(c, 2);
  assert.deepEqual(
    again.map((l) => l.id),
    resumed.map((l) => l.id),
  );
});

test('journal: a match that looks like an option is refused (no argument injection)', () => {
  assert.throws(() => new JournalFollower({ matches: ['--file=/etc/shadow'] }), /expected FIELD=value/);
  const f = new JournalFollower({ matches: ['SYSLOG_IDENTIFIER=pppd'], cursor: 's=1;i=2' });
  assert.deepEqual(f.args().slice(-2), ['--after-cursor=s=1;i=2', 'SYSLOG_IDENTIFIER=pppd']);
});
