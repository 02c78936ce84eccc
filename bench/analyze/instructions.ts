/**
 * Instruction count of `pptpmon analyze --json` on the benchmark's seeded syslog, for small A/B
 * decisions on this shared 2-core machine (wall and CPU times vary by more than most changes).
 *
 *   node --import tsx bench/analyze/instructions.ts [--main] [LINES] [ROOT...]
 *
 * Each ROOT is a copy of the project with its built dist/ and bin/ (default: this checkout; e.g. copy
 * dist, bin and package.json of the version before a change to /tmp/a and pass /tmp/a and .). The runs
 * go in parallel, one per ROOT, and their --json outputs are compared byte for byte.
 *
 * Why node --single-threaded: with V8's compiler and GC threads, the main thread's count depends on
 * when optimized code arrives, i.e. on the machine's load (the same build measured 4.10G and 4.16G,
 * and a change 4.02G then 4.28G, as other jobs ran). On one thread the compiles and collections are
 * counted too, at fixed points: what a change costs in total, compiles included (a change that lets
 * more functions optimize can save main-thread work and still cost more CPU).
 *
 * --main: node with its ordinary threads instead, and the main thread's count (callgrind
 * --separate-threads): what wall time follows on an idle second core. Valgrind runs one thread at a
 * time, so this count does not follow the machine's load: the same build gave 1.480G, 1.482G and
 * 1.498G on 200,000 lines while other jobs ran. The analyze bundle's V8 code cache is taken in this
 * mode (made under the same flags); --single-threaded makes V8 refuse it (start-up compiles from source).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyslog } from './generate.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEED = 20261124;

const MAIN = process.argv.includes('--main');
const ARGS = process.argv.slice(2).filter((a) => a !== '--main');

/** The node options on bin/pptpmon.js's shebang line. */
function shebangFlags(root: string): string[] {
  const first = readFileSync(join(root, 'bin', 'pptpmon.js'), 'utf8').split('\n', 1)[0] ?? '';
  return first.split(' ').filter((w) => w.startsWith('--'));
}

function total(file: string): number {
  const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no instruction total in ${file}`);
  return Number(m[1]);
}

function count(root: string, log: string, dir: string, n: number): Promise<{ ir: number; out: string }> {
  const cg = join(dir, `callgrind.${n}.out`);
  const json = join(dir, `out.${n}.json`);
  const fd = openSync(json, 'w');
  const args = [
    '--tool=callgrind',
    `--callgrind-out-file=${cg}`,
    ...(MAIN ? ['--separate-threads=yes'] : []),
    process.execPath,
    ...(MAIN ? [] : ['--single-threaded']),
    // bin/pptpmon.js's shebang flags (running bin through node directly drops the shebang).
    ...shebangFlags(root),
    join(root, 'bin', 'pptpmon.js'),
    'analyze',
    '--json',
    '--tz',
    'UTC',
    log,
  ];
  // stdout straight to a file: the --json output is MBs.
  const child = spawn('valgrind', args, { stdio: ['ignore', fd, 'ignore'] });
  return new Promise((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      closeSync(fd);
      if (code !== 0) return fail(new Error(`valgrind ... ${root}: exit ${code}`));
      try {
        // --separate-threads writes one file per thread, the main thread's ending in -01.
        ok({ ir: total(MAIN ? `${cg}-01` : cg), out: readFileSync(json, 'utf8') });
      } catch (err) {
        fail(err as Error);
      }
    });
  });
}

async function main(): Promise<void> {
  const lines = Number(ARGS[0] ?? 1_000_000);
  if (!Number.isInteger(lines) || lines < 1)
    throw new Error(`LINES: expected a positive integer, got ${ARGS[0]}`);
  const roots = ARGS.length > 1 ? ARGS.slice(1).map((r) => resolve(r)) : [ROOT];
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-ir-'));
  try {
    const log = join(dir, 'syslog');
    await generateSyslog(log, lines, SEED, join(ROOT, 'samples', 'syslog'));
    const before = loadavg()[0] ?? 0;
    const res = await Promise.all(roots.map((r, i) => count(r, log, dir, i)));
    process.stdout.write(
      `${lines} lines, load average ${before.toFixed(2)} -> ${(loadavg()[0] ?? 0).toFixed(2)}\n`,
    );
    res.forEach((r, i) =>
      process.stdout.write(
        `  ${((r.ir / 1e9).toFixed(3) + 'G').padStart(8)} instructions${MAIN ? ' (main thread)' : ''}  ${roots[i]}\n`,
      ),
    );
    const differs = res.findIndex((r) => r.out !== res[0]?.out);
    if (differs > 0) {
      process.stdout.write(`  OUTPUT DIFFERS: ${roots[differs]} vs ${roots[0]}\n`);
      process.exitCode = 1;
    } else if (res.length > 1) process.stdout.write('  --json outputs identical\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
