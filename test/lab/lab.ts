/**
 * Test helper for the shared lab VM (see lab/README.md). `getLab(t)` returns the running lab (starting
 * it if nothing runs, and leaving it running), or skips the test with an
 * explicit reason when the lab truly cannot start here (PPTPMON_NO_LAB=1, no qemu, not root).
 *
 * The lab is ONE instance shared by every test process: anything that changes its state (sessions,
 * faults) must hold the exclusive lock: `const release = await lab.lock()` ... `await release()`,
 * or `await lab.exclusive(async () => ...)`. Reading logs and probing pptpd need no lock.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { TestContext } from 'node:test';
import {
  LAB_USERS,
  LDAP,
  RADIUS_SECRET,
  labPaths,
  loadNet,
  logFiles,
  type LabNet,
  type LabPaths,
} from '../../lab/src/config.js';
import { execArgv, execScript, type ExecResult } from '../../lab/src/channel.js';
import { applyFault, type FaultName, type FaultResult } from '../../lab/src/faults.js';
import { up } from '../../lab/src/lab.js';
import { startCapture, type Capture } from '../../lab/src/capture.js';
import { skipOrFail } from '../helpers/require.js';
import { acquireFlock, sleep } from '../../lab/src/proc.js';
import {
  sessionName,
  startSession,
  stopSession,
  type SessionOptions,
  type SessionResult,
} from '../../lab/src/session.js';

export type { Capture, FaultName, FaultResult, SessionOptions, SessionResult, LabNet };

export type LogName = keyof ReturnType<typeof logFiles>;
/** Byte offsets of every lab log at one moment: read "what happened since" with logSince(). */
export type LogMark = Record<LogName, number>;

export interface Session extends SessionResult {
  stop(): Promise<void>;
}

export interface LabHandle {
  net: LabNet;
  paths: LabPaths;
  /** Host paths of the server logs (live over 9p): syslog, pppd, pppdRadius, radius, wtmp. */
  logs: ReturnType<typeof logFiles>;
  users: typeof LAB_USERS;
  ldap: typeof LDAP;
  radiusSecret: string;
  /** Runs a command (argv, never a shell string) in the VM. */
  exec(argv: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  /** Runs a fixed bash script of the test's own in the VM (no input spliced in!). */
  script(text: string, timeoutMs?: number): Promise<ExecResult>;
  /** Exclusive lock over the lab (re-entrant within this process). */
  lock(): Promise<() => Promise<void>>;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** A real client session (needs the lock). `ok` false = pppd failed (see rc/clientLog). */
  session(opts?: SessionOptions & { name?: string }): Promise<Session>;
  /** A fault switch (needs the lock); call undo() (also on failure: use try/finally). */
  fault(name: FaultName, args?: readonly string[]): Promise<FaultResult>;
  /**
   * tcpdump in the lab netns (default interface: the client tap, which the real client's PPTP + GRE
   * cross) writing /run/pptpmon-lab/captures/<name>.pcap; stop() it (teardown also stops it by PID).
   */
  capture(name: string, iface?: string, filter?: string[]): Promise<Capture>;
  logMark(): LogMark;
  logSince(mark: LogMark, log: LogName): string;
  /** Waits until `re` matches the log text written after `mark`; returns that text. Throws on timeout. */
  waitForLog(mark: LogMark, log: LogName, re: RegExp, timeoutMs?: number): Promise<string>;
}

/** Why the lab cannot run here, or null when it can (and then must). */
export function labUnavailable(): string | null {
  if (process.env.PPTPMON_NO_LAB === '1') return 'lab disabled: PPTPMON_NO_LAB=1';
  if (process.getuid?.() !== 0) return 'lab needs root (network namespaces, tap devices)';
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'qemu-system-x86_64 is not installed (scripts/debian-packages.txt)';
  }
  return null;
}

let handle: Promise<LabHandle> | null = null;
let lockDepth = 0;
let lockRelease: (() => Promise<void>) | null = null;

