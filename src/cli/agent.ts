/** `pptpmon agent -c FILE`: followers + collectors -> disk spool -> `pptpmon server`. Wiring only. */
import type { Command } from 'commander';
import { setFlagsFromString } from 'node:v8';
import type { CliCommand } from './index.js';

/**
 * V8 flags for the agent only (issue 5: <= 80 MB RSS at 10,000 sessions). The agent's work is I/O and
 * small parsing passes, where V8's optimizing tiers buy little: without Sparkplug, Maglev and TurboFan
 * there is no optimized code, type feedback for it or compile zones, and TurboFan's code in node's
 * binary is never paged in (file-backed RSS -4 MB). --optimize-for-size makes V8 grow the old
 * generation by at most 1.3x between full GCs (the default goes up to 4x with a fast GC) and shrink
 * it sooner. bench/agent at 10,000 links and a 5,000 lines/s burst: see the commit. All four are
 * read by V8 as it goes (tier-up decisions, heap limits), so setting them at run time, before the
 * agent's modules load, is sound. `--jit` keeps node's defaults.
 */
export const AGENT_V8_FLAGS = ['--no-opt', '--no-maglev', '--no-sparkplug', '--optimize-for-size'];

export const agentCommand: CliCommand = {
  register(program: Command, setExit) {
    program
      .command('agent')
      .description(
        'host agent: follow logs, run collectors, ship to pptpmon server (spooling while it is away)',
      )
      .option('-c, --config <file>', 'pptpmon.yaml')
      .option('--jit', "keep V8's optimizing compilers (faster bursts, more memory)")
      .action(async (flags: { config?: string; jit?: boolean }) => {
        if (!flags.jit) for (const f of AGENT_V8_FLAGS) setFlagsFromString(f);
        try {
          const [
            { readFileSync },
            { join },
            { loadConfigIsolated },
            { buildAgent },
            { prepareProbes },
            { openSpool, spoolSink },
            { Shipper },
            { listenAgent },
            { Metrics },
            { parseListen, readToken },
          ] = await Promise.all([
            import('node:fs'),
            import('node:path'),
            import('../config/isolated.js'),
            import('../agent/build.js'),
            import('../agent/probes.js'),
            import('../agent/sinks.js'),
            import('../agent/ship.js'),
            import('../agent/listen.js'),
            import('../server/metrics.js'),
            import('../server/token.js'),
          ]);
          const cfg = await loadConfigIsolated(flags.config);
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
          metrics.watchLogCopies(() => built.followers.dedupStats()?.dropped ?? 0);
          const probes = await prepareProbes(cfg, built.host, (e) => built.agent.publish(e), note);
          const app = await listenAgent(
            { token, metrics, liveSessions: () => built.sessions?.live() ?? [] },
            parseListen(a.metricsListen),
          );
          built.agent.start();
          probes?.start();
          const shipping = shipper.run();
          note(
            `following ${built.followedPaths.length} log paths${built.journald ? ' and journald' : ''}${built.logread ? ' and logread' : ''}, shipping to ${a.serverUrl}`,
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
