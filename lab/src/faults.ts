/**
 * Fault switches. Path faults (gre-drop, mtu) are nftables tables in the lab's host netns, on the
 * forward hook that the real client's traffic and host probes' traffic cross. Server faults run
 * lab/guest/usr/local/sbin/lab-fault in the VM. Client-side faults (bad-password, no-mppe, flood,
 * sessions) are real client sessions. Every fault returns an undo.
 */
import { LOAD_USER_COUNT, LOAD_USER_PASSWORD, type LabNet, type LabPaths } from './config.js';
import { execArgv } from './channel.js';
import { run } from './proc.js';
import { sessionName, startSession, type SessionResult } from './session.js';

export const FAULTS = [
  'gre-drop',
  'mtu',
  'pptpd-stop',
  'pptpd-kill',
  'pppd-broken',
  'radius-stop',
  'radius-slow',
  'bad-password',
  'no-mppe',
  'flood',
  'sessions',
  'config-edit',
] as const;
export type FaultName = (typeof FAULTS)[number];

export interface FaultResult {
  name: FaultName;
  detail: string;
  /** Sessions the fault made (flood, sessions, bad-password, no-mppe). */
  sessions: SessionResult[];
  undo(): Promise<void>;
}

export function isFault(s: string): s is FaultName {
  return (FAULTS as readonly string[]).includes(s);
}

