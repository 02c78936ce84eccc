/**
 * Follower process for the real-journald tests, run inside the journald's mount namespace: a
 * JournalFollower with the agent's matches and its cursor kept in the agent's checkpoint file
 * (FollowerSet.journalCursor). Each poll appends the lines as NDJSON ({id, text}) in one write(2), then
 * commits the cursor: the agent's order (store, then checkpoint; src/agent/agent.ts pollLogs).
 * SIGTERM stops it as the agent stops (journalctl killed, nothing more stored); the tests also SIGKILL it.
 * argv: <checkpoint path> <output path> <poll ms>
 */
import { openSync, writeSync } from 'node:fs';
import { FollowerSet } from '../../../src/logs/follow/set.js';
import { JournalFollower } from '../../../src/logs/follow/journal.js';

const [checkpointPath, outPath, pollMsText] = process.argv.slice(2);
if (!checkpointPath || !outPath) throw new Error('usage: journald-child CHECKPOINT OUT [POLLMS]');
const pollMs = Number(pollMsText ?? '50');
const set = new FollowerSet({ paths: [], checkpointPath });
// The matches of src/agent/build.ts. No cursor yet (first start): everything in the journal, so the
// test's expected list is simply the journal's matching entries.
const journal = new JournalFollower({
  cursor: set.journalCursor,
  startAtEnd: false,
  restartMs: 200,
  matches: [
    'SYSLOG_IDENTIFIER=pppd',
    'SYSLOG_IDENTIFIER=pptpd',
    'SYSLOG_IDENTIFIER=pptp',
    'SYSLOG_IDENTIFIER=radiusd',
  ],
});
const out = openSync(outPath, 'a');
let timer: NodeJS.Timeout | undefined;

function tick(): void {
  const { lines, cursor, notes } = journal.poll();
  if (lines.length > 0) {
    writeSync(out, lines.map((l) => JSON.stringify({ id: l.id, text: l.text })).join('\n') + '\n');
  }
  for (const n of notes) process.stderr.write(`${n}\n`);
  if (cursor !== undefined) set.journalCursor = cursor;
  if (lines.length > 0) set.commit();
  timer = setTimeout(tick, pollMs);
}

process.on('SIGTERM', () => {
  if (timer) clearTimeout(timer);
  journal.stop();
  process.exit(0);
});
journal.start();
process.stdout.write(`ready ${process.pid}\n`);
tick();
