/**
 * pppd's logfile beside journald (a Debian 12 host without rsyslog, where logs.journald auto follows
 * the journal): both carry pppd's messages, and each must be ingested once, from the journal. Real
 * components: systemd-journald in a private mount namespace (journald-ns.ts) receiving syslog(3)
 * datagrams as pppd sends them, `journalctl -f -o json` run by the follower, and a logfile written as
 * pppd writes it (message, then newline, in two writes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FollowerSet } from '../../../src/logs/follow/set.js';
import type { FollowedLine } from '../../../src/logs/follow/file.js';
import { PrivateJournald, unavailable } from './journald-ns.js';
import { skipOrFail } from '../../helpers/require.js';

const MESSAGES = readFileSync(new URL('../../../samples/ppp-server.log', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => /^[A-Za-z]/.test(l) && !l.startsWith('sent [') && !l.startsWith('rcvd ['));

test('pppd logfile + real journald: each pppd message ingested once, from the journal', async (t) => {
  const why = unavailable();
  if (why) return skipOrFail(t, 'journald', why);
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-dedup-journald-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let j: PrivateJournald;
  try {
    j = await PrivateJournald.start(dir);
  } catch (err) {
    return skipOrFail(t, 'journald', `systemd-journald cannot start here: ${(err as Error).message}`);
  }
  t.after(() => j.stop());
  assert.ok(MESSAGES.length > 20);
  const ppp = join(dir, 'ppp.log');
  const fd = openSync(ppp, 'a');
  // One message first, so the journal file exists for the follower's --file.
  writeSync(fd, `${MESSAGES[0]}`);
  writeSync(fd, '\n');
  assert.ok(await j.syslog('pppd', 'pppd', 139, [MESSAGES[0]!]));
  let files: string[] = [];
  for (let i = 0; i < 100 && files.length === 0; i++) {
    files = j.journalFiles();
    await sleep(50);
  }
  assert.ok(files.length > 0, 'journald wrote no journal file');
  const set = new FollowerSet({
    paths: [ppp],
    startAtEnd: false,
    journal: {
      files: files.map((f) => `${j.root}${f}`),
      matches: ['SYSLOG_IDENTIFIER=pppd'],
      restartMs: 100,
    },
    dedup: { windowMs: 300 },
  });
  t.after(() => set.close());
  const got: FollowedLine[] = [...set.poll().lines];
  for (const m of MESSAGES.slice(1)) {
    // pppd/utils.c log_write: syslog() first, then the logfile's two writes.
    assert.ok(await j.syslog('pppd', 'pppd', 139, [m]));
    writeSync(fd, m);
    writeSync(fd, '\n');
    got.push(...set.poll().lines);
  }
  closeSync(fd);
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    got.push(...set.poll().lines);
    const fromJournal = got.filter((l) => l.file === 'journal').length;
    if (fromJournal >= MESSAGES.length && set.dedupStats()!.held === 0) break;
    await sleep(50);
  }
  await sleep(500);
  got.push(...set.poll().lines);
  const fromJournal = got.filter((l) => l.file === 'journal');
  assert.deepEqual(
    fromJournal.map((l) => (JSON.parse(l.text) as { MESSAGE: string }).MESSAGE),
    MESSAGES,
    'every message once from the journal, in order',
  );
  assert.deepEqual(
    got.filter((l) => l.file === ppp).map((l) => l.text),
    [],
    'no logfile copy ingested',
  );
  assert.equal(set.dedupStats()!.dropped, MESSAGES.length);
});
