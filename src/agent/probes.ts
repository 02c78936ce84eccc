/**
 * Scheduled probes for `pptpmon run` and `pptpmon agent`: the `probes:` section's targets, run by
 * ProbeScheduler, their probe.* events published into the agent's stream (store or spool) like the
 * collectors' — so the server's rules see every vantage. No targets: nothing runs.
 */
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { Event } from '../events/index.js';
import { ProbeScheduler } from '../probes/schedule.js';
import { FileStateStore } from '../probes/state.js';

export async function startProbes(
  cfg: Config,
  host: string,
  publish: (events: Event[]) => Promise<void>,
  onNote: (n: string) => void,
): Promise<ProbeScheduler | undefined> {
  if (cfg.probes.targets.length === 0) return undefined;
  const scheduler = await ProbeScheduler.create(cfg.probes, {
    host,
    publish: (ev) =>
      void publish([ev]).catch((err: unknown) => onNote(`probe event: ${(err as Error).message}`)),
    state: new FileStateStore(join(cfg.agent.stateDir, 'probe-state.json')),
    now: () => performance.now(),
    wallClock: () => new Date(),
  });
  scheduler.start();
  onNote(`probing ${cfg.probes.targets.map((t) => `${t.host}:${t.port}`).join(', ')}`);
  return scheduler;
}
