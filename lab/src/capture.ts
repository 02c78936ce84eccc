/**
 * tcpdump captures in the lab's host netns (the real client's PPTP and GRE cross it). Each capture's
 * PID is recorded under /run/pptpmon-lab/captures so teardown stops it by PID even after a crash.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabNet, LabPaths } from './config.js';
import { pidAlive, sleep } from './proc.js';

export interface Capture {
  file: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts tcpdump on an interface of the lab netns (default: the client tap) writing a pcap. */
export async function startCapture(
  n: LabNet,
  p: LabPaths,
  name: string,
  iface = n.tapClient,
  filter: string[] = [],
): Promise<Capture> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`capture name "${name}": use letters, digits, _ . -`);
  mkdirSync(p.captures, { recursive: true });
  const file = join(p.captures, `${name}.pcap`);
  const child = spawn(
    'ip',
    ['netns', 'exec', n.netns, 'tcpdump', '-U', '-n', '-i', iface, '-w', file, ...filter],
    {
      stdio: 'ignore',
      detached: true,
    },
  );
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('tcpdump did not start');
  writeFileSync(join(p.captures, `${name}.pid`), String(pid));
  await sleep(500); // tcpdump needs a moment before it captures
  return {
    file,
    pid,
    stop: async () => {
      await stopPid(pid);
      rmSync(join(p.captures, `${name}.pid`), { force: true });
    },
  };
}

async function stopPid(pid: number): Promise<void> {
  if (!pidAlive(pid)) return;
  process.kill(pid, 'SIGINT'); // tcpdump flushes the pcap on SIGINT
  for (let i = 0; i < 30 && pidAlive(pid); i++) await sleep(100);
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}

export async function stopCaptures(p: LabPaths): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(p.captures).filter((f) => f.endsWith('.pid'));
  } catch {
    return;
  }
  for (const f of names) {
    const pid = Number.parseInt(readFileSync(join(p.captures, f), 'utf8'), 10);
    // ip netns exec execs tcpdump in place, so the recorded PID is tcpdump's.
    if (Number.isInteger(pid)) await stopPid(pid);
    rmSync(join(p.captures, f), { force: true });
  }
}
