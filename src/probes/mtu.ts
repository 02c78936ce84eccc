/**
 * `mtu` probe: path MTU for the tunnel's outer packets. Opens a call and LCP (no authentication needed:
 * pppd answers LCP Echo-Requests in its authentication phase too), then sends Echo-Requests padded to
 * a given IP packet size with DF set (IP_PMTUDISC_PROBE, so the kernel's cached path MTU does not
 * shortcut the search) and binary-searches the largest size that gets a reply. If that is below the
 * first hop's MTU it sends one oversize echo with DF clear: a reply means fragments pass, none means
 * fragments are dropped on the path (a common cause of PPTP sessions that connect and then stall).
 */
import { PMTU } from '../pptp/raw/gre-socket.js';
import type { PptpTunnel } from '../pptp/tunnel.js';
import {
  failed,
  outcome,
  roundMs,
  type CheckResult,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
} from './types.js';
import { GRE_BLOCKED_DETAIL, intOpt, openTunnel, tunnelFields } from './tunnel-common.js';

/** IPv4 20 + enhanced GRE with seq and ack 16 + PPP FF03 C021 4 + LCP code/id/len 4 + magic 4. */
export const ECHO_OVERHEAD = 20 + 16 + 4 + 4 + 4;
const MIN_SIZE = 576;

async function runMtu(ctx: ProbeContext): Promise<ProbeOutcome> {
  const t0 = ctx.now();
  const opened = await openTunnel(ctx, 'mtu', { mppe: null });
  if (!opened.ok) return outcome(ctx, opened.result, ['mtu']);
  const tun = opened.tunnel;
  try {
    const lcp = tun.waitFor(
      (ev) => (ev.type === 'stage' && ev.stage === 'lcp' ? true : ev.type === 'failed' ? false : undefined),
      ctx.timeoutMs,
    );
    tun.ppp.start();
    const up = await lcp;
    const fields = tunnelFields(tun);
    if (!up) {
      const ms = ctx.now() - t0;
      if (tun.greReceived === 0)
        return outcome(ctx, failed('mtu', ms, 'gre', 'gre_blocked', GRE_BLOCKED_DETAIL, fields));
      return outcome(
        ctx,
        failed(
          'mtu',
          ms,
          'lcp',
          tun.ppp.failure?.reason ?? 'timeout',
          tun.ppp.failure?.detail ?? 'LCP did not open',
          fields,
        ),
      );
    }
    const hop = await tun.gre.pathMtu();
    const hi = Math.min(intOpt(ctx, 'maxMtu', 1500, MIN_SIZE, 9000), hop > 0 ? hop : 1500);
    // pppd gives an unauthenticated peer about 30 s (10 CHAP challenges, 3 s apart): keep the search short.
    const waitMs = intOpt(ctx, 'echoTimeoutMs', Math.min(ctx.timeoutMs, 1000), 50, 30_000);
    const tries = intOpt(ctx, 'tries', 2, 1, 5);
    tun.gre.setPmtuMode(PMTU.PROBE);
    const passes = async (size: number) => {
      for (let i = 0; i < tries; i++) if (await echoOf(tun, size, waitMs)) return true;
      return false;
    };
    let best: number | null = null;
    if (await passes(hi)) best = hi;
    else if (await passes(MIN_SIZE)) {
      let lo = MIN_SIZE;
      let top = hi;
      while (top - lo > 1) {
        const mid = (lo + top) >> 1;
        if (await passes(mid)) lo = mid;
        else top = mid;
      }
      best = lo;
    }
    let fragments: string | null = null;
    if (best !== null && best < hi) {
      tun.gre.setPmtuMode(PMTU.DONT);
      fragments = (await passes(hi)) ? 'pass' : 'dropped';
    }
    const ms = ctx.now() - t0;
    if (tun.ppp.phase === 'dead' || tun.ppp.failure) {
      const f = tun.ppp.failure;
      return outcome(
        ctx,
        failed(
          'mtu',
          ms,
          'lcp',
          f?.reason ?? 'terminated',
          f?.detail ?? 'the server ended the link during the search',
          fields,
        ),
        ['mtu'],
      );
    }
    const res = {
      ...fields,
      firstHopMtu: hop,
      fragments,
      pppMtu: best === null ? null : best - (20 + 16 + 4),
    };
    if (best === null) {
      return outcome(
        ctx,
        failed('mtu', ms, 'data', 'no_echo', `no LCP echo reply even at ${MIN_SIZE} bytes`, {
          ...res,
          mtu: null,
        }),
        ['mtu'],
      );
    }
    const result: CheckResult = { check: 'mtu', ok: true, ms: roundMs(ms), mtu: best, ...res };
    return outcome(ctx, result, ['mtu']);
  } finally {
    await tun.close();
  }
}

/** One echo whose outer IP packet is `size` bytes; true if answered in time. */
async function echoOf(tun: PptpTunnel, size: number, waitMs: number): Promise<boolean> {
  const box: { id?: number } = {};
  const reply = tun.waitFor(
    (ev) => (ev.type === 'echo-reply' && ev.id === box.id ? true : undefined),
    waitMs,
  );
  box.id = tun.ppp.sendEcho(size - ECHO_OVERHEAD);
  return (await reply) ?? false;
}

export const mtuProbe: Probe = {
  name: 'mtu',
  summary: 'path MTU through the tunnel: padded LCP echoes with DF set, binary search; fragment check',
  run: runMtu,
  deadlineMs: (ctx) => 6 * ctx.timeoutMs + 40_000,
};
