/**
 * Scheduled probes for `pptpmon run` and `pptpmon agent`: the `probes:` section's targets, run by
 * ProbeScheduler, their probe.* events published into the agent's stream (store or spool) like the
 * collectors' — so the server's rules see every vantage. No targets: nothing runs.
 */
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { Event } from '../events/index.js';
import type { ProbeScheduler } from '../probes/schedule.js';

/** Resolves targets and secrets (errors name the config path); the caller starts it once all is up. */
export async function prepareProbes(
  cfg: Config,
  host: string,
  publish: (events: Event[]) => Promise<void>,
  onNote: (n: string) => void,
): Promise<ProbeScheduler | undefined> {
  if (cfg.probes.targets.length === 0) return undefined;
  // Loaded only when probes are configured (the probe modules cost start-up time; cli/probe.ts).
  const { ProbeScheduler } = await import('../probes/schedule.js');
  const { FileStateStore } = await import('../probes/state.js');
  const scheduler = await ProbeScheduler.create(cfg.probes, {
    host,
    publish: (ev) =>
      void publish([ev]).catch((err: unknown) => onNote(`probe event: ${(err as Error).message}`)),
    state: new FileStateStore(join(cfg.agent.stateDir, 'probe-state.json')),
    now: () => performance.now(),
    wallClock: () => new Date(),
  });
  onNote(`probing ${cfg.probes.targets.map((t) => `${t.host}:${t.port}`).join(', ')}`);
  return scheduler;
}
