/**
 * The collector contract: one file per host collector (processes, sessions, system, netstat,
 * config-drift), each a factory registered in index.ts. Collectors read the kernel's and the system's
 * views through injectable roots (procRoot, sysRoot, etcRoot, runRoot), so the same code runs on the
 * host, in the lab VM, and over a fixture tree in unit tests; commands go through an injectable runner
 * (execFile with an argument array, never a shell).
 */
import { execFile } from 'node:child_process';
import type { Event, EventAttrs, EventKind, Severity } from '../events/index.js';

export type RunCommand = (file: string, args: string[]) => Promise<string>;

export interface CollectorContext {
  host: string;
  procRoot: string;
  sysRoot: string;
  etcRoot: string;
  runRoot: string;
  /** Where a collector may keep state across restarts (config-drift baselines). */
  stateDir: string;
  now: () => Date;
  run: RunCommand;
}

export interface Collector {
  readonly name: string;
  /** How often the agent calls collect(). */
  readonly intervalMs: number;
  collect(): Promise<Event[]>;
  /**
   * Optional: the same events as collect(), in slices, the next slice made only after the previous was
   * taken. The agent prefers it: a first sessions pass at 10,000 links is 10,000 events (~10 MB), and
   * held all at once it set the agent's peak memory.
   */
  collectSlices?(): AsyncIterable<Event[]>;
}

export const defaultRun: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 << 20, timeout: 10_000 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });

export function defaultContext(over: Partial<CollectorContext> = {}): CollectorContext {
  return {
    host: over.host ?? 'localhost',
    procRoot: '/proc',
    sysRoot: '/sys',
    etcRoot: '/etc',
    runRoot: '/var/run',
    stateDir: '/var/lib/pptpmon',
    now: () => new Date(),
    run: defaultRun,
    ...over,
  };
}

/** Builds a collector event with the common fields filled in. */
export function collectorEvent<K extends EventKind>(
  ctx: CollectorContext,
  collector: string,
  kind: K,
  severity: Severity,
  attrs: EventAttrs[K],
  extra: { user?: string; peer?: string; session?: string } = {},
): Event {
  return {
    kind,
    ts: ctx.now().toISOString(),
    host: ctx.host,
    severity,
    attrs,
    source: { collector },
    ...extra,
  } as Event;
}
