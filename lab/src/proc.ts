/**
 * Process helpers for the lab: execFile with argument arrays only (never a shell string built from
 * input), and an flock(1)-held lock that dies with its holder (crash-safe across test processes).
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a program; resolves with its exit code (never rejects on non-zero), rejects if it can't start. */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          reject(new Error(`cannot run ${cmd}: ${err.message}`));
          return;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Like run() but throws with the command and its stderr when it fails. */
export async function must(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/**
 * Takes an exclusive flock on `file` by starting `flock -x file cat`: the lock is held by that child
 * until we close its stdin (release) or our process dies (the pipe closes, cat exits), so a crashed
 * test never leaves the lab locked. Node has no flock(2) of its own.
 */
export function acquireFlock(file: string, timeoutMs = 600_000): Promise<() => Promise<void>> {
  closeSync(openSync(file, 'a'));
  return new Promise((resolve, reject) => {
    const child = spawn(
      'flock',
      ['-x', '-w', String(Math.ceil(timeoutMs / 1000)), file, 'sh', '-c', 'echo locked; exec cat'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let done = false;
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (done || !d.toString().includes('locked')) return;
      done = true;
      // Keep the event loop free to exit while the lock is held: the pipe, not a timer, holds it.
      child.unref();
      (child.stdout as unknown as { unref?: () => void }).unref?.();
      (child.stderr as unknown as { unref?: () => void }).unref?.();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      resolve(
        () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null) return res();
            child.ref(); // keep the loop alive until flock has really let go
            child.once('exit', () => res());
            child.stdin.end();
          }),
      );
    });
    child.on('error', (e) => {
      if (!done) reject(new Error(`cannot take lock ${file}: ${e.message}`));
    });
    child.on('exit', (code) => {
      if (!done)
        reject(
          new Error(`cannot take lock ${file} within ${timeoutMs} ms (flock exit ${code}) ${err.trim()}`),
        );
    });
  });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
