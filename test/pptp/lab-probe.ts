/**
 * Test helper (not a test): runs the gre/mtu/login probes in-process against the ONE shared lab VM's
 * real pptpd/pppd. The host reaches the lab through the route the lab sets up (LAB_ROUTE via its veth),
 * so no `ip netns exec` is needed.
 */
import type { CheckResult, ProbeContext, ProbeOutcome } from '../../src/probes/index.js';
import { probeContext, runNamedProbe } from '../helpers/probe-context.js';

export interface ProbeRunOptions {
  user?: string;
  password?: string;
  options?: Record<string, string>;
  timeoutMs?: number;
}

export function labContext(server: string, o: ProbeRunOptions = {}): ProbeContext {
  const ctx = probeContext({ target: server, timeoutMs: o.timeoutMs ?? 5000, options: o.options ?? {} });
  if (o.user !== undefined) ctx.credentials = { user: o.user, password: o.password ?? '' };
  return ctx;
}

export async function probe(
  name: 'gre' | 'mtu' | 'login',
  server: string,
  o: ProbeRunOptions = {},
): Promise<ProbeOutcome & { result: CheckResult }> {
  return runNamedProbe(name, labContext(server, o));
}

/** 10.78.0.100-249 style pool -> membership test. */
export function inPool(ip: string, pool: string): boolean {
  const m = /^(\d+\.\d+\.\d+\.)(\d+)-(\d+)$/.exec(pool);
  if (!m || m[1] === undefined) return false;
  if (!ip.startsWith(m[1])) return false;
  const last = Number(ip.slice(m[1].length));
  return last >= Number(m[2]) && last <= Number(m[3]);
}
