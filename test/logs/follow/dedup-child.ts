/**
 * Child process for the pppd copy dedup kill -9 test: follows a pppd logfile and a syslog file with one
 * FollowerSet (checkpoints + follow state in a directory), appends every delivered line as NDJSON
 * ({id, file, text}) to an output file in one write(2), then commits: the agent's order (store, then
 * checkpoint). Killed with SIGKILL at random moments by the test.
 * argv: <state dir> <output path> <window ms> <log path>...
 */
import { openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FollowerSet } from '../../../src/logs/follow/set.js';

const [stateDir, outPath, windowText, ...paths] = process.argv.slice(2);
if (!stateDir || !outPath || !windowText || paths.length === 0)
  throw new Error('usage: dedup-child STATEDIR OUT WINDOWMS LOG...');
const set = new FollowerSet({
  paths,
  checkpointPath: join(stateDir, 'checkpoints.json'),
  startAtEnd: false,
  timezone: 'UTC', // the test's rsyslog writes UTC stamps
  // lagMs: a quiet syslog at the end of the run releases the logfile-only lines within 1 s.
  dedup: { windowMs: Number(windowText), lagMs: 1000 },
});
const out = openSync(outPath, 'a');

function tick(): void {
  const { lines, notes } = set.poll();
  if (lines.length > 0)
    writeSync(
      out,
      lines.map((l) => JSON.stringify({ id: l.id, file: l.file, text: l.text })).join('\n') + '\n',
    );
  for (const n of notes) process.stderr.write(`${n}\n`);
  set.commit();
  setTimeout(tick, 30);
}
process.stdout.write('ready\n');
tick();
