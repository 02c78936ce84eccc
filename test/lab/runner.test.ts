/**
 * scripts/run-tests.mjs lab lifecycle: a run that started the lab stops it at the end on success, on
 * failure and on SIGTERM (after its test files are gone, so none of them restarts the lab), and a lab
 * found running is left alone. The real lab is ONE instance shared by everyone (fixed netns and
 * addresses), so a second one cannot be booted to be killed here: the runner is pointed at a recording
 * lab command through PPTPMON_LAB_CLI instead; the runner, its `node --test` child and the test files
 * are the real processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipOrFail } from '../helpers/require.js';

const REPO = new URL('../..', import.meta.url).pathname;

function gate(): string | null {
  if (process.getuid?.() !== 0) return 'the runner manages the lab only as root';
  if (spawnSync('qemu-system-x86_64', ['--version']).status !== 0) return 'no qemu: the runner skips the lab';
  return null;
}

interface Run {
  code: number | null;
  calls: string[];
  out: string;
  pidOfFile?: number;
}

async function runRunner(
  dir: string,
  testBody: string,
  started: boolean,
  signalAfterFileStarts?: NodeJS.Signals,
): Promise<Run> {
  const log = join(dir, 'calls');
  const pidFile = join(dir, 'file.pid');
  rmSync(log, { force: true });
  rmSync(pidFile, { force: true });
  const cli = join(dir, 'fake-lab');
  writeFileSync(
    cli,
    `#!/bin/sh\necho "$1" >>'${log}'\n[ "$1" = up ] && echo '{"started":${started}}'\nexit 0\n`,
    { mode: 0o755 },
  );
  const file = join(dir, 'x.test.ts');
  writeFileSync(
    file,
    `import { test } from 'node:test';\nimport { writeFileSync } from 'node:fs';\n` +
      `test('x', async () => { writeFileSync('${pidFile}', String(process.pid)); ${testBody} });\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, PPTPMON_LAB_CLI: cli, PPTPMON_LAB_RUN: join(dir, 'run') };
  delete env.PPTPMON_NO_LAB;
  // Set by the outer node --test: with it, the runner's own `node --test` would skip running files.
  delete env.NODE_TEST_CONTEXT;
  const p = spawn(process.execPath, ['scripts/run-tests.mjs', file], { cwd: REPO, env, stdio: 'pipe' });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((ok) => p.on('exit', (c, s) => ok(c ?? (s ? 128 : null))));
  let pidOfFile: number | undefined;
  if (signalAfterFileStarts) {
    const end = Date.now() + 60_000;
    while (!existsSync(pidFile) && Date.now() < end) await sleep(100);
    assert.ok(existsSync(pidFile), `test file never started:\n${out}`);
    pidOfFile = Number(readFileSync(pidFile, 'utf8'));
    p.kill(signalAfterFileStarts);
  }
  const code = await exited;
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return { code, calls, out, pidOfFile };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test(
  'run-tests.mjs stops a lab it started: on pass, on failure, on SIGTERM; never one it found',
  { timeout: 300_000 },
  async (t) => {
    const why = gate();
    if (why) {
      skipOrFail(t, 'lab', why);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'pptpmon-runner-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));

    const pass = await runRunner(dir, '', true);
    assert.equal(pass.code, 0, pass.out);
    assert.deepEqual(pass.calls, ['up', 'down']);

    const fail = await runRunner(dir, "throw new Error('boom');", true);
    assert.notEqual(fail.code, 0, fail.out);
    assert.deepEqual(fail.calls, ['up', 'down']);

    const found = await runRunner(dir, '', false);
    assert.equal(found.code, 0, found.out);
    assert.deepEqual(found.calls, ['up'], 'a lab found running must be left running');

    const term = await runRunner(dir, 'await new Promise((r) => setTimeout(r, 120_000));', true, 'SIGTERM');
    assert.equal(term.code, 143, term.out);
    assert.deepEqual(term.calls, ['up', 'down']);
    assert.ok(term.pidOfFile !== undefined);
    // The test file (a grandchild) is gone too: left running, it could restart the lab after `down`.
    const end = Date.now() + 10_000;
    while (alive(term.pidOfFile) && Date.now() < end) await sleep(100);
    assert.ok(!alive(term.pidOfFile), `test file ${term.pidOfFile} still runs after the runner's SIGTERM`);
  },
);
