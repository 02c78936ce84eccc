/**
 * Reproducible synthetic syslog for the analyze benchmark: a seeded mix of ordinary server noise
 * (cron, sshd, systemd, kernel firewall, postfix, dhclient, named) and about 10% pppd/pptpd/pptp lines.
 * The PPTP lines are the lab's real capture (samples/syslog: pptpd 1.4.0, pppd 2.4.9, pptp-linux 1.10;
 * a good call, a bad password, MPPE refused, an unknown user, an LCP timeout) replayed many times with
 * new pids, client IPs and users, each replay's long gaps stretched by its own random factor
 * (5x-200x) so that long calls overlap many short ones and hundreds of calls interleave.
 */
import { createWriteStream, readFileSync } from 'node:fs';

/** mulberry32: tiny, fast, seedable; the same seed gives the same file. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface TemplateLine {
  /** Seconds after the capture's first line: the part made of short gaps (kept as they are)... */
  shortSecs: number;
  /** ...and the part made of gaps of 3 s or more (a call staying up, a timer), which replays stretch. */
  longSecs: number;
  program: string;
  pid: number;
  message: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MGR_PID = 124;

function loadTemplate(samplePath: string): TemplateLine[] {
  const out: TemplateLine[] = [];
  let prev: number | undefined;
  let shortSecs = 0;
  let longSecs = 0;
  for (const line of readFileSync(samplePath, 'utf8').split('\n')) {
    const m = /^\w{3} +\d+ (\d\d):(\d\d):(\d\d) (\S+?)\[(\d+)\]: (.*)$/.exec(line);
    if (!m) continue;
    const [, hh, mm, ss, program = '', pid = '0', message = ''] = m;
    if (
      message.startsWith('MGR: ') &&
      !message.startsWith('MGR: Launching') &&
      !message.startsWith('MGR: Reaped')
    )
      continue; // manager start-up lines belong to a restart, not to a call
    const secs = Number(hh) * 3600 + Number(mm) * 60 + Number(ss);
    const gap = prev === undefined ? 0 : secs - prev;
    prev = secs;
    // Bursts (a packet exchange, "Connection terminated." and its trailer) stay bursts.
    if (gap >= 3) longSecs += gap;
    else shortSecs += gap;
    out.push({ shortSecs, longSecs, program, pid: Number(pid), message });
  }
  return out;
}

