/**
 * Runs the processes collector inside a network namespace (started by the test through
 * `ip netns exec`, which mounts that namespace's /sys, so /sys/class/net lists its links; /proc is the
 * host's). argv: <runRoot> <graceS>. Prints one JSON line of proc.ppp.mismatch events per phase:
 * baseline + after the grace time, then again each time a line arrives on stdin.
 */
import { createInterface } from 'node:readline';
import { createProcessesCollector } from '../../src/collectors/processes.js';
import { defaultContext } from '../../src/collectors/types.js';
import type { Event } from '../../src/events/index.js';

const [runRoot, graceText] = process.argv.slice(2);
const graceS = Number(graceText ?? '1');
const c = createProcessesCollector(defaultContext({ runRoot, host: 'lab' }), {
  scanMs: 0,
  linkCheckMs: 0,
  linkGraceS: graceS,
});
const mismatches = (evs: Event[]): Event[] => evs.filter((e) => e.kind === 'proc.ppp.mismatch');
const first = mismatches(await c.collect());
await new Promise((r) => setTimeout(r, graceS * 1000 + 300));
process.stdout.write(`${JSON.stringify({ first, after: mismatches(await c.collect()) })}\n`);
for await (const _ of createInterface({ input: process.stdin })) {
  process.stdout.write(`${JSON.stringify({ after: mismatches(await c.collect()) })}\n`);
}
