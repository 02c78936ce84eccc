/**
 * `login` probe: a full synthetic PPTP login in userspace (no kernel PPP on the probing host):
 * control + call, LCP, MS-CHAPv2 with the server's authenticator response verified, CCP/MPPE, IPCP,
 * then N LCP echoes (RTT, jitter, loss) and ICMP echoes to the server's tunnel address, MPPE-encrypted.
 * Reports `stages` (ms each), `mppe`, `localIp`, `remoteIp`, `rttMs`, `jitterMs`, `lossPct`; a failure
 * names the stage and the server's reason (auth/bad_password for E=691, ccp/mppe_refused, ...).
 * Always disconnects cleanly. The password is used for hashing only and never leaves this function.
 */
import {
  buildIcmpEcho,
  describeMppe,
  parseIcmpEcho,
  type PppFailure,
  type PppStage,
  type PptpTunnel,
} from '../pptp/index.js';
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
import { GRE_BLOCKED_DETAIL, intOpt, linkGone, mppeOpt, openTunnel, tunnelFields } from './tunnel-common.js';

interface Up {
  localIp: string;
  remoteIp: string;
  mppe?: string;
}

async function runLogin(ctx: ProbeContext): Promise<ProbeOutcome> {
  const t0 = ctx.now();
  const creds = ctx.credentials;
  if (!creds)
    return outcome(
      ctx,
      failed(
        'login',
        0,
        'auth',
        'no_credentials',
        'login needs --user and --password-file or PPTPMON_PASSWORD',
      ),
    );
  const opened = await openTunnel(ctx, 'login', {
    mppe: mppeOpt(ctx),
    user: creds.user,
    password: creds.password,
  });
  if (!opened.ok) return outcome(ctx, opened.result, ['mppe']);
  const tun = opened.tunnel;
  const stages: Record<string, JsonValue> = {};
  tun.on((ev) => {
    if (ev.type === 'stage') stages[ev.stage] = roundMs(ev.ms);
  });
  const upOrFail = tun.waitFor<Up | PppFailure>((ev) => {
    if (ev.type === 'up')
      return {
        localIp: ev.localIp,
        remoteIp: ev.remoteIp,
        mppe: ev.mppe ? describeMppe(ev.mppe) : undefined,
      };
    if (ev.type === 'failed') return ev.failure;
    return undefined;
  }, 4 * ctx.timeoutMs);
  tun.ppp.start();
  const r = await upOrFail;
  const base = { ...tunnelFields(tun), stages };
  if (!r || 'stage' in r) {
    await tun.close();
    const ms = ctx.now() - t0;
    if (tun.greReceived === 0 && !linkGone(tun))
      return outcome(ctx, failed('login', ms, 'gre', 'gre_blocked', GRE_BLOCKED_DETAIL, base));
    const f: PppFailure = r ?? {
      stage: currentStage(stages),
      reason: 'timeout',
      detail: `no progress within ${4 * ctx.timeoutMs} ms`,
    };
    return outcome(ctx, failed('login', ms, f.stage, f.reason, f.detail, base));
  }
  const dataStart = ctx.now();
  const echo = await echoes(ctx, tun);
  const icmp = await pings(ctx, tun, r);
  stages.data = roundMs(ctx.now() - dataStart);
  await tun.close();
  const fields: Record<string, JsonValue> = {
    ...base,
    localIp: r.localIp,
    remoteIp: r.remoteIp,
    mppe: r.mppe ?? 'none',
    ...echo,
    ...icmp,
  };
  const ms = ctx.now() - t0;
  if (icmp.icmpReceived === 0) {
    return outcome(
      ctx,
      failed(
        'login',
        ms,
        'data',
        'no_data',
        `no ICMP echo reply from ${r.remoteIp} through the tunnel`,
        fields,
      ),
      ['mppe', 'rttMs', 'lossPct'],
    );
  }
  const result: CheckResult = { check: 'login', ok: true, ms: roundMs(ms), ...fields };
  return outcome(ctx, result, ['mppe', 'rttMs', 'lossPct']);
}

function currentStage(stages: Record<string, JsonValue>): PppStage {
  for (const s of ['lcp', 'auth', 'ccp', 'ipcp'] as const) if (stages[s] === undefined) return s;
  return 'data';
}

/** N LCP echoes, one at a time (RTT, jitter = mean |difference| of consecutive RTTs, RFC 3550 §6.4.1 style). */
async function echoes(ctx: ProbeContext, tun: PptpTunnel): Promise<Record<string, JsonValue>> {
  const n = intOpt(ctx, 'echoes', 5, 1, 100);
  const waitMs = intOpt(ctx, 'echoTimeoutMs', Math.min(ctx.timeoutMs, 2000), 50, 30_000);
  const rtts: number[] = [];
  for (let i = 0; i < n; i++) {
    const idBox: { id?: number } = {};
    const reply = tun.waitFor(
      (ev) => (ev.type === 'echo-reply' && ev.id === idBox.id ? ev.rttMs : undefined),
      waitMs,
    );
    idBox.id = tun.ppp.sendEcho(0);
    const rtt = await reply;
    if (rtt !== undefined) rtts.push(rtt);
  }
  const avg = rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : null;
  let jitter = 0;
  for (let i = 1; i < rtts.length; i++) jitter += Math.abs((rtts[i] as number) - (rtts[i - 1] as number));
  return {
    echoes: n,
    rttMs: avg === null ? null : roundMs(avg),
    jitterMs: rtts.length > 1 ? roundMs(jitter / (rtts.length - 1)) : 0,
    lossPct: roundMs((100 * (n - rtts.length)) / n),
  };
}

/** ICMP echo to the server's tunnel address, from ours, through MPPE. */
async function pings(ctx: ProbeContext, tun: PptpTunnel, up: Up): Promise<Record<string, number | null>> {
  const n = intOpt(ctx, 'pings', 3, 1, 100);
  const waitMs = Math.min(ctx.timeoutMs, 2000);
  const ident = (process.pid ^ 0x5050) & 0xffff;
  const rtts: number[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const t = ctx.now();
    const reply = tun.waitFor((ev) => {
      if (ev.type !== 'ip') return undefined;
      const p = parseIcmpEcho(ev.packet);
      return p.ok &&
        p.value.type === 0 &&
        p.value.id === ident &&
        p.value.seq === seq &&
        p.value.src === up.remoteIp
        ? true
        : undefined;
    }, waitMs);
    tun.ppp.sendIp(buildIcmpEcho(up.localIp, up.remoteIp, ident, seq, Buffer.from('pptpmon login probe')));
    if (await reply) rtts.push(ctx.now() - t);
  }
  return {
    icmpSent: n,
    icmpReceived: rtts.length,
    icmpRttMs: rtts.length ? roundMs(rtts.reduce((a, b) => a + b, 0) / rtts.length) : null,
  };
}

export const loginProbe: Probe = {
  name: 'login',
  summary: 'full synthetic login: LCP, MS-CHAPv2, CCP/MPPE, IPCP, echoes and ping through the tunnel',
  run: runLogin,
  requires: ['credentials'],
  deadlineMs: (ctx) => 12 * ctx.timeoutMs + 10_000,
};
