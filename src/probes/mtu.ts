/**
 * `mtu` probe: path MTU for the tunnel's outer packets. Opens a call and LCP (no authentication needed:
 * pppd answers LCP Echo-Requests in its authentication phase too), then sends Echo-Requests padded to
 * a given IP packet size with DF set (IP_PMTUDISC_PROBE, so the kernel's cached path MTU does not
 * shortcut the search) and binary-searches the largest size that gets a reply. A router that answers
 * "fragmentation needed" (RFC 1191, read from the raw socket's error queue) fails a size at once and
 * is reported as `routerMtu`; a silent one (a PMTU black hole) costs a timeout per size. If the result
 * is below the largest size tried (`maxMtu`, default 1500), one oversize echo with DF clear tells whether fragments pass or are
 * dropped on the path (a common cause of PPTP sessions that connect and then stall).
 */
import { performance } from 'node:perf_hooks';
import { PMTU, type PptpTunnel } from '../pptp/index.js';
import {
  failed,
  outcome,
  roundMs,
  type CheckResult,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
} from './types.js';
import { GRE_BLOCKED_DETAIL, intOpt, linkGone, openTunnel, tunnelFields } from './tunnel-common.js';

/** IPv4 20 + enhanced GRE with seq and ack 16 + PPP FF03 C021 4 + LCP code/id/len 4 + magic 4. */
export const ECHO_OVERHEAD = 20 + 16 + 4 + 4 + 4;
/** Outer IPv4 + GRE (seq, ack) + PPP header: what separates the path MTU from the PPP MTU. */
const TUNNEL_OVERHEAD = 20 + 16 + 4;
const MIN_SIZE = 576;
/** Linux errno for "Message too long" (the helper reports send errors as raw errno values). */
const EMSGSIZE = 90;

interface SearchState {
  waitMs: number;
  maxWaitMs: number;
  /** Next-hop MTU from the last ICMP "fragmentation needed", if a router sent one. */
  routerMtu: number | null;
  /** Outer size of the echo in flight. */
  size: number;
  /** Fails the echo in flight when an ICMP "fragmentation needed" arrives. */
  tooBig: (() => void) | null;
  /** Ends the wait when the send itself failed. */
  notSent: (() => void) | null;
}

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
      if (tun.greReceived === 0 && !linkGone(tun))
        return outcome(ctx, failed('mtu', ms, 'gre', 'gre_blocked', GRE_BLOCKED_DETAIL, fields));
      const f = tun.ppp.failure;
      return outcome(
        ctx,
        failed('mtu', ms, 'lcp', f?.reason ?? 'timeout', f?.detail ?? 'LCP did not open', fields),
      );
    }
    // Not min(IP_MTU): that is the kernel's *cached* path MTU, which would hide the very clamp we look
    // for after the first run. Sizes beyond the local interface fail at once with EMSGSIZE instead.
    const kernelPmtu = await tun.gre.pathMtu();
    const hi = intOpt(ctx, 'maxMtu', 1500, MIN_SIZE, 9000);
    // pppd gives an unauthenticated peer about 30 s (10 CHAP challenges, 3 s apart): keep it short.
    const maxWaitMs = intOpt(ctx, 'echoTimeoutMs', Math.min(ctx.timeoutMs, 1000), 50, 30_000);
    const tries = intOpt(ctx, 'tries', 2, 1, 5);
    const st: SearchState = {
      waitMs: maxWaitMs,
      maxWaitMs,
      routerMtu: null,
      size: 0,
      tooBig: null,
      notSent: null,
    };
    tun.gre.onIcmpError = (e) => {
      if (e.type === 3 && e.code === 4) {
        st.routerMtu = e.info;
        // Only news about this size counts: a late ICMP about a bigger echo must not fail a good one.
        if (e.info > 0 && e.info < st.size) st.tooBig?.();
      }
    };
    // With IP_RECVERR the kernel also parks the ICMP error as a pending socket error that fails the
    // *next* send once with EMSGSIZE; so a send error means "not sent, send again", not "too big".
    tun.gre.onSendError = (e) => {
      if (e.errno === EMSGSIZE) st.notSent?.();
    };
    tun.gre.setPmtuMode(PMTU.PROBE);
    const passes = async (size: number): Promise<boolean> => {
      let resends = 0;
      for (let i = 0; i < tries; i++) {
        const r = await echoOf(tun, size, st);
        if (r === 'reply') return true;
        if (r === 'too_big') return false;
        // Twice not sent: the local interface itself is smaller than `size`.
        if (r === 'not_sent' && ++resends < 2) i--;
        else if (r === 'not_sent') return false;
      }
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
      const detail = f?.detail ?? 'the server ended the link during the search';
      return outcome(ctx, failed('mtu', ms, 'lcp', f?.reason ?? 'terminated', detail, fields), ['mtu']);
    }
    const res = {
      ...fields,
      kernelPmtu,
      routerMtu: st.routerMtu,
      fragments,
      pppMtu: best === null ? null : best - TUNNEL_OVERHEAD,
    };
    if (best === null) {
      const detail = `no LCP echo reply even at ${MIN_SIZE} bytes`;
      return outcome(ctx, failed('mtu', ms, 'data', 'no_echo', detail, { ...res, mtu: null }), ['mtu']);
    }
    const result: CheckResult = { check: 'mtu', ok: true, ms: roundMs(ms), mtu: best, ...res };
    return outcome(ctx, result, ['mtu']);
  } finally {
    await tun.close();
  }
}

/** One echo whose outer IP packet is `size` bytes. */
async function echoOf(
  tun: PptpTunnel,
  size: number,
  st: SearchState,
): Promise<'reply' | 'too_big' | 'timeout' | 'not_sent'> {
  const box: { id?: number } = {};
  const t0 = performance.now();
  st.size = size;
  const tooBig = new Promise<'too_big'>((resolve) => (st.tooBig = () => resolve('too_big')));
  const notSent = new Promise<'not_sent'>((resolve) => (st.notSent = () => resolve('not_sent')));
  const reply = tun.waitFor(
    (ev) => (ev.type === 'echo-reply' && ev.id === box.id ? true : undefined),
    st.waitMs,
  );
  const seq = tun.link.nextSeq;
  box.id = tun.ppp.sendEcho(size - ECHO_OVERHEAD);
  const answered = reply.then((ok) => (ok ? ('reply' as const) : ('timeout' as const)));
  const r = await Promise.race([answered, tooBig, notSent]);
  st.tooBig = null;
  st.notSent = null;
  // pptpd holds every packet after a gap in the GRE sequence until its reorder timeout, which would
  // make the next size look lost too (the lab showed it: searches ended 48 bytes short). So a lost
  // echo's sequence number is sent again at once in a tiny LCP Discard-Request (RFC 1661 §5.9): it
  // fills the gap if the echo was dropped, and is discarded as a duplicate if the echo did arrive.
  // An echo that never left (send error) just gives its number back.
  if (r === 'not_sent') tun.link.rewind(seq);
  else if ((r === 'too_big' || r === 'timeout') && tun.link.rewind(seq)) tun.ppp.sendDiscard();
  // Later timeouts scale with what replies take here (the lab VM's TCG RTT varies 10-400 ms).
  if (r === 'reply') st.waitMs = Math.min(st.maxWaitMs, Math.max(250, 8 * (performance.now() - t0)));
  return r;
}

export const mtuProbe: Probe = {
  name: 'mtu',
  summary: 'path MTU through the tunnel: padded LCP echoes with DF set, binary search; fragment check',
  run: runMtu,
  deadlineMs: (ctx) => 6 * ctx.timeoutMs + 40_000,
};
