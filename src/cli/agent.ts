/** `pptpmon agent -c FILE`: followers + collectors -> disk spool -> `pptpmon server`. Wiring only. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { buildAgent } from '../agent/build.js';
import { prepareProbes } from '../agent/probes.js';
import { openSpool, spoolSink } from '../agent/sinks.js';
import { Shipper } from '../agent/ship.js';
import { listenAgent } from '../agent/listen.js';
import { Metrics } from '../server/metrics.js';
import { parseListen, readToken } from '../server/token.js';
import type { CliCommand } from './index.js';

export const agentCommand: CliCommand = {
  register(program: Command, setExit) {
    program
      .command('agent')
      .description(
        'host agent: follow logs, run collectors, ship to pptpmon server (spooling while it is away)',
      )
      .option('-c, --config <file>', 'pptpmon.yaml')
      .action(async (flags: { config?: string }) => {
        try {
          const cfg = await loadConfig(flags.config);
          const a = cfg.agent;
          if (!a.serverUrl || !a.tokenFile)
            throw new Error('agent.serverUrl and agent.tokenFile are required for `pptpmon agent`');
          const token = readToken(a.tokenFile);
          const note = (n: string): void => void process.stderr.write(`pptpmon agent: ${n}\n`);
          const metrics = new Metrics();
          const host = cfg.host ?? (await import('node:os')).hostname();
          const spool = openSpool(join(a.stateDir, 'spool'), a.spoolMaxMb * 1024 * 1024, host);
          const built = buildAgent(cfg, spoolSink(spool), {
            onEvents: (e) => {
              metrics.observe(e);
              // pptpmon_sessions_active was never set by the agent; a count, not the 10,000-entry list.
              metrics.setSessionsActive(built.sessions?.liveCount() ?? 0);
            },
            onNote: note,
          });
          const shipper = new Shipper(spool, {
            url: a.serverUrl,
            token,
            host: built.host,
            batchSize: a.batchSize,
            ...(a.caFile ? { ca: readFileSync(a.caFile) } : {}),
            onNote: note,
          });
          const probes = await prepareProbes(cfg, built.host, (e) => built.agent.publish(e), note);
          const app = await listenAgent(
            { token, metrics, liveSessions: () => built.sessions?.live() ?? [] },
            parseListen(a.metricsListen),
          );
          built.agent.start();
          probes?.start();
          const shipping = shipper.run();
          note(
            `following ${built.followedPaths.length} log paths${built.journald ? ' and journald' : ''}, shipping to ${a.serverUrl}`,
          );
          await new Promise<void>((resolve) => {
            const stop = (): void => {
              shipper.stop();
              void (probes?.stop() ?? Promise.resolve())
                .then(() => built.agent.stop())
                .then(() => shipping)
                .then(() => app.close())
                .then(() => spool.close())
                .then(resolve);
            };
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
        } catch (err) {
          process.stderr.write(`pptpmon agent: ${(err as Error).message}\n`);
          setExit(2);
        }
      });
  },
};
