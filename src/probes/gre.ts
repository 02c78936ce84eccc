/**
 * `gre` probe: control connection, OCRQ/OCRP (call IDs, result), then our LCP Configure-Request over
 * enhanced GRE and the server's LCP back. LCP reaching Opened needs both directions (our request acked,
 * theirs acked by us), so it proves the GRE path both ways. Control OK with no GRE at all from the
 * server is `gre_blocked`; only invalid GRE (wrong call ID, not enhanced GRE) is `gre_invalid`; GRE
 * from the server without an answer to ours is `gre_one_way`.
 * Never authenticates: it terminates LCP right after it opens (pppd logs "LCP terminated by peer").
 */
import { type PptpTunnel } from '../pptp/index.js';
import {
  failed,
  outcome,
  roundMs,
  type CheckResult,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
} from './types.js';
import { GRE_BLOCKED_DETAIL, linkGone, openTunnel, tunnelFields } from './tunnel-common.js';

async function runGre(ctx: ProbeContext): Promise<ProbeOutcome> {
  const t0 = ctx.now();
  const opened = await openTunnel(ctx, 'gre', { mppe: null });
  if (!opened.ok) return outcome(ctx, opened.result);
  const tun: PptpTunnel = opened.tunnel;
  const lcp = tun.waitFor(
    (ev) => (ev.type === 'stage' && ev.stage === 'lcp' ? ev : ev.type === 'failed' ? ev : undefined),
    ctx.timeoutMs,
  );
  tun.ppp.start();
  const ev = await lcp;
  const fields = { ...tunnelFields(tun), greReceived: tun.greReceived };
  await tun.close();
  if (ev?.type === 'stage') {
    const result: CheckResult = {
      check: 'gre',
      ok: true,
      ms: roundMs(ctx.now() - t0),
      ...fields,
      lcpMs: roundMs(ev.ms),
    };
    return outcome(ctx, result);
  }
  const ms = ctx.now() - t0;
  const gone = linkGone(tun);
  if (gone) return outcome(ctx, failed('gre', ms, gone.stage, gone.reason, gone.detail, fields));
  if (tun.greReceived === 0 && tun.greErrors.length > 0) {
    // Something answers with GRE, but nothing valid for our call: a NAT rewriting call IDs, or not PPTP.
    const detail = `GRE arrives but none is valid PPTP GRE for our call: ${tun.greErrors[0]}`;
    return outcome(ctx, failed('gre', ms, 'gre', 'gre_invalid', detail, fields));
  }
  if (tun.greReceived === 0)
    return outcome(ctx, failed('gre', ms, 'gre', 'gre_blocked', GRE_BLOCKED_DETAIL, fields));
  if (ev?.type === 'failed')
    return outcome(ctx, failed('gre', ms, 'lcp', ev.failure.reason, ev.failure.detail, fields));
  return outcome(
    ctx,
    failed(
      'gre',
      ms,
      'gre',
      'gre_one_way',
      'GRE from the server arrives but our LCP gets no answer: our GRE does not reach it',
      fields,
    ),
  );
}

export const greProbe: Probe = {
  name: 'gre',
  summary: 'OCRQ/OCRP, then LCP over enhanced GRE both ways (needs CAP_NET_RAW)',
  run: runGre,
  deadlineMs: (ctx) => 6 * ctx.timeoutMs + 3000,
};
