/**
 * The ONE shared lab instance: `up` (idempotent; reuses a healthy running lab), `down` (by PID and by
 * our own names), `status`, `exec`. State lives in /run/pptpmon-lab/state.json so separate processes
 * (CLI, test runner, every engineer's test files) agree on it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { labPaths, loadNet, logFiles, type LabNet, type LabPaths } from './config.js';
import { execArgv, execScript, type ExecResult } from './channel.js';
import { acquireFlock, sleep } from './proc.js';
import { accelArgs, buildImage, hostNetDown, hostNetUp, isQemu, startQemu, stopQemu } from './vm.js';

const StateSchema = z.object({
  pid: z.number().int(),
  image: z.string(),
  startedAt: z.string(),
  startedBy: z.number().int(),
  bootSeconds: z.number(),
  buildSeconds: z.number(),
  accel: z.string(),
});
export type LabState = z.infer<typeof StateSchema>;

export function readState(p: LabPaths = labPaths()): LabState | null {
  if (!existsSync(p.state)) return null;
  try {
    return StateSchema.parse(JSON.parse(readFileSync(p.state, 'utf8')));
  } catch (e) {
    throw new Error(`lab state ${p.state} is unreadable: ${(e as Error).message}`, { cause: e });
  }
}

export interface Lab {
  net: LabNet;
  paths: LabPaths;
  logs: ReturnType<typeof logFiles>;
  exec(argv: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  script(text: string, timeoutMs?: number): Promise<ExecResult>;
}

export function labHandle(p: LabPaths = labPaths()): Lab {
  return {
    net: loadNet(),
    paths: p,
    logs: logFiles(p),
    exec: (argv, t) => execArgv(p.cmd, argv, t),
    script: (text, t) => execScript(p.cmd, text, t),
  };
}

/**
 * Healthy = our qemu is alive, the guest said ready, and the command channel answers. The channel gets
 * a long timeout: under load (30 sessions, other engineers' builds on 2 cores) a busy VM can take many
 * seconds to answer, and declaring it dead would make `up` tear down a lab others are using.
 */
export async function healthy(p: LabPaths = labPaths(), timeoutMs = 15_000): Promise<boolean> {
  let st: LabState | null;
  try {
    st = readState(p);
  } catch {
    return false;
  }
  if (!st || !isQemu(st.pid) || !existsSync(`${p.share}/state/ready`)) return false;
  try {
    const r = await execArgv(p.cmd, ['true'], timeoutMs);
    return r.code === 0;
  } catch {
    return false;
  }
}

export interface UpResult {
  started: boolean;
  state: LabState;
}

/** Brings the lab up unless a healthy one runs. Serialised across processes by a lock file. */
export async function up(log: (s: string) => void = () => {}): Promise<UpResult> {
  const p = labPaths();
  mkdirSync(p.run, { recursive: true });
  const release = await acquireFlock(p.upLock, 15 * 60_000);
  try {
    const st = readState(p);
    if (st && isQemu(st.pid) && existsSync(`${p.share}/state/ready`)) {
      // A running lab is never torn down by `up`: if it is slow, wait for it; if it does not answer in
      // 3 minutes, say so and leave it for a human (`lab down`) rather than kill others' sessions.
      if (await healthy(p, 180_000)) return { started: false, state: st };
      throw new Error(
        `lab qemu ${st.pid} runs but its command channel did not answer in 180 s; see ${p.console} (lab down to reset)`,
      );
    }
    log('no healthy lab running: starting one');
    await teardown(p);
    const n = loadNet();
    const t0 = Date.now();
    const img = await buildImage(log);
    const buildSeconds = (Date.now() - t0) / 1000;
    mkdirSync(p.cmd, { recursive: true });
    rmSync(`${p.share}/state/ready`, { force: true });
    await hostNetUp(n);
    const t1 = Date.now();
    const pid = await startQemu(n, p, img);
    const accel = accelArgs().join(' ');
    const deadline = Date.now() + 180_000;
    while (!existsSync(`${p.share}/state/ready`)) {
      if (!isQemu(pid)) throw new Error(`lab VM exited during boot; see ${p.console}`);
      if (Date.now() > deadline) throw new Error(`lab VM not ready within 180 s; see ${p.console}`);
      await sleep(100);
    }
    const state: LabState = {
      pid,
      image: img.dir,
      startedAt: new Date().toISOString(),
      startedBy: process.pid,
      bootSeconds: (Date.now() - t1) / 1000,
      buildSeconds,
      accel,
    };
    writeFileSync(p.state, JSON.stringify(state, null, 2));
    log(`lab up: qemu pid ${pid}, boot ${state.bootSeconds.toFixed(1)} s (${accel})`);
    return { started: true, state };
  } catch (e) {
    await teardown(p).catch(() => {});
    throw e;
  } finally {
    await release();
  }
}

/** Stops qemu (by the PID it wrote), tcpdump captures we started, and removes our netns and veth. */
async function teardown(p: LabPaths): Promise<void> {
  let st: LabState | null;
  try {
    st = readState(p);
  } catch {
    st = null;
  }
  if (st) await stopQemu(st.pid);
  if (existsSync(p.qemuPid)) {
    const pid = Number.parseInt(readFileSync(p.qemuPid, 'utf8').trim(), 10);
    if (Number.isInteger(pid)) await stopQemu(pid);
  }
  const { stopCaptures } = await import('./capture.js');
  await stopCaptures(p);
  await hostNetDown(loadNet());
  rmSync(p.state, { force: true });
  rmSync(p.qemuPid, { force: true });
  rmSync(`${p.share}/state/ready`, { force: true });
  rmSync(p.cmd, { recursive: true, force: true });
}

export async function down(): Promise<void> {
  const p = labPaths();
  mkdirSync(p.run, { recursive: true });
  const release = await acquireFlock(p.upLock, 5 * 60_000);
  try {
    await teardown(p);
  } finally {
    await release();
  }
}

export async function status(): Promise<{ running: boolean; healthy: boolean; state: LabState | null }> {
  const p = labPaths();
  const st = readState(p);
  return { running: st !== null && isQemu(st.pid), healthy: await healthy(p), state: st };
}
