/**
 * Child process for the kill -9 follower test: follows one file, appends every line as NDJSON
 * ({id, text}) to an output file, then commits the checkpoint — the same order the agent uses
 * (store, then checkpoint). Killed with SIGKILL at random moments by the test.
 * argv: <log path> <checkpoint path> <output path> <poll ms> [max bytes per poll]
 */
import { openSync, writeSync } from 'node:fs';
import { FollowerSet } from '../../src/logs/follow/set.js';

const [path, checkpointPath, outPath, pollMsText, maxReadText] = process.argv.slice(2);
if (!path || !checkpointPath || !outPath) throw new Error('usage: follow-child LOG CHECKPOINT OUT [POLLMS]');
const pollMs = Number(pollMsText ?? '50');
const maxReadBytes = maxReadText ? Number(maxReadText) : undefined;
const set = new FollowerSet({ paths: [path], checkpointPath, startAtEnd: false, maxReadBytes });
const out = openSync(outPath, 'a');
// A SIGKILL can cut a large write(2) short (the kernel stops between pages for a fatal signal): start
// on a fresh line so a killed predecessor's torn last record stays alone on its line. Its lines were
// never committed, so this process delivers them again.
writeSync(out, '\n');

function tick(): void {
  const { lines, notes } = set.poll();
  if (lines.length > 0) {
    // One write(2) per batch, then the commit: a batch cut short by SIGKILL was not committed.
    writeSync(out, lines.map((l) => JSON.stringify({ id: l.id, text: l.text })).join('\n') + '\n');
    // Tells the test whether this poll was still catching up (lines from a rotated name).
    process.stdout.write(lines.some((l) => l.readFrom !== l.file) ? 'rotated\n' : 'live\n');
  }
  for (const n of notes) process.stderr.write(`${n}\n`);
  set.commit();
  setTimeout(tick, pollMs);
}
process.stdout.write('ready\n');
tick();
