#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's built-in runner through tsx, so CI's summary counts them.
// Node 20's --test does not expand globs or find .ts files itself, hence this list.
// `--no-lab` leaves out test/lab and sets PPTPMON_NO_LAB=1 (lab tests then skip, saying so).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const noLab = args.includes('--no-lab');
const only = args.filter((a) => !a.startsWith('--'));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = (only.length ? only : walk('test')).sort();
if (noLab) files = files.filter((f) => !f.startsWith(join('test', 'lab')));
const env = { ...process.env };
if (noLab) env.PPTPMON_NO_LAB = '1';
// The shared lab VM (lab/README.md): brought up once here, before the test files, and taken down at
// the end only if this run started it (a lab found running is left running for the others using it).
// Also on failure and on SIGINT/SIGTERM: `lab down` stops qemu/tcpdump by PID and deletes the netns.
const labCli = ['--import', 'tsx', 'lab/cli.ts'];
let labStarted = false;
function labDown() {
  if (!labStarted) return;
  labStarted = false;
  spawnSync(process.execPath, [...labCli, 'down'], { stdio: 'inherit', timeout: 120_000 });
}
const wantLab = !noLab && env.PPTPMON_NO_LAB !== '1';
if (wantLab && process.getuid?.() === 0 && spawnSync('qemu-system-x86_64', ['--version']).status === 0) {
  const up = spawnSync(process.execPath, [...labCli, 'up', '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (up.status === 0) {
    labStarted = JSON.parse(up.stdout.trim().split('\n').pop() ?? '{}').started === true;
  } else {
    // Tests that need the lab then fail loudly in getLab() (it retries `up` and reports why).
    console.error('== lab up failed: lab tests will report the error');
  }
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env,
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    child.kill(sig);
    labDown();
    process.exit(130);
  });
}
child.on('exit', (code, signal) => {
  labDown();
  process.exit(code ?? (signal ? 1 : 1));
});
