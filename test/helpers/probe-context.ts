/** Probe contexts and runs for tests: the values the probes get from the CLI, with what a test sets. */
import { performance } from 'node:perf_hooks';
import {
  MemoryStateStore,
  findProbe,
  runProbe,
  type ProbeContext,
  type ProbeOutcome,
} from '../../src/probes/index.js';

/** Loopback port 1723, vantage and host "test", 2 s timeout, in-memory state, real clocks; `over` wins. */
export function probeContext(over: Partial<ProbeContext> = {}): ProbeContext {
  return {
    target: '127.0.0.1',
    port: 1723,
    vantage: 'test',
    host: 'test',
    timeoutMs: 2000,
    options: {},
    state: new MemoryStateStore(),
    now: () => performance.now(),
    wallClock: () => new Date(),
    ...over,
  };
}

/** Runs a registered probe under its deadline, as the CLI and the scheduler do (runProbe). */
export function runNamedProbe(name: string, ctx: ProbeContext): Promise<ProbeOutcome> {
  const p = findProbe(name);
  if (!p) throw new Error(`probe ${name} is not registered`);
  return runProbe(p, ctx);
}
