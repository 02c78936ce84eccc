/** The real `pptpmon` CLI as a child process (node + tsx on src/cli/main.ts), for end-to-end tests. */
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI_MAIN = path.join(ROOT, 'src/cli/main.ts');

export interface CliRun {
  /** Exit code; -1 when the process was killed (e.g. by the timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Runs the CLI under this command, e.g. ['ip', 'netns', 'exec', NS]. */
  under?: string[];
}

/** `pptpmon ...args`; resolves whatever the exit code (never rejects). */
export function runCli(args: string[], opts: CliRunOptions = {}): Promise<CliRun> {
  const argv = [process.execPath, '--import', 'tsx', CLI_MAIN, ...args];
  const [file, ...rest] = [...(opts.under ?? []), ...argv] as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(
      file,
      rest,
      { cwd: ROOT, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface CliProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Everything it wrote so far, stdout and stderr interleaved as received. */
  output(): string;
}

/** Starts a long-running `pptpmon ...args` (run, server, agent); the caller kills it (t.after). */
export function spawnCli(args: string[]): CliProcess {
  const out: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
  return { child, output: () => out.join('') };
}
