/**
 * `tcp` probe: time to complete the TCP handshake with the PPTP control port (1723).
 * Tells apart what operators need to act on differently:
 *   refused     - RST: the host is up, nothing listens (pptpd down)
 *   timeout     - no answer: a firewall drops SYNs (filtered), or the host is down
 *   unreachable - ICMP host/net unreachable from this vantage
 */
import { PptpControlClient, PptpControlError } from '../pptp/ctrl-client.js';
import { failed, outcome, roundMs, type Probe, type ProbeContext, type ProbeOutcome } from './types.js';

async function runTcp(ctx: ProbeContext): Promise<ProbeOutcome> {
  const t0 = ctx.now();
  try {
    const client = await PptpControlClient.connect({
      host: ctx.target,
      port: ctx.port,
      connectTimeoutMs: ctx.timeoutMs,
      now: ctx.now,
    });
    client.close();
    return outcome(ctx, { check: 'tcp', ok: true, ms: roundMs(client.connectMs), port: ctx.port });
  } catch (err) {
    const e = err instanceof PptpControlError ? err : undefined;
    const reason = e?.code === 'connect_failed' ? 'error' : (e?.code ?? 'error');
    const detail =
      reason === 'timeout' ? `${e?.message} (filtered or host down)` : (e?.message ?? String(err));
    return outcome(ctx, failed('tcp', ctx.now() - t0, 'tcp', reason, detail, { port: ctx.port }));
  }
}

export const tcpProbe: Probe = {
  name: 'tcp',
  summary: 'TCP connect time to the PPTP control port; refused vs filtered/timeout vs unreachable',
  run: runTcp,
  deadlineMs: (ctx) => ctx.timeoutMs + 1000,
};
