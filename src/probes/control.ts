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

async function runControl(ctx: ProbeContext): Promise<ProbeOutcome> {
  const t0 = ctx.now();
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
    return outcome(ctx, failed('control', ctx.now() - t0, 'tcp', e.code, e.message));
  }
  let fields: Record<string, JsonValue> = { connectMs: roundMs(client.connectMs) };
  try {
    const start = await client.start();
    fields = { ...fields, ...sccrpFields(start.reply), sccrpMs: roundMs(start.ms) };
    const echo = await client.echo();
    fields.echoMs = roundMs(echo.ms);
    const stop = await client.stop();
    fields.stopResult = stop.resultCode;
  } catch (err) {
    client.close();
    const e = err instanceof PptpControlError ? err : new PptpControlError('protocol', 'sccrq', String(err));
    if (e.reply && e.reply.type === 2) fields = { ...fields, ...sccrpFields(e.reply) };
    return outcome(
      ctx,
      failed('control', ctx.now() - t0, 'sccrq', reasonFor(e), e.message, fields),
      EVENT_FIELDS,
    );
  }
  const result: CheckResult = { check: 'control', ok: true, ms: roundMs(ctx.now() - t0), ...fields };
  const out = outcome(ctx, result, EVENT_FIELDS);
  const change = await fingerprintChange(ctx, fingerprintOf(fields));
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
  // connect + SCCRQ + Echo + StopCCRQ, each bounded by timeoutMs.
  deadlineMs: (ctx) => 4 * ctx.timeoutMs + 1000,
};
