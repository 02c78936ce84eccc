/**
 * The probe registry: every probe is one file exporting a `Probe`, listed once in PROBES below (in the
 * order a layered run walks them). Nothing else switches on probe names. Public face of src/probes/.
 */
import type { Event, ProbeCheck } from '../events/index.js';
import { controlProbe } from './control.js';
import { ldapProbe } from './ldap.js';
import { greProbe } from './gre.js';
import { loginProbe } from './login.js';
import { mtuProbe } from './mtu.js';
import { radiusProbe } from './radius.js';
import { tcpProbe } from './tcp.js';
import {
  failed,
  outcome,
  type CheckResult,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
} from './types.js';

export * from './types.js';
export { MemoryStateStore, FileStateStore, defaultStateFile } from './state.js';
export { compareVantages, type VantageReport, type VantageVerdict } from './vantage.js';

/** Registered probes, in layer order. Add a probe: import it and add one entry here. */
export const PROBES: readonly Probe[] = [
  tcpProbe,
  controlProbe,
  greProbe,
  mtuProbe,
  loginProbe,
  radiusProbe,
  ldapProbe,
];

export function findProbe(name: string): Probe | undefined {
  return PROBES.find((p) => p.name === name);
}

export function probeNames(): ProbeCheck[] {
  return PROBES.map((p) => p.name);
}

/** Splits a `--check` list and names any check the registry does not know. */
export function parseCheckList(text: string): { checks: ProbeCheck[]; unknown: string[] } {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const checks: ProbeCheck[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const p = findProbe(n);
    if (!p) unknown.push(n);
    else if (!checks.includes(p.name)) checks.push(p.name);
  }
  return { checks, unknown };
}

export interface ProbeRun {
  ok: boolean;
  checks: CheckResult[];
  events: Event[];
}

/**
 * Runs one probe with a last-resort guard: a probe that throws or overruns its deadline becomes a failed
 * check (`internal_error` / `deadline`), never a crash or a hang of the caller.
 */
export async function runProbe(probe: Probe, ctx: ProbeContext): Promise<ProbeOutcome> {
  const deadline = probe.deadlineMs ? probe.deadlineMs(ctx) : 3 * ctx.timeoutMs;
  const t0 = ctx.now();
  // Which stage the probe had reached is not known here: the check fails as a whole, at stage tcp.
  const failedAs = (reason: string, detail: string): ProbeOutcome =>
    outcome(ctx, failed(probe.name, ctx.now() - t0, 'tcp', reason, detail));
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve(failedAs('deadline', `${probe.name} probe did not finish within ${deadline} ms`)),
      deadline,
    );
  });
  try {
    return await Promise.race([
      probe
        .run(ctx)
        .catch((err: unknown) =>
          failedAs(
            'internal_error',
            `${probe.name} probe failed: ${err instanceof Error ? err.message : String(err)}`,
          ),
        ),
      guard,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the named checks one after another (sequential: probes must not disturb each other's timing). */
export async function runProbes(names: readonly ProbeCheck[], ctx: ProbeContext): Promise<ProbeRun> {
  const checks: CheckResult[] = [];
  const events: Event[] = [];
  for (const name of names) {
    const probe = findProbe(name);
    if (!probe) throw new Error(`unknown check "${name}" (known: ${probeNames().join(', ')})`);
    const out = await runProbe(probe, ctx);
    checks.push(out.result);
    events.push(...out.events);
  }
  return { ok: checks.every((c) => c.ok), checks, events };
}
