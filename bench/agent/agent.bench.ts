/**
 * Agent benchmark (issue 5). Figures, each beside a baseline measured in the same run:
 *  1. RSS and CPU of `pptpmon agent` as installed (bin/pptpmon.js, with its node flags, over a fresh
 *     `tsc -p tsconfig.build.json` build of src/, as `npm run build` makes dist/) with 10,000 ppp-named
 *     point-to-point interfaces (persistent tun devices: this host kernel has no dummy module) in a
 *     network namespace this bench creates and deletes, while a writer appends 5,000 lines/s of real
 *     pptpd/pppd syslog (lab capture) for a burst, then idles. Baseline: an idle `node` process.
 *     Targets: RSS <= 80 MB, CPU < 5% of a core while idle.
 *  2. Crash-to-event latency of the processes collector for a SIGKILLed `pptpd` (p50/p95/max over
 *     20 kills). Target p95 <= 1 s. Baseline: the collector's poll period.
 *  3. Follower throughput (FileFollower reading a 300k-line file) vs `tail -n +1 -F FILE | wc -l`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileFollower } from '../../src/logs/follow/file.js';
import { createProcessesCollector } from '../../src/collectors/processes.js';
import { defaultContext } from '../../src/collectors/types.js';

const NS = `pptpmon-bench-${process.pid}`;
const IFACES = Number(process.env.BENCH_IFACES ?? 10_000);
const RATE = 5000;
const BURST_S = 10;
const IDLE_S = 20;
const dir = mkdtempSync(join(tmpdir(), 'pptpmon-agent-bench-'));
const kids: ChildProcess[] = [];
const CLK_TCK = 100;

function procCpuSeconds(pid: number): number {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}
function rssMb(pid: number, field = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}
const fmt = (x: number, d = 1): string => x.toFixed(d);

async function cpuOver(pid: number, seconds: number): Promise<number> {
  const c0 = procCpuSeconds(pid);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  return ((procCpuSeconds(pid) - c0) / ((Date.now() - t0) / 1000)) * 100;
}

let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const k of kids) k.kill('SIGKILL');
  try {
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);

async function agentFigures(): Promise<void> {
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  let batch = '';
  for (let i = 0; i < IFACES; i++) batch += `tuntap add dev ppp${i} mode tun\n`;
  for (let i = 0; i < IFACES; i++) batch += `link set ppp${i} up\n`;
  writeFileSync(join(dir, 'ifaces.batch'), batch);
  const tIf = Date.now();
  execFileSync('ip', ['-n', NS, '-b', join(dir, 'ifaces.batch')]);
  console.log(`created ${IFACES} ppp-named interfaces in ${NS} in ${Date.now() - tIf} ms`);

  // The installed layout: bin/pptpmon.js (its shebang's node flags included) importing ../dist.
  execFileSync(
    process.execPath,
    [
      new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname,
      '-p',
      new URL('../../tsconfig.build.json', import.meta.url).pathname,
      '--outDir',
      join(dir, 'dist'),
    ],
    { stdio: 'inherit' },
  );
  mkdirSync(join(dir, 'bin'));
  copyFileSync(new URL('../../bin/pptpmon.js', import.meta.url).pathname, join(dir, 'bin/pptpmon.js'));
  chmodSync(join(dir, 'bin/pptpmon.js'), 0o755);
  const entry = join(dir, 'bin/pptpmon.js');
  symlinkSync(new URL('../../node_modules', import.meta.url).pathname, join(dir, 'node_modules'));
  // An installed package has src/ beside dist/: the server reads its rule pack from src/rules/defaults.yaml
  // (tsc does not copy it). Without it the server exited at start and the agent only ever spooled.
  symlinkSync(new URL('../../src', import.meta.url).pathname, join(dir, 'src'));
  const log = join(dir, 'syslog');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'token'), 'bench-token-0123456789abcdef\n');
  writeFileSync(
    join(dir, 'server.yaml'),
    JSON.stringify({
      server: { listen: '127.0.0.1:19723', tokenFile: join(dir, 'token') },
      store: { path: join(dir, 's.db') },
    }),
  );
  writeFileSync(
    join(dir, 'agent.yaml'),
    JSON.stringify({
      host: 'bench',
      logs: { defaults: false, files: [log] },
      agent: {
        serverUrl: 'http://127.0.0.1:19723',
        tokenFile: join(dir, 'token'),
        stateDir: join(dir, 'state'),
        metricsListen: '127.0.0.1:19724',
        collectors: {
          sessions: { interval: '10s' },
          system: { interval: '30s' },
          netstat: { interval: '15s' },
          'config-drift': { interval: '30s' },
        },
      },
    }),
  );
  const inNs = (
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): { child: ChildProcess; stdout: () => string; stderr: () => string } => {
    const c = spawn('ip', ['netns', 'exec', NS, entry, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    // BENCH_AGENT_STDOUT: the agent's whole stdout to this file (e.g. --trace-gc output), for diagnosis.
    const copyTo = process.env.BENCH_AGENT_STDOUT;
    if (copyTo && args[0] === 'agent') c.stdout!.on('data', (d: Buffer) => appendFileSync(copyTo, d));
    kids.push(c);
    // stdout: the first 4 KB (the server's start-up lines; pino logs there for the whole run).
    let out = '';
    let err = '';
    c.stdout!.on('data', (d: Buffer) => {
      if (out.length < 4096) out += d.toString();
    });
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    return { child: c, stdout: () => out, stderr: () => err };
  };
  const server = inNs(['server', '-c', join(dir, 'server.yaml')]);
  // The figures are those of an agent that ships: a server that failed to start leaves an agent that
  // only spools, which is not the case being measured.
  for (let i = 0; !server.stdout().includes('listening on'); i++) {
    if (i >= 300 || server.child.exitCode !== null)
      throw new Error(`pptpmon server did not start:\n${server.stdout()}${server.stderr()}`);
    await sleep(100);
  }
  // BENCH_AGENT_ARGS: extra `pptpmon agent` arguments for an A/B in the same conditions (e.g. --jit).
  const extra = (process.env.BENCH_AGENT_ARGS ?? '').split(' ').filter(Boolean);
  // BENCH_AGENT_NODE_OPTIONS: node options for the agent process only (e.g. --trace-gc), for diagnosis.
  const agentEnv = process.env.BENCH_AGENT_NODE_OPTIONS
    ? { ...process.env, NODE_OPTIONS: process.env.BENCH_AGENT_NODE_OPTIONS }
    : process.env;
  const agent = inNs(['agent', '-c', join(dir, 'agent.yaml'), ...extra], agentEnv);
  const baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  kids.push(baseline);
  await sleep(8000);
  // `ip netns exec` forks node: find the agent's own pid.
  const agentPid = Number(execFileSync('pgrep', ['-n', '-f', `${entry} agent`], { encoding: 'utf8' }).trim());

  const lines = readFileSync(new URL('../../samples/syslog', import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);
  const settleCpu = await cpuOver(agentPid, 10); // includes a 10,000-interface sessions pass
  const writer = (async () => {
    const t0 = Date.now();
    let n = 0;
    while (Date.now() - t0 < BURST_S * 1000) {
      const due = Math.floor(((Date.now() - t0) * RATE) / 1000);
      let chunk = '';
      for (; n < due; n++) chunk += `${lines[n % lines.length]}\n`;
      if (chunk) appendFileSync(log, chunk);
      await sleep(20);
    }
    return n;
  })();
  const burstCpu = await cpuOver(agentPid, BURST_S);
  const written = await writer;
  // RSS sampled each second of the idle phase: one reading depends on whether V8's memory reducer
  // has run yet, so the median and the maximum are printed beside the last reading.
  const idleRss: number[] = [];
  const sampler = setInterval(() => idleRss.push(rssMb(agentPid)), 1000);
  const idleCpu = await cpuOver(agentPid, IDLE_S);
  clearInterval(sampler);
  idleRss.sort((a, b) => a - b);
  const idleMedian = idleRss[Math.floor(idleRss.length / 2)] ?? 0;
  const idleMax = idleRss[idleRss.length - 1] ?? 0;
  const baseCpu = await cpuOver(baseline.pid!, 5);
  const rss = rssMb(agentPid);
  const hwm = rssMb(agentPid, 'VmHWM');
  const baseRss = rssMb(baseline.pid!);
  const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const shipped = storedEvents(join(dir, 's.db'));
  if (shipped.samples < IFACES)
    throw new Error(`the agent did not ship: ${JSON.stringify(shipped)} stored\n${agent.stderr()}`);
  console.log(
    `agent${extra.length ? ` ${extra.join(' ')}` : ''} with ${IFACES} ppp interfaces, writer ${RATE} lines/s for ${BURST_S}s (${written} lines), load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}:`,
  );
  console.log(
    `  RSS now ${fmt(rss)} MB (${met(rss <= 80)}: target <= 80), peak ${fmt(hwm)} MB (${met(hwm <= 80)} as a peak)   baseline idle node ${fmt(baseRss)} MB   ratio ${fmt(rss / baseRss, 2)}x`,
  );
  console.log(
    `  RSS over the ${IDLE_S}s idle after the burst: median ${fmt(idleMedian)} MB (${met(idleMedian <= 80)}), max ${fmt(idleMax)} MB (${met(idleMax <= 80)})`,
  );
  console.log(
    `  of which anonymous ${fmt(rssMb(agentPid, 'RssAnon'))} MB, file-backed ${fmt(rssMb(agentPid, 'RssFile'))} MB (mostly the node binary's own pages; idle node: ${fmt(rssMb(baseline.pid!, 'RssFile'))} MB)`,
  );
  console.log(
    `  stored by the server: ${shipped.samples} session samples, ${shipped.other} other events${/shipping failed/.test(agent.stderr()) ? ' (the agent reported a shipping failure: see its notes below)' : ''}`,
  );
  for (const n of agent
    .stderr()
    .split('\n')
    .filter((l) => /failed|error/i.test(l)))
    console.log(`    ${n}`);
  console.log(
    `  CPU settle ${fmt(settleCpu)}%  burst ${fmt(burstCpu)}%  idle ${fmt(idleCpu)}% of a core (${met(idleCpu < 5)}: target idle < 5)   baseline idle node ${fmt(baseCpu, 2)}%`,
  );
}

/** Events the bench's server stored from the agent (read beside the running server: WAL). */
function storedEvents(dbPath: string): { samples: number; other: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    return {
      samples: count("SELECT count(*) AS n FROM events WHERE host = 'bench' AND kind = 'session.sample'"),
      other: count("SELECT count(*) AS n FROM events WHERE host = 'bench' AND kind <> 'session.sample'"),
    };
  } finally {
    db.close();
  }
}

