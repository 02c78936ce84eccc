// Bench: `pptpmon probe --check control` vs `nmap -p1723 --script pptp-version` (Debian nmap) against the
// lab's real pptpd, wall time per run, measured in the same process run, printed as a ratio.
// pptpmon does more per run (SCCRQ, Echo RTT, Stop-Control-Connection) than nmap's script (SCCRQ only);
// the in-process figure shows the probe's own cost without Node's start-up.
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getLab } from '../../test/lab/lab.js';
import { MemoryStateStore, findProbe, runProbe } from '../../src/probes/index.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = path.resolve(import.meta.dirname, '../..');
// The installed `pptpmon` runs tsc output (bin/pptpmon.js -> dist/); compile the same way into a cache
// folder inside the repo (so node_modules and package.json "type" resolve), leaving dist/ alone.
const COMPILED = path.join(ROOT, 'node_modules/.cache/pptpmon-bench-dist');

function timed(cmd: string, args: string[]): Promise<{ ms: number; out: string; code: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout) => {
      const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      resolve({ ms: performance.now() - t0, out: stdout, code });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const lab = await getLab();
  if (!lab) {
    console.log('control bench: lab unavailable here (see test/lab/lab.ts labUnavailable); nothing measured');
    return;
  }
  // Hold the lab's exclusive lock: nobody injects a fault (pptpd-stop...) in the middle of the figures.
  const release = await lab.lock();
  try {
    await measure(lab.net.serverIp);
  } finally {
    await release();
  }
}

async function measure(server: string): Promise<void> {
  const stateFile = path.join(tmpdir(), `pptpmon-bench-state-${process.pid}.json`);
  const probeArgs = ['probe', server, '--check', 'control', '--json', '--state-file', stateFile];
  const cliArgs = ['--import', 'tsx', 'src/cli/main.ts', ...probeArgs];
  // tsc emits despite type errors elsewhere in a tree under work; only the CLI's files matter here.
  await timed(process.execPath, [
    path.join(ROOT, 'node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    COMPILED,
  ]);
  const compiledMain = path.join(COMPILED, 'cli/main.js');
  if (!existsSync(compiledMain)) throw new Error(`tsc produced no ${compiledMain}`);
  const compiledArgs = [compiledMain, ...probeArgs];
  const nmapArgs = ['-Pn', '-n', '-p1723', '--script', 'pptp-version', server];
  // Warm-up: one of each, not counted (page cache, tsx transform cache, nmap's script database).
  const warm = await timed(process.execPath, cliArgs);
  const warmC = await timed(process.execPath, compiledArgs);
  if (warmC.code !== 0) throw new Error(`compiled pptpmon probe failed on the lab: ${warmC.out}`);
  const warmN = await timed('nmap', nmapArgs);
  if (warm.code !== 0) throw new Error(`pptpmon probe failed on the lab: ${warm.out}`);
  if (!/pptp/i.test(warmN.out)) console.log(`note: nmap output did not name pptp:\n${warmN.out}`);

  const ours: number[] = [];
  const compiled: number[] = [];
  const failures: string[] = [];
  const nmap: number[] = [];
  const inproc: number[] = [];
  const probe = findProbe('control');
  if (!probe) throw new Error('control probe not registered');
  for (let i = 0; i < RUNS; i++) {
    ours.push((await timed(process.execPath, cliArgs)).ms);
    compiled.push((await timed(process.execPath, compiledArgs)).ms);
    nmap.push((await timed('nmap', nmapArgs)).ms);
    const t0 = performance.now();
    const r = await runProbe(probe, {
      target: server,
      port: 1723,
      vantage: 'bench',
      host: 'bench',
      timeoutMs: 5000,
      options: {},
      state: new MemoryStateStore(),
      now: () => performance.now(),
      wallClock: () => new Date(),
    });
    // A failed run is counted, not timed: pptpd's manager drops a connection whose SCCRQ it has not
    // read within its start-up window ("MGR: dropped slow initial connection") when the VM is busy.
    if (r.result.ok) inproc.push(performance.now() - t0);
    else failures.push(String(r.result.detail));
  }
  rmSync(stateFile, { force: true });
  const mo = median(ours);
  const mn = median(nmap);
  const mi = median(inproc);
  const mc = median(compiled);
  console.log(`target ${server} (lab pptpd), ${RUNS} runs each, median wall time:`);
  if (failures.length) console.log(`  in-process failures: ${failures.length} (${failures.join('; ')})`);
  const row = (label: string, ms: number, digits = 2) =>
    console.log(
      `  ${label.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms   ratio ${(ms / mn).toFixed(digits)}x of nmap`,
    );
  console.log(
    `  ${'nmap -p1723 --script pptp-version'.padEnd(40)} ${mn.toFixed(1).padStart(8)} ms   (baseline)`,
  );
  row('pptpmon probe --check control (as installed)', mc);
  row('pptpmon probe (dev: node + tsx)', mo);
  row('control probe in-process', mi, 3);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`control bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
