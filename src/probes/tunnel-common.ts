/**
 * What the gre, mtu and login probes share: opening a PPTP call with raw GRE and turning an open
 * failure into a check result, plus the knobs read from `--opt key=value`.
 */
import type { ProbeCheck } from '../events/index.js';
import {
  isTunnelOpenFailure,
  PptpTunnel,
  type MppeBits,
  type MppeWanted,
  type PppFailure,
} from '../pptp/index.js';
import { failed, type CheckResult, type JsonValue, type ProbeContext } from './types.js';

export const GRE_BLOCKED_DETAIL = 'GRE blocked or not forwarded (NAT / conntrack helper / firewall)';

export type Opened = { ok: true; tunnel: PptpTunnel } | { ok: false; result: CheckResult };

export async function openTunnel(
  ctx: ProbeContext,
  check: ProbeCheck,
  over: { mppe: MppeWanted | null; user?: string; password?: string },
): Promise<Opened> {
  const t0 = ctx.now();
  try {
    const tunnel = await PptpTunnel.open({
      host: ctx.target,
      port: ctx.port,
      timeoutMs: ctx.timeoutMs,
      now: ctx.now,
      ppp: {
        user: over.user ?? '',
        password: over.password ?? '',
        mppe: over.mppe,
        restartMs: intOpt(ctx, 'restartMs', 1000, 100, 10_000),
        maxConfigure: intOpt(ctx, 'maxConfigure', 10, 1, 50),
        authTimeoutMs: ctx.timeoutMs,
        askDns: ctx.options.dns === 'yes',
        authenticate: over.user !== undefined,
      },
    });
    return { ok: true, tunnel };
  } catch (e) {
    if (isTunnelOpenFailure(e))
      return { ok: false, result: failed(check, ctx.now() - t0, e.stage, e.reason, e.detail) };
    return { ok: false, result: failed(check, ctx.now() - t0, 'tcp', 'internal_error', String(e)) };
  }
}

export function tunnelFields(t: PptpTunnel): Record<string, JsonValue> {
  return { callId: t.call.callId, peerCallId: t.call.peerCallId, ocrpResult: t.call.reply.resultCode };
}

export function intOpt(ctx: ProbeContext, key: string, dflt: number, min: number, max: number): number {
  const raw = ctx.options[key];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : dflt;
}

/** `--opt mppe=128|56|40|any|none` (none: the test option that offers no MPPE, like pppd `nomppe`). */
export function mppeOpt(ctx: ProbeContext): MppeWanted | null {
  const v = ctx.options.mppe ?? 'any';
  if (v === 'none') return null;
  const bits: MppeBits[] = v === '128' ? [128] : v === '56' ? [56] : v === '40' ? [40] : [128, 56, 40];
  return { bits, allowStateful: ctx.options.stateful === 'yes' };
}

/**
 * The failure, when the server ended the call itself (control connection closed or Call-Disconnect-
 * Notify): then no GRE is not a GRE problem (pptpd closes the call when its pppd cannot start).
 */
export function linkGone(t: PptpTunnel): PppFailure | undefined {
  const f = t.ppp.failure;
  return f && (f.reason === 'ctrl_closed' || f.reason === 'call_disconnected') ? f : undefined;
}