async function crashLatency(): Promise<void> {
  copyFileSync('/bin/bash', join(dir, 'pptpd'));
  const c = createProcessesCollector(defaultContext({ stateDir: dir }), { scanMs: 250 });
  await c.collect();
  const lat: number[] = [];
  for (let i = 0; i < 20; i++) {
    const p = spawn(join(dir, 'pptpd'), ['-c', 'sleep 30; :'], { stdio: 'ignore' });
    kids.push(p);
    await sleep(300);
    await c.collect();
    const killed = Date.now();
    p.kill('SIGKILL');
    // The agent's loop: collect, then wait the interval (timer), as Agent.start does.
    for (;;) {
      const evs = await c.collect();
      if (evs.some((e) => e.kind === 'proc.down' && e.attrs.pid === p.pid)) break;
      await sleep(c.intervalMs);
    }
    lat.push(Date.now() - killed);
  }
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  console.log(
    `pptpd SIGKILL -> proc.down: p50 ${q(0.5)} ms  p95 ${q(0.95)} ms  max ${lat[lat.length - 1]} ms (${q(0.95) <= 1000 ? 'met' : 'NOT met'}: target p95 <= 1000)   baseline poll period ${c.intervalMs} ms   p95/period ${fmt(q(0.95) / c.intervalMs, 2)}x`,
  );
}

