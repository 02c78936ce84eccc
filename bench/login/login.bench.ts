/**
 * Login time: pptpmon's userspace `login` (control + GRE + LCP + MS-CHAPv2 + CCP/MPPE-128 + IPCP, all in
 * Node) against the real kernel client (pptp-linux 1.10 + pppd 2.4.9 inside the lab VM, through the
 * same host path), both to the lab's pptpd. Figures: median time from start to IPCP up, over ROUNDS
 * alternating rounds, and the ratio. Target: ours no slower than the kernel client (ratio <= 1).
 * The kernel client's time is measured inside the VM by lab-session (SECONDS_TO_UP), so it excludes
 * the lab command channel; ours is host wall time, so it includes everything.
 */
import { performance } from 'node:perf_hooks';
import { LAB_USERS } from '../../lab/src/config.js';
import { getLab } from '../../test/lab/lab.js';
import { PptpTunnel } from '../../src/pptp/tunnel.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function oursToUp(server: string): Promise<number> {
  const t0 = performance.now();
  const tun = await PptpTunnel.open({
    host: server,
    port: 1723,
    timeoutMs: 10_000,
    now: () => performance.now(),
    ppp: {
      user: LAB_USERS.alice.user,
      password: LAB_USERS.alice.password,
      mppe: { bits: [128], allowStateful: false },
      restartMs: 1000,
      maxConfigure: 10,
      authTimeoutMs: 10_000,
    },
  });
  const upEv = tun.waitFor((ev) => (ev.type === 'up' ? ev : ev.type === 'failed' ? ev : undefined), 30_000);
  tun.ppp.start();
  const ev = await upEv;
  const ms = performance.now() - t0;
  await tun.close();
  if (ev?.type !== 'up') throw new Error(`our login failed: ${JSON.stringify(ev)}`);
  if (ev.mppe?.bits !== 128) throw new Error('our login came up without MPPE 128');
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const lab = await getLab();
  if (!lab) throw new Error('the lab cannot run here (needs root and qemu)');
  const ours: number[] = [];
  const kernel: number[] = [];
  // Real client sessions need the lab's exclusive lock (lab/README.md); it also keeps faults away.
  await lab.exclusive(async () => {
    for (let i = 0; i < ROUNDS; i++) {
      ours.push(await oursToUp(lab.net.serverIp));
      const s = await lab.session({ user: LAB_USERS.alice.user });
      await s.stop().catch(() => undefined);
      if (!s.ok || !Number.isFinite(s.secondsToUp))
        throw new Error(`kernel client failed (rc ${s.rc}): ${s.output}`);
      kernel.push(s.secondsToUp * 1000);
    }
  });
  const o = median(ours);
  const k = median(kernel);
  console.log(`rounds: ${ROUNDS} (alternating), target ${lab.net.serverIp}, MPPE 128 stateless both`);
  console.log(
    `pptpmon login (userspace), start -> IPCP up: median ${o.toFixed(0)} ms  [${ours.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(
    `pptp-linux + pppd (kernel, in VM), start -> IPCP up: median ${k.toFixed(0)} ms  [${kernel.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(`ratio pptpmon/kernel: ${(o / k).toFixed(2)} (target <= 1.00: ${o <= k ? 'met' : 'NOT met'})`);
}

main().catch((e: unknown) => {
  console.error(`login bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
