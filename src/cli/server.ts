/** `pptpmon server -c FILE`: the receiving API for agents, into the configured store. Wiring only. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/index.js';
import { openStore } from '../store/index.js';
import { buildServer } from '../server/app.js';
import { startMonitor } from '../server/monitor.js';
import { Metrics } from '../server/metrics.js';
import { generateToken, parseListen, readToken } from '../server/token.js';
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
          let token: string;
          if (cfg.server.tokenFile) token = readToken(cfg.server.tokenFile);
          else {
            token = generateToken();
            process.stdout.write(
              `pptpmon server: API token (shown once, set server.tokenFile to keep one): ${token}\n`,
            );
          }
          const tls = cfg.server.tls;
          const metrics = new Metrics();
          const monitor = await startMonitor(cfg, store, { onStored: (e) => metrics.observe(e) });
          const app = buildServer({
            token,
            target: store,
            metrics,
            onEvents: (e) => monitor.ingest(e),
            alerts: { alerting: monitor.alerting, store },
            ...(tls ? { https: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } } : {}),
          });
          await app.listen(parseListen(cfg.server.listen));
          process.stdout.write(`pptpmon server: listening on ${cfg.server.listen}${tls ? ' (TLS)' : ''}\n`);
          await new Promise<void>((resolve) => {
            const stop = (): void =>
              void app
                .close()
                .then(() => monitor.stop())
                .then(() => store.close())
                .then(resolve);
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
        } catch (err) {
          process.stderr.write(`pptpmon server: ${(err as Error).message}\n`);
          setExit(2);
        }
      });
  },
};