function intArg(args: readonly string[], i: number, what: string, min: number, max: number): number {
  const v = args[i];
  const n = v === undefined ? NaN : Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${what}: expected an integer ${min}..${max}, got "${v ?? ''}"`);
  return n;
}

/** An nft table of our own in the lab netns; undo deletes the table (nothing else is touched). */
async function nftTable(net: LabNet, table: string, rule: string): Promise<() => Promise<void>> {
  await run('ip', ['netns', 'exec', net.netns, 'nft', 'delete', 'table', 'ip', table]);
  // nft -f - reads the ruleset from stdin; the text is ours, the only input (a number) is validated.
  const ruleset = `table ip ${table} {\n chain pmfwd {\n  type filter hook forward priority -10; policy accept;\n  ${rule}\n }\n}\n`;
  const r = await run('ip', ['netns', 'exec', net.netns, 'nft', '-f', '-'], { input: ruleset });
  if (r.code !== 0) throw new Error(`nft (${table}) failed: ${r.stderr.trim()}`);
  return async () => {
    await run('ip', ['netns', 'exec', net.netns, 'nft', 'delete', 'table', 'ip', table]);
  };
}

async function guestFault(
  paths: LabPaths,
  name: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<string> {
  const r = await execArgv(paths.cmd, ['lab-fault', name, ...args], timeoutMs);
  if (r.code !== 0)
    throw new Error(
      `lab-fault ${name} ${args.join(' ')} failed (${r.code}): ${(r.stderr || r.stdout).trim()}`,
    );
  return r.stdout.trim();
}

/** Runs up to `width` session attempts at a time (the VM has 2 emulated CPUs: more only queue). */
async function batch<T>(
  items: readonly T[],
  width: number,
  fn: (x: T) => Promise<SessionResult>,
): Promise<SessionResult[]> {
  const out: SessionResult[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

export async function applyFault(
  net: LabNet,
  paths: LabPaths,
  name: FaultName,
  args: readonly string[] = [],
): Promise<FaultResult> {
  const none = async (): Promise<void> => {};
  const mk = (detail: string, undo: () => Promise<void>, sessions: SessionResult[] = []): FaultResult => ({
    name,
    detail,
    undo,
    sessions,
  });
  switch (name) {
    case 'gre-drop':
      // Drops GRE (IP protocol 47) crossing the lab netns in both directions; TCP 1723 still passes.
      return mk(
        'GRE dropped on the lab path',
        await nftTable(net, 'pptpmon_gre_drop', 'ip protocol gre drop'),
      );
    case 'mtu': {
      // A path-MTU black hole: IP packets longer than N are dropped silently (no ICMP), the classic
      // PPTP "small pings work, big transfers hang" failure. (An interface MTU would send ICMP
      // frag-needed before the forward hook and the sender would fragment.)
      const n = intArg(args, 0, 'mtu N', 68, 9000);
      return mk(
        `packets over ${n} bytes dropped on the lab path`,
        await nftTable(net, 'pptpmon_mtu', `ip length > ${n} drop`),
      );
    }
    case 'pptpd-stop':
    case 'pptpd-kill':
    case 'pppd-broken':
    case 'radius-stop':
    case 'config-edit': {
      const detail = await guestFault(paths, name, args);
      return mk(
        detail,
        async () => void (await guestFault(paths, name, ['--undo', ...args.filter((a) => a === 'radius')])),
      );
    }
    case 'radius-slow': {
      const ms = intArg(args, 0, 'radius-slow MS', 1, 120_000);
      const detail = await guestFault(paths, name, [String(ms)]);
      return mk(detail, async () => void (await guestFault(paths, name, ['--undo'])));
    }
    case 'bad-password': {
      const user = args[0] ?? 'alice';
      const s = await startSession(net, paths, sessionName('badpw'), {
        user,
        password: 'wrong-password',
        profile: user.startsWith('rad') ? 'radius' : 'chap',
      });
      return mk(`bad password for ${user}: pppd exit ${s.rc}`, none, [s]);
    }
    case 'no-mppe': {
      const s = await startSession(net, paths, sessionName('nomppe'), { user: 'alice', noMppe: true });
      return mk(`client without MPPE: pppd exit ${s.rc}`, none, [s]);
    }
    case 'flood': {
      // flood N [SRC...]: N failed logins (user alice, wrong password) spread over the source
      // addresses (default 10.77.2.1..10.77.2.N, added to the client netns for the run).
      const count = intArg(args, 0, 'flood N', 1, 200);
      const prefix = net.clientExtraNet.replace(/\.0\/24$/, '');
      const srcs =
        args.length > 1
          ? args.slice(1)
          : Array.from({ length: Math.min(count, 50) }, (_, i) => `${prefix}.${i + 1}`);
      for (const s of srcs)
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(s))
          throw new Error(`flood: source "${s}" is not an IPv4 address`);
      await addClientAddrs(paths, net, srcs);
      const idx = Array.from({ length: count }, (_, i) => i);
      const sessions = await batch(idx, Math.min(4, srcs.length), (i) =>
        startSession(net, paths, sessionName('flood'), {
          user: 'alice',
          password: `wrong-${i}`,
          bind: srcs[i % srcs.length] ?? '',
          timeoutS: 40,
        }),
      );
      return mk(
        `${sessions.filter((s) => !s.ok).length}/${count} failed logins from ${srcs.length} sources`,
        none,
        sessions,
      );
    }
    case 'sessions': {
      // sessions N: N concurrent real sessions (users load01..), kept up until undo. Each binds its own
      // source address (10.77.2.101..): pptp-linux shares ONE call manager (a unix socket named after
      // server + local address) between clients of the same server, so unbound concurrent starts race
      // ("Call manager for 10.77.0.2 is already running" / "Could not open unix socket") and the
      // survivors share a single control connection. Own addresses = N clients, N control connections.
      const count = intArg(args, 0, 'sessions N', 1, LOAD_USER_COUNT);
      const prefix = net.clientExtraNet.replace(/\.0\/24$/, '');
      const idx = Array.from({ length: count }, (_, i) => i + 1);
      await addClientAddrs(
        paths,
        net,
        idx.map((i) => `${prefix}.${100 + i}`),
      );
      const sessions = await batch(idx, 4, (i) =>
        startSession(net, paths, sessionName(`load${String(i).padStart(2, '0')}`), {
          user: `load${String(i).padStart(2, '0')}`,
          password: LOAD_USER_PASSWORD,
          bind: `${prefix}.${100 + i}`,
          timeoutS: 90,
        }),
      );
      const up = sessions.filter((s) => s.ok);
      return mk(
        `${up.length}/${count} sessions up`,
        async () => {
          // One round trip, stops in parallel inside the VM (60 separate execs time out under load).
          const script = 'for n; do lab-session-stop "$n" & done; wait';
          const r = await execArgv(
            paths.cmd,
            ['bash', '-c', script, 'lab-stop', ...up.map((s) => s.name)],
            300_000,
          );
          if (r.code !== 0) throw new Error(`stopping sessions failed: ${r.stderr.trim()}`);
        },
        sessions,
      );
    }
  }
}

async function addClientAddrs(paths: LabPaths, net: LabNet, addrs: readonly string[]): Promise<void> {
  const script = 'ns=$1; shift; for a; do ip -n "$ns" addr add "$a/32" dev lo 2>/dev/null; done; true';
  const r = await execArgv(paths.cmd, ['bash', '-c', script, 'lab-addrs', net.clientNetns, ...addrs], 30_000);
  if (r.code !== 0) throw new Error(`cannot add client source addresses: ${r.stderr.trim()}`);
}

/**
 * Undoes a fault by name, also from another process than the one that applied it (the CLI's
 * `lab fault NAME --undo`). Client-side faults leave nothing behind except `sessions`' sessions.
 */
export async function undoFault(
  net: LabNet,
  paths: LabPaths,
  name: FaultName,
  args: readonly string[] = [],
): Promise<void> {
  switch (name) {
    case 'gre-drop':
      await run('ip', ['netns', 'exec', net.netns, 'nft', 'delete', 'table', 'ip', 'pptpmon_gre_drop']);
      return;
    case 'mtu':
      await run('ip', ['netns', 'exec', net.netns, 'nft', 'delete', 'table', 'ip', 'pptpmon_mtu']);
      return;
    case 'pptpd-stop':
    case 'pptpd-kill':
    case 'pppd-broken':
    case 'radius-stop':
    case 'radius-slow':
    case 'config-edit':
      await guestFault(paths, name, ['--undo', ...args.filter((a) => a === 'radius')]);
      return;
    case 'sessions':
      await execArgv(
        paths.cmd,
        [
          'bash',
          '-c',
          'for f in /run/ppp-load*.pid; do [ -e "$f" ] || continue; n=${f#/run/ppp-}; lab-session-stop "${n%.pid}" & done; wait',
        ],
        120_000,
      );
      return;
    default:
      return;
  }
}

/** Removes every fault the lab can hold (host nft tables; in-VM faults restored). */
export async function clearFaults(net: LabNet, paths: LabPaths): Promise<void> {
  for (const t of ['pptpmon_gre_drop', 'pptpmon_mtu'])
    await run('ip', ['netns', 'exec', net.netns, 'nft', 'delete', 'table', 'ip', t]);
  for (const f of ['pppd-broken', 'radius-slow', 'config-edit', 'radius-stop', 'pptpd-stop'])
    await execArgv(paths.cmd, ['lab-fault', f, '--undo'], 60_000);
  await execArgv(paths.cmd, ['lab-fault', 'pptpd-stop', '--undo', 'radius'], 60_000);
}