/** Returns the lab, or null after t.skip(reason) when it cannot run here. */
export async function getLab(t?: TestContext): Promise<LabHandle | null> {
  const why = labUnavailable();
  if (why) {
    // PPTPMON_REQUIRE=lab: fail with the reason instead of skipping (test/helpers/require.ts).
    if (t) skipOrFail(t, 'lab', why);
    return null;
  }
  handle ??= open();
  return handle;
}

async function open(): Promise<LabHandle> {
  const r = await up((s) => process.stderr.write(`[lab] ${s}\n`));
  // A lone test process that had to start the lab leaves it running for the other engineers' tests
  // (stopping it at exit would pull it from under them on this shared machine); `npm test`
  // (scripts/run-tests.mjs) starts it first and stops it at the end when it started it.
  // PPTPMON_LAB_STOP_AT_EXIT=1 makes this process stop a lab it started when it exits.
  if (r.started && process.env.PPTPMON_LAB_STOP_AT_EXIT === '1') process.on('exit', () => stopSync());
  else if (r.started)
    process.stderr.write('[lab] started the shared lab; it stays up (node --import tsx lab/cli.ts down)\n');
  const paths = labPaths();
  const net = loadNet();
  const logs = logFiles(paths);
  const requireLock = (what: string): void => {
    if (lockDepth === 0) throw new Error(`lab ${what} needs the exclusive lock: await lab.lock() first`);
  };
  const lab: LabHandle = {
    net,
    paths,
    logs,
    users: LAB_USERS,
    ldap: LDAP,
    radiusSecret: RADIUS_SECRET,
    exec: (argv, ms) => execArgv(paths.cmd, argv, ms),
    script: (text, ms) => execScript(paths.cmd, text, ms),
    async lock() {
      if (lockDepth === 0) lockRelease = await acquireFlock(paths.exclusiveLock, 15 * 60_000);
      lockDepth++;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        if (--lockDepth === 0 && lockRelease) {
          const rel = lockRelease;
          lockRelease = null;
          await rel();
        }
      };
    },
    async exclusive(fn) {
      const release = await lab.lock();
      try {
        return await fn();
      } finally {
        await release();
      }
    },
    async session(opts = {}) {
      requireLock('session');
      const name = opts.name ?? sessionName(opts.user ?? 'alice');
      const res = await startSession(net, paths, name, opts);
      return { ...res, stop: () => stopSession(paths, name) };
    },
    async fault(name, args = []) {
      requireLock(`fault ${name}`);
      return applyFault(net, paths, name, args);
    },
    capture: (name, iface, filter) => startCapture(net, paths, name, iface, filter),
    logMark() {
      const m = {} as LogMark;
      for (const k of Object.keys(logs) as LogName[]) m[k] = existsSync(logs[k]) ? statSync(logs[k]).size : 0;
      return m;
    },
    logSince(mark, log) {
      if (!existsSync(logs[log])) return '';
      return readFileSync(logs[log]).subarray(mark[log]).toString('utf8');
    },
    async waitForLog(mark, log, re, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = lab.logSince(mark, log);
        if (re.test(text)) return text;
        if (Date.now() > deadline)
          throw new Error(`no ${re} in lab log ${log} within ${timeoutMs} ms; got:\n${text.slice(-3000)}`);
        await sleep(200);
      }
    },
  };
  return lab;
}

/** Exit-time teardown of a lab this process started (`lab down`: by PID and our own names only). */
function stopSync(): void {
  try {
    execFileSync(
      process.execPath,
      ['--import', 'tsx', new URL('../../lab/cli.ts', import.meta.url).pathname, 'down'],
      {
        stdio: 'ignore',
        timeout: 60_000,
      },
    );
  } catch {
    process.stderr.write('[lab] teardown at exit failed: run `node --import tsx lab/cli.ts down`\n');
  }
}
