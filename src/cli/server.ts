/** `pptpmon server -c FILE`: the receiving API for agents, into the configured store. Wiring only. */
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { openStore } from '../store/index.js';
import { buildServer } from '../server/app.js';
import { startMonitor } from '../server/monitor.js';
import { Metrics } from '../server/metrics.js';
import { parseListen } from '../server/token.js';
import { apiAuth, untilStopped } from '../server/start.js';
import type { CliCommand } from './index.js';

export const serverCommand: CliCommand = {
  register(program: Command, setExit) {
    program
      .command('server')
      .description('receive events from agents (HTTP, bearer token) into the store; serve /metrics')
      .option('-c, --config <file>', 'pptpmon.yaml')
      .action(async (flags: { config?: string }) => {
        try {
          const cfg = await loadConfig(flags.config);
          const store = await openStore(cfg.store);
          const auth = apiAuth(cfg.server, 'server', cfg.agent.stateDir);
          const metrics = new Metrics();
          const monitor = await startMonitor(cfg, store, { onStored: (e) => metrics.observe(e) });
          metrics.watchAlerts(() => monitor.alerting.manager.list());
          const app = buildServer({
            ...auth,
            target: store,
            metrics,
            onEvents: (e) => monitor.ingest(e),
            alerts: { alerting: monitor.alerting, store },
          });
          await app.listen(parseListen(cfg.server.listen));
          process.stdout.write(
            `pptpmon server: listening on ${cfg.server.listen}${auth.https ? ' (TLS)' : ''}\n`,
          );
          await untilStopped(() =>
            app
              .close()
              .then(() => monitor.stop())
              .then(() => store.close()),
          );
        } catch (err) {
          process.stderr.write(`pptpmon server: ${(err as Error).message}\n`);
          setExit(2);
        }
      });
  },
};
