/**
 * Host plumbing of the lab: the host netns with its veth to the root netns and the two taps, the
 * image build (lab/build.sh, cached under /var/cache/pptpmon-lab), and qemu itself. Cleanup is by
 * PID (qemu's -pidfile) and by name (our netns and veth only), never by process name.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LAB_DIR, REPO_DIR, type LabNet, type LabPaths } from './config.js';
import { must, pidAlive, run, sleep } from './proc.js';

export async function netnsExists(name: string): Promise<boolean> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

/** Creates the host side of the lab network (idempotent: removes a stale copy first). */
export async function hostNetUp(n: LabNet): Promise<void> {
  await hostNetDown(n);
  const ns = n.netns;
  await must('ip', ['netns', 'add', ns]);
  await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await must('ip', ['link', 'add', n.hostVeth, 'type', 'veth', 'peer', 'name', n.nsVeth, 'netns', ns]);
  await must('ip', ['addr', 'add', `${n.hostVethIp}/30`, 'dev', n.hostVeth]);
  await must('ip', ['link', 'set', n.hostVeth, 'up']);
  await must('ip', ['-n', ns, 'addr', 'add', `${n.nsVethIp}/30`, 'dev', n.nsVeth]);
  await must('ip', ['-n', ns, 'link', 'set', n.nsVeth, 'up']);
  // The whole lab range is reachable from the host's root netns through the veth (probes, raw GRE).
  await must('ip', ['route', 'replace', n.route, 'via', n.nsVethIp]);
  for (const [tap, ip] of [
    [n.tapServer, n.tapServerIp],
    [n.tapClient, n.tapClientIp],
  ] as const) {
    await must('ip', ['-n', ns, 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    await must('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', tap]);
    await must('ip', ['-n', ns, 'link', 'set', tap, 'up']);
  }
  // Extra client source addresses (flood) live behind the client's NIC in the VM.
  await must('ip', ['-n', ns, 'route', 'add', n.clientExtraNet, 'via', n.clientIp]);
  // Forwarding in the lab netns only: the real client's traffic crosses it (captures, nft faults).
  await must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
}

export async function hostNetDown(n: LabNet): Promise<void> {
  await run('ip', ['route', 'del', n.route, 'via', n.nsVethIp]);
  await run('ip', ['link', 'del', n.hostVeth]);
  if (await netnsExists(n.netns)) await run('ip', ['netns', 'del', n.netns]);
}

export interface Image {
  dir: string;
  kernel: string;
  initrd: string;
}

/** Builds (or finds cached) kernel + initramfs; returns their paths. */
export async function buildImage(log: (s: string) => void = () => {}): Promise<Image> {
  const r = await run('bash', [join(LAB_DIR, 'build.sh')], { timeoutMs: 30 * 60_000 });
  if (r.stderr.trim()) log(r.stderr.trim());
  if (r.code !== 0)
    throw new Error(`lab build failed (${r.code}): ${r.stderr.trim().split('\n').slice(-10).join('\n')}`);
  const dir = r.stdout.trim().split('\n').pop() ?? '';
  const img = { dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.cpio') };
  if (!existsSync(img.kernel) || !existsSync(img.initrd)) throw new Error(`lab build: no image in "${dir}"`);
  return img;
}

/**
 * TCG by default. This machine has a /dev/kvm that opens, but qemu aborts under it with -cpu max/host
 * ("failed to set MSR 0x10a") and the guest never prints with -cpu qemu64: nested KVM is unusable
 * here. PPTPMON_LAB_KVM=1 tries KVM first (qemu falls back to the next -accel on failure to init).
 */
export function accelArgs(): string[] {
  const kvm = process.env.PPTPMON_LAB_KVM === '1' && existsSync('/dev/kvm');
  return [...(kvm ? ['-accel', 'kvm'] : []), '-accel', 'tcg,tb-size=256'];
}

export async function startQemu(n: LabNet, p: LabPaths, img: Image): Promise<number> {
  mkdirSync(p.cmd, { recursive: true });
  rmSync(p.qemuPid, { force: true });
  const nodeDir = dirname(process.execPath);
  const args = [
    'netns',
    'exec',
    n.netns,
    'qemu-system-x86_64',
    ...accelArgs(),
    '-smp',
    '2',
    '-m',
    '1024',
    '-cpu',
    process.env.PPTPMON_LAB_KVM === '1' ? 'host' : 'max',
    '-kernel',
    img.kernel,
    '-initrd',
    img.initrd,
    '-append',
    'console=ttyS0 quiet panic=-1 rdinit=/init',
    '-display',
    'none',
    '-monitor',
    'none',
    '-no-reboot',
    '-serial',
    `file:${p.console}`,
    '-rtc',
    'base=utc',
    '-netdev',
    `tap,id=srv,ifname=${n.tapServer},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=srv,mac=${n.serverMac}`,
    '-netdev',
    `tap,id=cli,ifname=${n.tapClient},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=cli,mac=${n.clientMac}`,
    '-virtfs',
    `local,path=${p.share},mount_tag=labshare,security_model=none,id=labshare`,
    '-virtfs',
    `local,path=${REPO_DIR},mount_tag=project,security_model=none,readonly=on,id=project`,
    '-virtfs',
    `local,path=${nodeDir},mount_tag=hostnode,security_model=none,readonly=on,id=hostnode`,
    '-daemonize',
    '-pidfile',
    p.qemuPid,
  ];
  await must('ip', args, { timeoutMs: 60_000 });
  const pid = Number.parseInt(readFileSync(p.qemuPid, 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`qemu wrote no valid pid to ${p.qemuPid}`);
  return pid;
}

export function isQemu(pid: number): boolean {
  try {
    return pidAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('qemu-system');
  } catch {
    return false;
  }
}

/** Stops qemu by PID: SIGTERM, then SIGKILL after 5 s. Checks it is really our qemu first. */
export async function stopQemu(pid: number): Promise<void> {
  if (!isQemu(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && isQemu(pid); i++) await sleep(100);
  if (isQemu(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 20 && isQemu(pid); i++) await sleep(100);
}
