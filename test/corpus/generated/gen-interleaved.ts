/**
 * Writes interleaved-50.log (50 PPTP calls on one pptpd host, overlapping, with pid reuse, noise from
 * other programs, pptpd debug on for some calls) and interleaved-50.expected.json. The expectations
 * come from what this script wrote — the outcome it chose for each call — never from the analyzer.
 * Seeded, so the files are reproducible:
 *   node --import tsx test/corpus/generated/gen-interleaved.ts
 * Message texts: pppd main.c/auth.c/chap.c/ccp.c/ipcp.c/lcp.c, poptop pptpctrl.c/pptpgre.c.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SEED = 20261125;
const CALLS = 50;
const BASE_MS = Date.UTC(2026, 10, 25, 8, 0, 0);
const HOST = 'vpn1';

/** mulberry32: small, seeded, good enough to shuffle a test corpus. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

type Outcome = 'user_disconnect' | 'link_dead' | 'admin' | 'call_clear' | 'bad_password' | 'unknown_user' | 'mppe_refused';
const OUTCOMES: readonly Outcome[] = ['user_disconnect', 'user_disconnect', 'link_dead', 'admin', 'call_clear', 'bad_password', 'unknown_user', 'mppe_refused'];

interface Line {
  ms: number;
  seq: number;
  text: string;
  mark?: string;
}
const lines: Line[] = [];
let seq = 0;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
function emit(ms: number, prog: string, pid: number, msg: string, mark?: string): void {
  lines.push({ ms, seq: seq++, text: `${stamp(ms)} ${HOST} ${prog}[${pid}]: ${msg}`, mark });
}
const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString();

// Pids come from a small range so that they are reused (never while the previous owner lives).
const PID_LO = 3000;
const PID_HI = 3069;
const busyUntil = new Map<number, number>();
let nextPid = PID_LO;
function allocPid(fromMs: number, untilMs: number): number {
  for (let i = 0; i <= PID_HI - PID_LO; i++) {
    const pid = nextPid;
    nextPid = nextPid === PID_HI ? PID_LO : nextPid + 1;
    if ((busyUntil.get(pid) ?? 0) < fromMs) {
      busyUntil.set(pid, untilMs + 1000);
      return pid;
    }
  }
  throw new Error('pid range exhausted');
}
const unitBusy: number[] = [];
function allocUnit(fromMs: number, untilMs: number): number {
  let u = 0;
  while ((unitBusy[u] ?? 0) >= fromMs) u++;
  unitBusy[u] = untilMs + 1000;
  return u;
}

interface ExpectedSession {
  pppdPid: number;
  ctrlPid: number;
  role: 'server';
  transport: 'pptp';
  peer: string;
  user?: string | null;
  cause: string;
  start: string;
  end: string;
  seconds: number;
  iface: string;
  remoteIp?: string;
  bytesSent?: number;
  bytesReceived?: number;
  mppe?: string | null;
}
const sessions: ExpectedSession[] = [];
const markedEvents: { mark: string; kind: string; attrs?: Record<string, unknown>; user?: string; peer: string }[] = [];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'greta', 'hank', 'ivan', 'judy'];
const GRE_PTY = (ms: number, c: number): void =>
  emit(ms, 'pptpd', c, 'GRE: read(fd=6,buffer=5581a3c0e520,len=8196) from PTY failed: status = -1 error = Input/output error, usually caused by unexpected termination of pppd, check option syntax and pppd logs');

const starts = Array.from({ length: CALLS }, () => BASE_MS + int(0, 2 * 3600) * 1000).sort((a, b) => a - b);
starts.forEach((t0, i) => {
  const outcome = pick(OUTCOMES);
  const failed = outcome === 'bad_password' || outcome === 'unknown_user' || outcome === 'mppe_refused';
  const durS = failed ? int(1, 3) : int(60, 3 * 3600);
  const tEnd = t0 + durS * 1000;
  const ctrl = allocPid(t0, tEnd + 2000);
  const pppd = allocPid(t0, tEnd + 2000);
  const unit = allocUnit(t0, tEnd + 2000);
  const ip = `203.0.113.${10 + i}`;
  const user = outcome === 'unknown_user' ? `nobody${i}` : pick(USERS);
  const debug = rand() < 0.5;
  const remote = `10.9.${Math.floor(i / 200)}.${10 + i}`;
  const mark = `call${i}`;

  // Start block: written together, as pptpctrl forks and pppd starts within milliseconds.
  emit(t0, 'pptpd', ctrl, `CTRL: Client ${ip} control connection started`);
  if (debug) emit(t0, 'pptpd', ctrl, 'CTRL: Received PPTP Control Message (type: 7)');
  emit(t0, 'pptpd', ctrl, 'CTRL: Starting call (launching pppd, opening GRE)');
  if (debug) emit(t0, 'pptpd', pppd, 'CTRL (PPPD Launcher): program binary = /usr/sbin/pppd');
  emit(t0, 'pppd', pppd, 'pppd 2.4.9 started by root, uid 0');
  emit(t0, 'pppd', pppd, `Using interface ppp${unit}`);
  emit(t0, 'pppd', pppd, `Connect: ppp${unit} <--> /dev/pts/${unit}`);
  if (debug) emit(t0 + 1000, 'pppd', pppd, `rcvd [CHAP Response id=0x1 <00>, name = "${user}"]`);

  const exp: ExpectedSession = {
    pppdPid: pppd,
    ctrlPid: ctrl,
    role: 'server',
    transport: 'pptp',
    peer: ip,
    cause: outcome === 'bad_password' || outcome === 'unknown_user' ? 'auth_failed' : outcome === 'mppe_refused' ? 'mppe_failed' : outcome === 'call_clear' ? 'user_disconnect' : outcome,
    start: iso(t0),
    end: iso(tEnd),
    seconds: durS,
    iface: `ppp${unit}`,
  };
  if (debug || outcome === 'bad_password' || outcome === 'unknown_user') exp.user = user;
  else exp.user = null; // pppd 2.4.9 without debug never names the user of a successful login

  if (outcome === 'bad_password' || outcome === 'unknown_user') {
    if (outcome === 'unknown_user') emit(tEnd, 'pppd', pppd, `No CHAP secret found for authenticating ${user}`, `${mark}:fail`);
    emit(tEnd, 'pppd', pppd, `Peer ${user} failed CHAP authentication`, outcome === 'bad_password' ? `${mark}:fail` : undefined);
    markedEvents.push({ mark: `${mark}:fail`, kind: 'auth.fail', attrs: { reason: outcome, user }, user, peer: ip });
    emit(tEnd, 'pppd', pppd, 'Connection terminated.');
    emit(tEnd, 'pppd', pppd, 'Exit.', `${mark}:end`);
    exp.mppe = null;
  } else if (outcome === 'mppe_refused') {
    emit(t0 + 1000, 'pppd', pppd, `peer from calling number ${ip} authorized`);
    emit(tEnd, 'pppd', pppd, 'MPPE required but peer refused');
    emit(tEnd, 'pppd', pppd, 'Connection terminated.');
    emit(tEnd, 'pppd', pppd, 'Connect time 0.0 minutes.');
    emit(tEnd, 'pppd', pppd, 'Sent 22 bytes, received 44 bytes.');
    emit(tEnd, 'pppd', pppd, 'Exit.', `${mark}:end`);
    exp.seconds = 0;
    exp.bytesSent = 22;
    exp.bytesReceived = 44;
  } else {
    const sent = int(1000, 50_000_000);
    const received = int(1000, 50_000_000);
    const tenths = Math.floor(durS / 6);
    emit(t0 + 1000, 'pppd', pppd, `peer from calling number ${ip} authorized`);
    emit(t0 + 1000, 'pppd', pppd, 'MPPE 128-bit stateless compression enabled');
    emit(t0 + 2000, 'pppd', pppd, 'local  IP address 10.9.0.1');
    emit(t0 + 2000, 'pppd', pppd, `remote IP address ${remote}`);
    const trailer = (): void => {
      emit(tEnd, 'pppd', pppd, `Connect time ${Math.floor(tenths / 10)}.${tenths % 10} minutes.`);
      emit(tEnd, 'pppd', pppd, `Sent ${sent} bytes, received ${received} bytes.`);
    };
    if (outcome === 'user_disconnect') {
      emit(tEnd, 'pppd', pppd, 'LCP terminated by peer (MPPE disabled)');
      trailer();
      emit(tEnd, 'pppd', pppd, 'Modem hangup');
    } else if (outcome === 'link_dead') {
      emit(tEnd, 'pppd', pppd, 'No response to 4 echo-requests');
      emit(tEnd, 'pppd', pppd, 'Serial link appears to be disconnected.');
      trailer();
    } else if (outcome === 'admin') {
      emit(tEnd, 'pppd', pppd, 'Terminating on signal 15');
      trailer();
      emit(tEnd, 'pppd', pppd, 'MPPE disabled');
    } else {
      emit(tEnd, 'pptpd', ctrl, 'CTRL: Received CALL CLR request (closing call)');
      emit(tEnd, 'pppd', pppd, 'Modem hangup');
      trailer();
    }
    emit(tEnd, 'pppd', pppd, 'Connection terminated.');
    emit(tEnd, 'pppd', pppd, 'Exit.', `${mark}:end`);
    Object.assign(exp, { seconds: tenths * 6, bytesSent: sent, bytesReceived: received, remoteIp: remote, mppe: '128 stateless' });
  }
  markedEvents.push({ mark: `${mark}:end`, kind: 'ppp.end', attrs: { cause: exp.cause }, peer: ip });
  GRE_PTY(tEnd + 1000, ctrl);
  if (debug) emit(tEnd + 1000, 'pptpd', ctrl, `CTRL: Reaping child PPP[${pppd}]`);
  emit(tEnd + 1000, 'pptpd', ctrl, `CTRL: Client ${ip} control connection finished`);
  if (debug) emit(tEnd + 1000, 'pptpd', ctrl, 'CTRL: Exiting now');
  sessions.push(exp);
});

// Noise from programs we do not analyse, spread over the same span.
for (let i = 0; i < 300; i++) {
  const ms = BASE_MS + int(0, 5 * 3600) * 1000;
  const n = pick([
    (): void => emit(ms, 'sshd', int(100, 999), `Accepted publickey for ops from 192.0.2.${int(1, 254)} port ${int(1024, 65535)} ssh2`),
    (): void => emit(ms, 'CRON', int(100, 999), '(root) CMD (   cd / && run-parts --report /etc/cron.hourly)'),
    (): void => emit(ms, 'kernel', 0, `[${int(1, 99999)}.123456] nf_conntrack: default automatic helper assignment has been turned off`),
  ]);
  n();
}

// Interleave by time; lines of one second keep the order they were written in.
lines.sort((a, b) => a.ms - b.ms || a.seq - b.seq);
const lineOf = new Map<string, number>();
lines.forEach((l, i) => {
  if (l.mark) lineOf.set(l.mark, i + 1);
});
const events = markedEvents.map(({ mark, ...rest }) => {
  const line = lineOf.get(mark);
  if (line === undefined) throw new Error(`no line for ${mark}`);
  return { line, ...rest };
});

const here = fileURLToPath(new URL('.', import.meta.url));
writeFileSync(`${here}interleaved-50.log`, lines.map((l) => l.text).join('\n') + '\n');
writeFileSync(
  `${here}interleaved-50.expected.json`,
  JSON.stringify(
    {
      description: `${CALLS} PPTP calls on one host, overlapping in time, pids reused from a ${PID_HI - PID_LO + 1}-pid range, pptpd debug on for about half of them, noise from other programs. Written by gen-interleaved.ts (seed ${SEED}); expectations are the outcomes it chose.`,
      source: 'generated: pppd main.c/auth.c/chap.c/ccp.c/ipcp.c/lcp.c and poptop pptpctrl.c/pptpgre.c texts',
      host: HOST,
      events,
      sessions,
      unclassified: 0,
    },
    null,
    1,
  ) + '\n',
);
console.log(`wrote ${lines.length} lines, ${sessions.length} sessions`);
