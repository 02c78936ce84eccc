/**
 * Child process for the agent-level pppd copy dedup kill -9 test: the agent as `pptpmon run` builds it
 * (buildAgent: FollowerSet with dedup, LineIntake, the agent loop and its commit order) following a pppd
 * logfile and a syslog file. The sink appends each ppp.link.up event ({id, iface}) as NDJSON and
 * fsyncs before resolving, as the spool does; the agent then moves the checkpoints.
 * argv: <state dir> <output path> <pppd logfile> <syslog>
 */
import { fsyncSync, openSync, writeSync } from 'node:fs';
import { buildAgent } from '../../src/agent/build.js';
import { parseConfig } from '../../src/config/index.js';
import type { AgentSink } from '../../src/agent/agent.js';

const [stateDir, outPath, ppp, sys] = process.argv.slice(2);
if (!stateDir || !outPath || !ppp || !sys)
  throw new Error('usage: dedup-agent-child STATEDIR OUT PPPLOG SYSLOG');
const off = { enabled: false };
const cfg = parseConfig({
  logs: { defaults: false, files: [ppp, sys], journald: false, logread: false, timezone: 'UTC' },
  agent: {
    stateDir,
    startAtEnd: false,
    pollInterval: '50ms',
    collectors: { processes: off, sessions: off, system: off, netstat: off, 'config-drift': off },
  },
});
const out = openSync(outPath, 'a');
const sink: AgentSink = {
  write: async (items) => {
    const lines: string[] = [];
    for (const it of items)
      if ('e' in it && it.e.kind === 'ppp.link.up')
        lines.push(JSON.stringify({ id: it.e.id, iface: it.e.attrs.iface }));
    if (lines.length === 0) return;
    writeSync(out, lines.join('\n') + '\n');
    fsyncSync(out);
  },
};
const built = buildAgent(cfg, sink, { onNote: (n) => process.stderr.write(`${n}\n`) });
built.agent.start();
process.stdout.write('ready\n');
