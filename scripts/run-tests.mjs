#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's built-in runner through tsx, so CI's summary counts them.
// Node 20's --test does not expand globs or find .ts files itself, hence this list.
// `--no-lab` leaves out test/lab and sets PPTPMON_NO_LAB=1 (lab tests then skip, saying so).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
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
// PPTPMON_REQUIRE (test/helpers/require.ts): checked here once so a typo stops the run before any test
// instead of silently requiring nothing. Keep this list in step with the helper's.
const COMPONENTS = ['pg', 'lab', 'journald', 'netns', 'design'];
const unknownRequired = (env.PPTPMON_REQUIRE ?? '')
  .split(',')
  .map((c) => c.trim())
  .filter((c) => c !== '' && !COMPONENTS.includes(c));
if (unknownRequired.length) {
  console.error(
    `PPTPMON_REQUIRE: unknown component(s) ${unknownRequired.join(', ')} (known: ${COMPONENTS.join(', ')})`,
  );
  process.exit(2);
}
if (noLab && /(^|,)\s*lab\s*(,|$)/.test(env.PPTPMON_REQUIRE ?? '')) {
  console.error('PPTPMON_REQUIRE has lab but --no-lab leaves the lab out');
  process.exit(2);
}
if (noLab) env.PPTPMON_NO_LAB = '1';
// The shared lab VM (lab/README.md): brought up once here, before the test files, and taken down at
// the end only if this run started it (a lab found running is left running for the others using it).
// Also on failure and on SIGINT/SIGTERM. On a signal the test files are stopped FIRST (their whole
// process group: node --test runs each file as a child that would otherwise live on and, finding the
// lab gone, start a new one through getLab() that nobody stops), then `lab down` stops qemu/tcpdump by
// PID and deletes the netns. PPTPMON_LAB_CLI (a command, for the runner's own test) replaces lab/cli.ts.
const labCli = process.env.PPTPMON_LAB_CLI
  ? [process.env.PPTPMON_LAB_CLI]
  : ['--import', 'tsx', 'lab/cli.ts'];
const labCmd = process.env.PPTPMON_LAB_CLI ? labCli[0] : process.execPath;
const labArgs = process.env.PPTPMON_LAB_CLI ? [] : labCli;
let labStarted = false;
let child = null;
let finishing = false;
// Set while `lab up` runs: interrupted then, whatever it booted is ours to stop unless a lab ran before.
let upStoppable = false;
function labDown(why) {
  if (!labStarted) return;
  labStarted = false;
  console.error(`== lab down (${why}): this run started it`);
  const r = spawnSync(labCmd, [...labArgs, 'down'], { stdio: 'inherit', timeout: 120_000 });
  if (r.status !== 0) console.error(`== lab down failed (${r.error?.message ?? `exit ${r.status}`})`);
}
/** Was a lab qemu alive before this run? Then a failed `up` must not lead to stopping it. */
function labAliveBefore() {
  try {
    const st = JSON.parse(
      readFileSync(join(process.env.PPTPMON_LAB_RUN ?? '/run/pptpmon-lab', 'state.json'), 'utf8'),
    );
    process.kill(st.pid, 0);
    return true;
  } catch {
    return false;
  }
}
function stopChildThen(sig, code) {
  if (finishing) return;
  finishing = true;
  const done = () => {
    if (upStoppable) labStarted = true;
    labDown(sig);
    process.exit(code);
  };
  if (!child || child.exitCode !== null || child.signalCode !== null) return done();
  try {
    process.kill(-child.pid, sig); // the runner and every test file it started
  } catch {
    child.kill(sig);
  }
  const force = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 20_000);
  child.once('exit', () => {
    clearTimeout(force);
    done();
  });
}
// Handlers first: a signal during the (long) lab boot must stop the lab that boot is starting too.
for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(sig, () => stopChildThen(sig, code));
}
function runLabUp() {
  return new Promise((resolve) => {
    const up = spawn(labCmd, [...labArgs, 'up', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = up;
    let out = '';
    up.stdout.on('data', (d) => (out += d));
    up.on('exit', (status) => resolve({ status, stdout: out }));
  });
}
const wantLab = !noLab && env.PPTPMON_NO_LAB !== '1';
if (wantLab && process.getuid?.() === 0 && spawnSync('qemu-system-x86_64', ['--version']).status === 0) {
  const aliveBefore = labAliveBefore();
  upStoppable = !aliveBefore;
  const up = await runLabUp();
  upStoppable = false;
  child = null;
  if (finishing) await new Promise(() => {}); // a signal arrived during up: its handler exits
  if (up.status === 0) {
    labStarted = JSON.parse(up.stdout.trim().split('\n').pop() ?? '{}').started === true;
  } else {
    // Tests that need the lab then fail loudly in getLab() (it retries `up` and reports why). If no lab
    // ran before, whatever they start is this run's to stop.
    labStarted = !aliveBefore;
    console.error('== lab up failed: lab tests will report the error');
  }
}
if (!finishing) {
  // Own process group (detached), so a signal can stop the test files too; still attached to stdio.
  child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env,
    detached: true,
  });
  child.on('exit', (code, signal) => {
    if (finishing) return;
    finishing = true;
    labDown(code === 0 ? 'tests passed' : `tests failed: ${signal ?? `exit ${code}`}`);
    process.exit(code ?? 1);
  });
}