function stamp(ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${day} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function noise(r: () => number): string {
  const n = (k: number): number => Math.floor(r() * k);
  const ip = (net: string): string => `${net}.${1 + n(254)}`;
  switch (n(10)) {
    case 0:
      return `CRON[${1000 + n(60000)}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)`;
    case 1:
      return `sshd[${1000 + n(60000)}]: Accepted publickey for admin from ${ip('192.0.2')} port ${1024 + n(60000)} ssh2: RSA SHA256:Qx3bX0m7r9fQ0nVh2mWcYg5tE1uJk8sLz4oAaBdCeFg`;
    case 2:
      return `sshd[${1000 + n(60000)}]: Failed password for invalid user admin from ${ip('198.51.100')} port ${1024 + n(60000)} ssh2`;
    case 3:
      return `sshd[${1000 + n(60000)}]: Connection closed by authenticating user root ${ip('203.0.113')} port ${1024 + n(60000)} [preauth]`;
    case 4:
      return `kernel: [${n(900000)}.${String(n(999999)).padStart(6, '0')}] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=${ip('203.0.113')} DST=192.0.2.1 LEN=40 TOS=0x00 PREC=0x00 TTL=244 ID=${n(65535)} PROTO=TCP SPT=${1024 + n(60000)} DPT=23 WINDOW=65535 RES=0x00 SYN URGP=0`;
    case 5:
      return `postfix/smtpd[${1000 + n(60000)}]: connect from unknown[${ip('198.51.100')}]`;
    case 6:
      return `dhclient[${400 + n(100)}]: DHCPREQUEST for 192.0.2.10 on eth0 to 192.0.2.1 port 67`;
    case 7:
      return `named[${700 + n(10)}]: client @0x7f${n(0xffffff).toString(16)} ${ip('192.0.2')}#${1024 + n(60000)} (example.com): query (cache) 'example.com/A/IN' denied`;
    case 8:
      return `systemd-logind[${500 + n(10)}]: New session ${n(100000)} of user admin.`;
    default:
      return `systemd[1]: Starting Daily apt download activities...`;
  }
}

export interface GenerateResult {
  lines: number;
  pptpLines: number;
  calls: number;
  /** "Peer X failed CHAP authentication" lines written (what the fail2ban filter should match). */
  authFailLines: number;
}

/**
 * Writes `lines` lines to `path`. Replays of the capture start at a steady rate so that ~10% of
 * lines are theirs; in each, gaps of 3 s or more are stretched 5x-200x (calls stay up for minutes to
 * hours), while bursts keep their real spacing.
 */
export async function generateSyslog(
  path: string,
  lines: number,
  seed: number,
  samplePath: string,
): Promise<GenerateResult> {
  const r = rng(seed);
  const tpl = loadTemplate(samplePath);
  const replays = Math.max(1, Math.round((0.1 * lines) / tpl.length));
  const startMs = Date.UTC(2026, 10, 20, 0, 0, 0);
  const spanMs = lines * 50; // 20 lines/s on average
  const gapMs = spanMs / replays;
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  interface Live {
    k: number;
    i: number;
    start: number;
    user: string;
    ip: string;
    stretch: number;
  }
  let live: Live[] = [];
  let nextReplay = 0;
  let pptpLines = 0;
  let authFailLines = 0;
  let buf = '';
  const mapPid = (k: number, pid: number): number =>
    pid === MGR_PID ? pid : 300 + ((k * 400 + pid) % 32000);
  for (let n = 0; n < lines; n++) {
    const now = startMs + (n / lines) * spanMs;
    while (nextReplay < replays && startMs + nextReplay * gapMs <= now) {
      live.push({
        k: nextReplay,
        i: 0,
        start: now,
        user: `user${1 + Math.floor(r() * 400)}`,
        ip: `10.${Math.floor(r() * 250)}.${Math.floor(r() * 250)}.${1 + Math.floor(r() * 250)}`,
        stretch: 5 + r() * 195,
      });
      nextReplay++;
    }
    // The live replay line due earliest, if any is due now.
    let due: Live | undefined;
    let dueAt = Infinity;
    for (const l of live) {
      const tl = tpl[l.i] as TemplateLine;
      const t = l.start + (tl.shortSecs + tl.longSecs * l.stretch) * 1000;
      if (t <= now && t < dueAt) {
        due = l;
        dueAt = t;
      }
    }
    let text: string;
    if (due) {
      const t = tpl[due.i] as TemplateLine;
      const k = due.k;
      const msg = t.message
        .replace(/\b(PPP\[|Reaped child )(\d+)/g, (_m, a: string, p: string) => `${a}${mapPid(k, Number(p))}`)
        .replaceAll('10.213.1.2', due.ip)
        .replace(
          /\b(Peer |for authenticating |name = ")(test|nosuchuser)\b/g,
          (_m, a: string, u: string) => `${a}${u === 'test' ? due.user : `${due.user}x`}`,
        );
      if (/^Peer \S+ failed CHAP authentication/.test(msg)) authFailLines++;
      text = `${t.program}[${mapPid(k, t.pid)}]: ${msg}`;
      pptpLines++;
      due.i++;
      if (due.i >= tpl.length) live = live.filter((l) => l !== due);
    } else {
      text = noise(r);
    }
    buf += `${stamp(now)} vpn1 ${text}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((res) => out.once('drain', () => res()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
  return { lines, pptpLines, calls: replays * 5, authFailLines };
}
