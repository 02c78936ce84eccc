/**
 * The lab's fixed facts: addresses (from lab/guest/etc/pptpmon-lab.env, the one source the guest /init
 * reads too), state/share paths on the host, test users. Pure: reading the env file is the only I/O.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAB_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(LAB_DIR);
/** Shared state of the ONE lab instance on this machine (pids, addresses, the 9p share). */
export const RUN_DIR = process.env.PPTPMON_LAB_RUN ?? '/run/pptpmon-lab';

export interface LabPaths {
  run: string;
  state: string;
  share: string;
  cmd: string;
  logDir: string;
  clientLogDir: string;
  console: string;
  qemuPid: string;
  upLock: string;
  exclusiveLock: string;
  captures: string;
}

export function labPaths(run = RUN_DIR): LabPaths {
  const share = join(run, 'share');
  return {
    run,
    state: join(run, 'state.json'),
    share,
    cmd: join(share, 'cmd'),
    logDir: join(share, 'log'),
    clientLogDir: join(share, 'client'),
    console: join(run, 'console.log'),
    qemuPid: join(run, 'qemu.pid'),
    upLock: join(run, 'up.lock'),
    exclusiveLock: join(run, 'exclusive.lock'),
    captures: join(run, 'captures'),
  };
}

/** Parses KEY=VALUE lines (comments and blanks ignored); throws naming the file and line on junk. */
export function parseEnv(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined)
      throw new Error(`${where}:${i + 1}: expected KEY=VALUE, got "${line}"`);
    out[m[1]] = m[2];
  });
  return out;
}

export interface LabNet {
  netns: string;
  hostVeth: string;
  hostVethIp: string;
  nsVeth: string;
  nsVethIp: string;
  route: string;
  tapServer: string;
  tapServerIp: string;
  serverIp: string;
  radiusServerIp: string;
  serverMac: string;
  tapClient: string;
  tapClientIp: string;
  clientIp: string;
  clientExtraNet: string;
  clientMac: string;
  clientNetns: string;
  pppLocal: string;
  pppRemote: string;
  radiusPppLocal: string;
  radiusPppRemote: string;
}

export function loadNet(file = join(LAB_DIR, 'guest/etc/pptpmon-lab.env')): LabNet {
  const e = parseEnv(readFileSync(file, 'utf8'), file);
  const get = (k: string): string => {
    const v = e[k];
    if (v === undefined) throw new Error(`${file}: missing ${k}`);
    return v;
  };
  return {
    netns: get('LAB_NETNS'),
    hostVeth: get('LAB_HOST_VETH'),
    hostVethIp: get('LAB_HOST_VETH_IP'),
    nsVeth: get('LAB_NS_VETH'),
    nsVethIp: get('LAB_NS_VETH_IP'),
    route: get('LAB_ROUTE'),
    tapServer: get('LAB_TAP_SERVER'),
    tapServerIp: get('LAB_TAP_SERVER_IP'),
    serverIp: get('LAB_SERVER_IP'),
    radiusServerIp: get('LAB_RADIUS_SERVER_IP'),
    serverMac: get('LAB_SERVER_MAC'),
    tapClient: get('LAB_TAP_CLIENT'),
    tapClientIp: get('LAB_TAP_CLIENT_IP'),
    clientIp: get('LAB_CLIENT_IP'),
    clientExtraNet: get('LAB_CLIENT_EXTRA_NET'),
    clientMac: get('LAB_CLIENT_MAC'),
    clientNetns: get('LAB_CLIENT_NETNS'),
    pppLocal: get('LAB_PPP_LOCAL'),
    pppRemote: get('LAB_PPP_REMOTE'),
    radiusPppLocal: get('LAB_RADIUS_PPP_LOCAL'),
    radiusPppRemote: get('LAB_RADIUS_PPP_REMOTE'),
  };
}

/** TEST-ONLY credentials baked into the lab image (lab/guest/etc/...). Never real secrets. */
export const LAB_USERS = {
  alice: { user: 'alice', password: 'alice-pass', profile: 'chap' },
  bob: { user: 'bob', password: 'bob-pass', profile: 'chap' },
  radalice: { user: 'radalice', password: 'radalice-pass', profile: 'radius' },
  radbob: { user: 'radbob', password: 'radbob-pass', profile: 'radius' },
} as const;
/** load01..load60 share one password: used by `sessions N`. */
export const LOAD_USER_PASSWORD = 'load-pass';
export const LOAD_USER_COUNT = 60;
export const RADIUS_SECRET = 'labradiussecret';
export const LDAP = {
  url: 'ldap://10.77.0.2:389',
  base: 'dc=pptpmon,dc=lab',
  adminDn: 'cn=admin,dc=pptpmon,dc=lab',
  adminPassword: 'admin-pass',
  userDn: 'uid=ldapuser,ou=people,dc=pptpmon,dc=lab',
  userPassword: 'ldap-pass',
} as const;

/** Log files as the host sees them (the guest's /var/log is a bind of share/log). */
export function logFiles(p: LabPaths = labPaths()): {
  syslog: string;
  pppd: string;
  pppdRadius: string;
  radius: string;
  wtmp: string;
} {
  return {
    syslog: join(p.logDir, 'syslog'),
    pppd: join(p.logDir, 'ppp-server.log'),
    pppdRadius: join(p.logDir, 'ppp-server-radius.log'),
    radius: join(p.logDir, 'freeradius/radius.log'),
    wtmp: join(p.logDir, 'wtmp'),
  };
}