async function followerThroughput(): Promise<void> {
  const N = 300_000;
  const src = readFileSync(new URL('../../samples/syslog', import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);
  const file = join(dir, 'big.log');
  let text = '';
  for (let i = 0; i < N; i++) text += `${src[i % src.length]}\n`;
  writeFileSync(file, text);
  const t0 = process.hrtime.bigint();
  const f = new FileFollower({ path: file, startAtEnd: false });
  let got = 0;
  while (got < N) got += f.poll().lines.length;
  const followMs = Number(process.hrtime.bigint() - t0) / 1e6;
  f.close();
  const t1 = process.hrtime.bigint();
  const tail = spawn('tail', ['-n', '+1', '-F', file], { stdio: ['ignore', 'pipe', 'ignore'] });
  kids.push(tail);
  let nl = 0;
  await new Promise<void>((resolve) => {
    tail.stdout!.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) nl++;
      if (nl >= N) resolve();
    });
  });
  const tailMs = Number(process.hrtime.bigint() - t1) / 1e6;
  tail.kill('SIGKILL');
  console.log(
    `follower: ${N} lines in ${fmt(followMs, 0)} ms = ${fmt(N / followMs, 0)}k lines/s (ids, hashes, checkpoints)   baseline tail -F | count: ${fmt(tailMs, 0)} ms = ${fmt(N / tailMs, 0)}k lines/s   ratio ${fmt(tailMs / followMs, 2)}x of tail's speed`,
  );
}

await followerThroughput();
await crashLatency();
await agentFigures();
cleanup();
process.exit(0);
