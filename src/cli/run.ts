/**
 * `pptpmon run [-c FILE]`: agent + store + server in one process, no network hop. With no config file
 * it follows the default log paths, watches pptpd/pppd, and serves 127.0.0.1:9723 with the token kept
 * in STATEDIR/api-token (its path printed). Wiring only.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { openStore } from '../store/index.js';
import { buildAgent } from '../agent/build.js';
import { storeSink } from '../agent/sinks.js';
import { buildServer } from '../server/app.js';
import { freshTracker, startMonitor } from '../server/monitor.js';
import { prepareProbes } from '../agent/probes.js';
import { Metrics } from '../server/metrics.js';
import { parseListen } from '../server/token.js';
import { apiAuth, untilStopped } from '../server/start.js';
import type { CliCommand } from './index.js';

export const runCommand: CliCommand = {
  register(program: Command, setExit) {
    program
      .command('run')
      .description('all-in-one on a pptpd host: agent + store + API/metrics (127.0.0.1:9723 by default)')
      .option('-c, --config <file>', 'pptpmon.yaml')
      .action(async (flags: { config?: string }) => {
        try {
          const cfg = await loadConfig(flags.config);
          const store = await openStore(cfg.store);
          const metrics = new Metrics();
          const note = (n: string): void => void process.stderr.write(`pptpmon run: ${n}\n`);
          const monitor = await startMonitor(cfg, store, { onStored: (e) => metrics.observe(e) });
          metrics.watchAlerts(() => monitor.alerting.manager.list());
          // Lines re-read after a kill -9 (before the checkpoint moved) are stored once and count once.
          const tracked = freshTracker(store);
          const built = buildAgent(cfg, storeSink(tracked.store), {
            onEvents: (all) => {
              const e = tracked.fresh(all);
              metrics.observe(e);
              metrics.setSessionsActive(built.sessions?.live().length ?? 0);
              monitor.ingest(e);
            },
            onNote: note,
          });
          const app = buildServer({
            ...apiAuth(cfg.server, 'run', cfg.agent.stateDir),
            target: store,
            metrics,
            liveSessions: () => {
              const live = built.sessions?.live() ?? [];
              metrics.setSessionsActive(live.length);
              return live;
            },
            onEvents: (e) => monitor.ingest(e),
            alerts: { alerting: monitor.alerting, store },
          });
          metrics.seedHost(built.host);
          metrics.watchLogCopies(() => built.followers.dedupStats()?.dropped ?? 0);
          const probes = await prepareProbes(cfg, built.host, (e) => built.agent.publish(e), note);
          await app.listen(parseListen(cfg.server.listen));
          built.agent.start();
          probes?.start();
          process.stdout.write(
            `pptpmon run: following ${built.followedPaths.join(', ')}${built.journald ? ' and journald' : ''}${built.logread ? ' and logread' : ''}; serving ${cfg.server.listen}\n`,
          );
          await untilStopped(() =>
            (probes?.stop() ?? Promise.resolve())
              .then(() => built.agent.stop())
              .then(() => app.close())
              .then(() => monitor.stop())
              .then(() => store.close()),
          );
        } catch (err) {
          process.stderr.write(`pptpmon run: ${(err as Error).message}\n`);
          setExit(2);
        }
      });
  },
};
