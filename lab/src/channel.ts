/**
 * Host side of the lab's command channel: a script file dropped into the 9p folder share/cmd/ that the
 * guest loop (lab/guest/usr/local/sbin/lab-cmdloop) runs, answering with .out/.err/.rc files.
 * Commands are argument arrays, quoted here for bash; nothing from input is ever spliced unquoted.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sleep } from './proc.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** POSIX single-quote quoting: the only safe way to pass arbitrary bytes to the guest's bash. */
export function shq(s: string): string {
  if (s.includes('\0')) throw new Error('argument contains a NUL byte');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function argvToScript(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('exec: empty command');
  return `exec ${argv.map(shq).join(' ')}\n`;
}

let seq = 0;

/** Runs a bash script in the VM (our own fixed scripts; use execArgv for anything from input). */
export async function execScript(cmdDir: string, script: string, timeoutMs = 60_000): Promise<ExecResult> {
  const id = `${process.pid}-${++seq}-${randomBytes(3).toString('hex')}`;
  const base = join(cmdDir, id);
  writeFileSync(`${base}.tmp`, script);
  renameSync(`${base}.tmp`, `${base}.sh`);
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  while (!existsSync(`${base}.rc`)) {
    if (Date.now() > deadline) {
      // Withdraw it if the guest never picked it up; if it is running, leave its files for inspection.
      rmSync(`${base}.sh`, { force: true });
      throw new Error(`lab exec: no answer from the VM within ${timeoutMs} ms (command ${id})`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
  const read = (ext: string): string => {
    try {
      return readFileSync(`${base}.${ext}`, 'utf8');
    } catch {
      return '';
    }
  };
  const res = { stdout: read('out'), stderr: read('err'), code: Number.parseInt(read('rc').trim(), 10) };
  for (const ext of ['out', 'err', 'rc']) rmSync(`${base}.${ext}`, { force: true });
  if (Number.isNaN(res.code)) res.code = 255;
  return res;
}

export function execArgv(cmdDir: string, argv: readonly string[], timeoutMs?: number): Promise<ExecResult> {
  return execScript(cmdDir, argvToScript(argv), timeoutMs);
}
