/**
 * The probe contract: what a probe gets (ProbeContext), what it returns (ProbeOutcome: the check object of
 * ARCHITECTURE.md's `probe --json` contract plus the events it produced), and small helpers every probe
 * uses so results and events look the same whichever probe made them.
 *
 * A probe is one file under src/probes/ exporting a `Probe`, registered in src/probes/index.ts.
 * Probes never throw for a failed check: a failure is a result with `ok: false`, `stage` and `reason`.
 */
import type { Event, ProbeCheck, ProbeStage, ProbeAttrs } from '../events/index.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** One entry of `checks` in `probe --json` (ARCHITECTURE.md "Contracts"). */
export interface CheckResult {
  check: ProbeCheck;
  ok: boolean;
  /** Wall time of the whole check, ms. */
  ms: number;
  /** Where it stopped, on failure. */
  stage?: ProbeStage;
  /** Machine-readable cause on failure: `timeout`, `refused`, `bad_password`, `gre_blocked`, ... */
  reason?: string;
  /** One human sentence with the specifics (codes, names); never a secret. */
  detail?: string;
  /** Per-check fields (`vendor`, `hostname`, `stages`, `mppe`, `mtu`, ...), flat as the contract says. */
  [field: string]: JsonValue | undefined;
}

/** Remembers small values between runs (e.g. the last control fingerprint per target). */
export interface ProbeStateStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

export interface ProbeCredentials {
  user: string;
  /** Secret: never put it in a result, an event, an error message or a log line. */
  password: string;
}

export interface RadiusProbeOptions {
  /** RADIUS server address; defaults to the probe target. */
  server: string;
  /** UDP port; 1812 for authentication (RFC 2865 section 3). */
  port: number;
  /** Shared secret (from a file or the environment, never the command line). */
  secret: string;
  /** `status` (RFC 5997 Status-Server), `pap` or `mschapv2` Access-Request. */
  method: 'status' | 'pap' | 'mschapv2';
  /** Retransmissions after the first try (RFC 5080 2.2.1 style retries; 0 = one packet only). */
  retries: number;
  nasIdentifier: string;
}

export interface LdapProbeOptions {
  /** ldap://host:389 or ldaps://host:636. */
  url: string;
  /** DN to bind as; with no DN the bind is anonymous. */
  bindDn?: string;
  /** Secret for bindDn: never in results, events or messages. */
  password?: string;
  /** Search base; with none, only the bind is checked. */
  base?: string;
  /** Search filter, e.g. (uid=alice); default (objectClass=*). */
  filter?: string;
}

export interface ProbeContext {
  /** The PPTP server probed (name or address). */
  target: string;
  /** Its PPTP control port, 1723 unless told otherwise. */
  port: number;
  /** Name of this vantage point (where the probe runs), for multi-vantage comparison. */
  vantage: string;
  /** Name of the machine running the probe: the `host` of the events. */
  host: string;
  /** Deadline for each network step, ms. */
  timeoutMs: number;
  credentials?: ProbeCredentials;
  radius?: RadiusProbeOptions;
  ldap?: LdapProbeOptions;
  /** Free-form per-probe settings (`--opt key=value`), for probe knobs that have no flag. */
  options: Readonly<Record<string, string>>;
  state: ProbeStateStore;
  /** Monotonic clock, ms. */
  now: () => number;
  /** Wall clock, for event timestamps. */
  wallClock: () => Date;
}

export interface ProbeOutcome {
  result: CheckResult;
  events: Event[];
}

export interface Probe {
  name: ProbeCheck;
  /** One line for `--help`. */
  summary: string;
  run(ctx: ProbeContext): Promise<ProbeOutcome>;
  /** What the context must carry for this probe; the CLI turns a missing one into a usage error. */
  requires?: readonly ('credentials' | 'radius' | 'ldap')[];
  /**
   * Upper bound on the whole run, ms; the runner stops waiting after it (a last guard: probes bound
   * their own steps). Default: 3 x ctx.timeoutMs.
   */
  deadlineMs?(ctx: ProbeContext): number;
}

/** Rounds a duration for reports: 0.1 ms resolution is plenty and keeps JSON short. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** A failed check result. */
export function failed(
  check: ProbeCheck,
  ms: number,
  stage: ProbeStage,
  reason: string,
  detail: string,
  fields: Record<string, JsonValue | undefined> = {},
): CheckResult {
  return { check, ok: false, ms: roundMs(ms), stage, reason, detail, ...fields };
}

/**
 * The probe.<check> event for a result (EVENTS.md "probe" layer). Per-check string fields listed in
 * `extraAttrs` are copied into attrs (e.g. vendor, hostname, firmware for probe.control).
 */
export function checkEvent(
  ctx: ProbeContext,
  result: CheckResult,
  extraAttrs: readonly string[] = [],
): Event {
  const attrs: ProbeAttrs & Record<string, JsonValue> = {
    ok: result.ok,
    ms: result.ms,
    vantage: ctx.vantage,
    target: ctx.target,
  };
  if (result.stage) attrs.stage = result.stage;
  if (result.reason) attrs.reason = result.reason;
  if (result.detail) attrs.detail = result.detail;
  for (const k of extraAttrs) {
    const v = result[k];
    if (v !== undefined) attrs[k] = v;
  }
  return {
    ts: ctx.wallClock().toISOString(),
    host: ctx.host,
    kind: `probe.${result.check}`,
    severity: result.ok ? 'info' : 'critical',
    source: { probe: result.check },
    attrs,
  } as Event;
}

/** Wraps a result and its event the common way. */
export function outcome(
  ctx: ProbeContext,
  result: CheckResult,
  extraAttrs: readonly string[] = [],
): ProbeOutcome {
  return { result, events: [checkEvent(ctx, result, extraAttrs)] };
}
