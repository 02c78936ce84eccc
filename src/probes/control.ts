/**
 * `control` probe: opens a PPTP control connection as a PNS would (RFC 2637 2.1-2.6), reports what the
 * server says about itself in its SCCRP (result/error code, protocol version, framing and bearer
 * capabilities, max channels, firmware revision, host name, vendor), measures an Echo round trip, and
 * closes with Stop-Control-Connection so pptpd logs a clean close rather than an EOF.
 *
 * The fingerprint (vendor, host name, firmware, protocol version) is remembered per target and vantage
 * in the injected state store; a change between runs emits `probe.control.fingerprint`: a replaced or
 * upgraded box, or a different device answering on the address.
 */
import {
  GENERAL_ERRORS,
  SCCRP_RESULTS,
  bearerNames,
  codeName,
  framingNames,
  printable,
  type Sccrp,
} from '../pptp/control.js';
import { PptpControlClient, PptpControlError } from '../pptp/ctrl-client.js';
import type { Event } from '../events/index.js';
import {
  failed,
  outcome,
  roundMs,
  type CheckResult,
  type JsonValue,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
} from './types.js';

const EVENT_FIELDS = ['vendor', 'hostname', 'firmware'] as const;

export function protocolVersionText(v: number): string {
  return `${v >> 8}.${v & 0xff}`;
}

/** The server's self-description from its SCCRP, with peer strings made printable. */
export function sccrpFields(r: Sccrp): Record<string, JsonValue> {
  return {
    protocolVersion: protocolVersionText(r.protocolVersion),
    resultCode: r.resultCode,
    resultText: codeName(SCCRP_RESULTS, r.resultCode),
    errorCode: r.errorCode,
    errorText: codeName(GENERAL_ERRORS, r.errorCode),
    framing: framingNames(r.framingCaps),
    bearer: bearerNames(r.bearerCaps),
    maxChannels: r.maxChannels,
    firmware: String(r.firmwareRevision),
    hostname: printable(r.hostname),
    vendor: printable(r.vendor),
  };
}

export function fingerprintOf(fields: Record<string, JsonValue>): string {
  return `vendor=${String(fields.vendor)} hostname=${String(fields.hostname)} firmware=${String(fields.firmware)} version=${String(fields.protocolVersion)}`;
}

function reasonFor(e: PptpControlError): string {
  // Echo and stop failures happen after a good SCCRP; name them so they are not read as "no SCCRP".
  return e.step === 'echo' || e.step === 'stop' ? `${e.step}_${e.code}` : e.code;
}

type Attempt =
  | { ok: true; fields: Record<string, JsonValue> }
  | { ok: false; stage: 'tcp' | 'sccrq'; error: PptpControlError; fields: Record<string, JsonValue> };

/** One control connection: connect, SCCRQ/SCCRP, Echo, StopCCRQ/StopCCRP. */
async function attempt(ctx: ProbeContext): Promise<Attempt> {
  let client: PptpControlClient;
  try {
    client = await PptpControlClient.connect({
      host: ctx.target,
      port: ctx.port,
      timeoutMs: ctx.timeoutMs,
      now: ctx.now,
    });
  } catch (err) {
    const e =
      err instanceof PptpControlError ? err : new PptpControlError('connect_failed', 'tcp', String(err));
    return { ok: false, stage: 'tcp', error: e, fields: {} };
  }
  let fields: Record<string, JsonValue> = { connectMs: roundMs(client.connectMs) };
  try {
    const start = await client.start();
    fields = { ...fields, ...sccrpFields(start.reply), sccrpMs: roundMs(start.ms) };
    const echo = await client.echo();
    fields.echoMs = roundMs(echo.ms);
    const stop = await client.stop();
    fields.stopResult = stop.resultCode;
    return { ok: true, fields };
  } catch (err) {
    client.close();
    const e = err instanceof PptpControlError ? err : new PptpControlError('protocol', 'sccrq', String(err));
    if (e.reply && e.reply.type === 2) fields = { ...fields, ...sccrpFields(e.reply) };
    return { ok: false, stage: 'sccrq', error: e, fields };
  }
}

/**
 * pptpd 1.4's manager (pptpmanager.c) waits for the first packet with select() and drops the connection
 * ("MGR: dropped slow initial connection") when select returns -1, which it also does on EINTR: the
 * SIGCHLD of a pptpctrl exiting at that moment. Seen twice on the lab within minutes under back-to-back
 * probes. A close before any byte of the SCCRP is therefore tried once more before it counts.
 */
function worthRetry(a: Attempt): boolean {
  return (
    !a.ok && a.error.code === 'closed' && a.error.step === 'sccrq' && !/mid-message/.test(a.error.message)
  );
}

const RETRY_DELAY_MS = 300;

async function runControl(ctx: ProbeContext): Promise<ProbeOutcome> {
  const t0 = ctx.now();
  let a = await attempt(ctx);
  let attempts = 1;
  if (worthRetry(a)) {
    await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    a = await attempt(ctx);
    attempts = 2;
  }
  const extra: Record<string, JsonValue> = attempts > 1 ? { attempts } : {};
  if (!a.ok) {
    return outcome(
      ctx,
      failed('control', ctx.now() - t0, a.stage, reasonFor(a.error), a.error.message, {
        ...a.fields,
        ...extra,
      }),
      EVENT_FIELDS,
    );
  }
  const result: CheckResult = {
    check: 'control',
    ok: true,
    ms: roundMs(ctx.now() - t0),
    ...a.fields,
    ...extra,
  };
  const out = outcome(ctx, result, EVENT_FIELDS);
  const change = await fingerprintChange(ctx, fingerprintOf(a.fields));
  if (change) out.events.push(change);
  return out;
}

/** Compares with the last fingerprint seen for this target from this vantage, and stores the new one. */
async function fingerprintChange(ctx: ProbeContext, now: string): Promise<Event | undefined> {
  const key = `control.fingerprint/${ctx.vantage}/${ctx.target}:${ctx.port}`;
  let before: string | undefined;
  try {
    before = await ctx.state.get(key);
    if (before !== now) await ctx.state.set(key, now);
  } catch {
    // A broken state file must not fail the probe; the change is simply not detected this run.
    return undefined;
  }
  if (before === undefined || before === now) return undefined;
  return {
    ts: ctx.wallClock().toISOString(),
    host: ctx.host,
    kind: 'probe.control.fingerprint',
    severity: 'warning',
    source: { probe: 'control' },
    attrs: { target: ctx.target, vantage: ctx.vantage, before, after: now },
  };
}

export const controlProbe: Probe = {
  name: 'control',
  summary: 'SCCRQ/SCCRP: server identity and capabilities, Echo RTT, clean Stop-Control-Connection',
  run: runControl,
  // connect + SCCRQ + Echo + StopCCRQ, each bounded by timeoutMs, plus one retry after a close that
  // came within connect + SCCRQ (at most two steps).
  deadlineMs: (ctx) => 6 * ctx.timeoutMs + 1500,
};
