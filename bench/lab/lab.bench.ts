/**
 * Lab benchmark: cold build, warm build, boot time, time to a session up, and the max number of
 * concurrent real sessions the VM carries. Each figure is printed beside a baseline measured in the
 * same run, as a ratio. Uses the ONE shared lab (booting a second VM on 2 cores would distort both):
 * if a lab is running, its boot time is the one measured when it started; otherwise this bench starts
 * it (measuring the boot) and stops it at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LAB_DIR } from '../../lab/src/config.js';
import { down, readState, status, up } from '../../lab/src/lab.js';
import { getLab, labUnavailable } from '../../test/lab/lab.js';

function timeIt(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const row = (what: string, v: number, unit: string, base: string, b: number): void =>
  console.log(
    `${what.padEnd(34)} ${v.toFixed(2).padStart(8)} ${unit.padEnd(9)} baseline ${base}: ${b.toFixed(2)} -> ratio ${(v / b).toFixed(2)}`,
  );

function tcpConnectSeconds(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const s = connect({ host, port: 1723, timeout: 10_000 });
    s.once('connect', () => (s.destroy(), resolve(Number(process.hrtime.bigint() - t) / 1e9)));
    s.once('error', reject);
    s.once('timeout', () => (s.destroy(), reject(new Error('timeout'))));
  });
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) {
    console.log(`lab bench skipped: ${why}`);
    return;
  }
  // 1. Builds into a throw-away cache (the .deb cache is shared, so "cold" excludes downloads).
  const cache = mkdtempSync('/var/tmp/pptpmon-lab-bench-');
  try {
    const env = { ...process.env, PPTPMON_LAB_CACHE: cache, PPTPMON_LAB_DEBS: '/var/cache/pptpmon-lab/debs' };
    const build = (): void =>
      void execFileSync('bash', [join(LAB_DIR, 'build.sh')], { env, stdio: ['ignore', 'ignore', 'ignore'] });
    const cold = timeIt(build);
    const warm = timeIt(build);
    row('cold build (debs cached)', cold, 's', 'warm build', warm);
    row('warm build', warm, 's', 'cold build', cold);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }

  // 2. Boot.
  const before = await status();
  const r = await up();
  const st = readState() ?? r.state;
  const lab = await getLab();
  if (!lab) throw new Error('lab did not come up');
  const execRtt: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = Date.now();
    await lab.exec(['true']);
    execRtt.push((Date.now() - t) / 1000);
  }
  row(
    `boot to pptpd listening${r.started ? '' : ' (shared lab)'}`,
    st.bootSeconds,
    's',
    'lab exec round trip',
    median(execRtt),
  );

  await lab.exclusive(async () => {
    // Inside the lock: another engineer's fault test may have pptpd stopped outside it.
    const tcp: number[] = [];
    for (let i = 0; i < 5; i++) tcp.push(await tcpConnectSeconds(lab.net.serverIp));
    // 3. Session up (pppd updetach returns when IPCP is up), vs a bare TCP connect to 1723.
    const ups: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await lab.session({ user: 'alice' });
      if (!s.ok) throw new Error(`session failed: ${s.output}`);
      ups.push(s.secondsToUp);
      await s.stop();
    }
    row('time to session up (median of 3)', median(ups), 's', 'TCP connect 1723', median(tcp));

    // 4. As many concurrent sessions as the image has load users (60); pptpd allows 150.
    const f = await lab.fault('sessions', ['60']);
    try {
      const n = f.sessions.filter((s) => s.ok).length;
      row('max concurrent sessions (of 60)', n, 'sessions', 'requested', 60);
      const mem = await lab.exec(['sh', '-c', "free -m | awk '/Mem:/{print $3}'"]);
      console.log(`guest memory used with ${n} sessions: ${mem.stdout.trim()} MB (of 1024)`);
    } finally {
      await f.undo();
    }
  });
  if (r.started && !before.running) await down();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
