/**
 * Real client sessions: pptp-linux + pppd in the VM's client netns (lab/guest/usr/local/sbin/lab-session),
 * through the host netns to pptpd. Result fields come from pppd itself (exit code, interface, IPCP
 * addresses); pppd's exit codes are those of pppd(8) "EXIT STATUS" (e.g. 19 = authentication failed).
 */
import { join } from 'node:path';
import { LAB_USERS, type LabNet, type LabPaths } from './config.js';
import { execArgv } from './channel.js';

export type Profile = 'chap' | 'radius';

export interface SessionOptions {
  /** Login name (default: the profile user named like the session, else alice). */
  user?: string;
  password?: string;
  /** chap: pptpd at serverIp with chap-secrets; radius: pptpd at radiusServerIp via FreeRADIUS. */
  profile?: Profile;
  /** Client refuses MPPE (`nomppe`) against the server's require-mppe-128. */
  noMppe?: boolean;
  /** Client source address (pptp --localbind), e.g. one of 10.77.2.0/24 (see flood). */
  bind?: string;
  /** Seconds pppd may take to bring IPCP up before the attempt is abandoned. */
  timeoutS?: number;
}

export interface SessionResult {
  /** pppd linkname: also the client log's name. */
  name: string;
  ok: boolean;
  /** pppd's exit code (0 = link up; 19 auth failed; 16 MPPE refused, see LAB.md), 124 = timed out. */
  rc: number;
  secondsToUp: number;
  ifname?: string;
  /** Client's tunnel address (from pptpd's remoteip range) and the server's (localip). */
  local?: string;
  peer?: string;
  clientPid?: number;
  /** Host path of the client's pppd logfile (debug). */
  clientLog: string;
  output: string;
}

const NAME_RE = /^[A-Za-z0-9_-]{1,40}$/;
let n = 0;

export function sessionName(base: string): string {
  return `${base}-${process.pid}-${++n}`;
}

export async function startSession(
  net: LabNet,
  paths: LabPaths,
  name: string,
  o: SessionOptions = {},
): Promise<SessionResult> {
  if (!NAME_RE.test(name)) throw new Error(`session name "${name}": use 1-40 letters, digits, _ or -`);
  const known = (LAB_USERS as Record<string, { user: string; password: string; profile: Profile }>)[
    o.user ?? ''
  ];
  const user = o.user ?? 'alice';
  const password = o.password ?? known?.password ?? (user === 'alice' ? LAB_USERS.alice.password : '');
  const profile = o.profile ?? known?.profile ?? 'chap';
  const server = profile === 'radius' ? net.radiusServerIp : net.serverIp;
  const timeoutS = o.timeoutS ?? 60;
  if (o.bind !== undefined && o.bind !== net.clientIp) {
    if (!/^10\.77\.[12]\.\d{1,3}$/.test(o.bind))
      throw new Error(`session bind "${o.bind}": use an address of 10.77.2.0/24 (or 10.77.1.2)`);
    // The source must exist in the client netns (idempotent; routed back to it by the lab netns).
    await execArgv(
      paths.cmd,
      ['ip', '-n', net.clientNetns, 'addr', 'replace', `${o.bind}/32`, 'dev', 'lo'],
      30_000,
    );
  }
  const argv = ['lab-session', name, user, password, server, '--timeout', String(timeoutS)];
  if (o.noMppe) argv.push('--no-mppe');
  if (o.bind) argv.push('--bind', o.bind);
  const r = await execArgv(paths.cmd, argv, (timeoutS + 30) * 1000);
  const kv: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) kv[m[1]] = m[2];
  }
  const res: SessionResult = {
    name,
    ok: r.code === 0 && kv.IFNAME !== undefined,
    rc: r.code,
    secondsToUp: Number(kv.SECONDS_TO_UP ?? 'NaN'),
    clientLog: join(paths.clientLogDir, `${name}.log`),
    output: (r.stdout + r.stderr).trim(),
  };
  if (kv.IFNAME) res.ifname = kv.IFNAME;
  if (kv.LOCAL) res.local = kv.LOCAL;
  if (kv.PEER) res.peer = kv.PEER;
  if (kv.PID) res.clientPid = Number(kv.PID);
  if (res.ok && res.ifname && !res.local) await waitForAddresses(net, paths, res, res.ifname);
  return res;
}

/**
 * pppd's `updetach` returned, but the client's ppp link had no address when lab-session looked: on a
 * slow (loaded TCG) VM the server's IPCP ConfReq retransmission (3 s) can cross our ConfAck, so IPCP
 * renegotiates right after coming up and the addresses are briefly gone (seen in the client log as a
 * second "local IP address" pair). Look again for a while instead of reporting a session without IPs.
 */
async function waitForAddresses(
  net: LabNet,
  paths: LabPaths,
  res: SessionResult,
  ifname: string,
): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    const r = await execArgv(
      paths.cmd,
      ['ip', '-n', net.clientNetns, '-4', '-o', 'addr', 'show', 'dev', ifname],
      30_000,
    );
    const m = /\binet (\d+\.\d+\.\d+\.\d+) peer (\d+\.\d+\.\d+\.\d+)/.exec(r.stdout);
    if (m?.[1] && m[2]) {
      res.local = m[1];
      res.peer = m[2];
      return;
    }
    if (r.code !== 0) return; // the link itself is gone: leave the session without addresses
    await new Promise((ok) => setTimeout(ok, 500));
  }
}

/** Hangs up a client session (SIGTERM to its pppd) and waits for pppd to exit. */
export async function stopSession(paths: LabPaths, name: string): Promise<void> {
  if (!NAME_RE.test(name)) throw new Error(`session name "${name}" invalid`);
  await execArgv(paths.cmd, ['lab-session-stop', name], 120_000);
}
