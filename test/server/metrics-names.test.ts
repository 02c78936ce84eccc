/**
 * /metrics of a real `pptpmon run` (SQLite, HTTP on loopback, the real /proc): every metric name
 * EVENTS.md ("Metrics on /metrics") lists is exposed with a sample, and the samples follow real state:
 * a session and an auth failure appended to the followed log (pppd 2.4.9 message texts, as in
 * test/corpus/lab-seed/ppp-server.log), a TCP probe of a closed loopback port (probe_up 0, and the
 * tcp-1723-down alert it fires: alerts_firing{severity="critical"} 1), a real process named pppd
 * started and killed (process_up 1 then 0), the loopback interface's error counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiUp } from '../helpers/api.js';
import { spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'metrics-names-token-0123456789';

/** EVENTS.md, "Metrics on /metrics" (shared/design/EVENTS.md), in its order. */
const EVENTS_MD_METRICS = [
  'pptpmon_sessions_active',
  'pptpmon_sessions_started_total',
  'pptpmon_sessions_ended_total',
  'pptpmon_session_duration_seconds',
  'pptpmon_session_bytes_total',
  'pptpmon_auth_failures_total',
  'pptpmon_probe_up',
  'pptpmon_probe_duration_seconds',
  'pptpmon_process_up',
  'pptpmon_process_restarts_total',
  'pptpmon_iface_errors_total',
  'pptpmon_alerts_firing',
  'pptpmon_events_total',
  'pptpmon_blocked_ips',
];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition -> samples (comments skipped). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample of `name` whose labels include `want`. */
function value(samples: Sample[], name: string, want: Record<string, string> = {}): number | undefined {
  const hits = samples.filter(
    (s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v),
  );
  return hits.length === 1 ? hits[0]!.value : undefined;
}

/** Live (not zombie) processes whose comm is `comm`, as the processes collector counts them. */
function commInProc(comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.includes(` (${comm}) `) && !/\) Z /.test(stat)) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
const pppdsInProcPids = (): number[] => commInProc('pppd');
const pppdsInProc = (): number => pppdsInProcPids().length;

/** Interface names in /proc/net/dev but lo and ppp*. */
function netDevIfaces(): string[] {
  return readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter((n) => n && !/^(lo|ppp\d+)$/.test(n));
}

function stamp(): string {
  const d = new Date();
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
}

const CHAP =
  '0fa1f691350e44c4f04b587eb02e256e00000000000000000e07a4a6af4f6feac3a2f6e5992f9c0568e635d7f795169300';

/** One session (pid 4101) up and ended by the peer, then a failed login (pid 4201). */
function logLines(): string {
  const s = stamp();
  const a = (m: string): string => `${s} vpn pppd[4101]: ${m}\n`;
  const b = (m: string): string => `${s} vpn pppd[4201]: ${m}\n`;
  return [
    a('pppd 2.4.9 started by root, uid 0'),
    a('using channel 7'),
    a('Using interface ppp0'),
    a('Connect: ppp0 <--> /dev/pts/1'),
    a(`rcvd [CHAP Response id=0x8c <${CHAP}>, name = "alice"]`),
    a('sent [CHAP Success id=0x8c "S=825B53CB90A1B2C92BAB1E0A3A97E8EA3B6EAF1D M=Access granted"]'),
    a('peer from calling number 10.213.0.9 authorized'),
    a('MPPE 128-bit stateless compression enabled'),
    a('local  IP address 10.213.1.1'),
    a('remote IP address 10.213.1.2'),
    a('rcvd [LCP TermReq id=0x3 "User request"]'),
    a('LCP terminated by peer (User request)'),
    a('Connect time 2.0 minutes.'),
    a('Sent 12345 bytes, received 67890 bytes.'),
    a('MPPE disabled'),
    a('Connection terminated.'),
    a('Exit.'),
    b('pppd 2.4.9 started by root, uid 0'),
    b('Using interface ppp1'),
    b('Connect: ppp1 <--> /dev/pts/2'),
    b(`rcvd [CHAP Response id=0x35 <${CHAP}>, name = "mallory"]`),
    b('Peer mallory failed CHAP authentication'),
    b('sent [CHAP Failure id=0x35 "E=691 R=1 C=1373a452d03375381dbfff22b2fb8dbf V=0 M=Access denied"]'),
    b('Connection terminated.'),
    b('Exit.'),
  ].join('');
}

test('pptpmon run /metrics: every EVENTS.md metric has a sample, and the values follow real state', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-metrics-names-'));
  const log = join(dir, 'syslog');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  const port = await freePort();
  let closed = await freePort();
  while (closed === port) closed = await freePort();
  const off = { enabled: false };
  writeFileSync(
    join(dir, 'pptpmon.yaml'),
    JSON.stringify({
      host: 'vpn-metrics',
      logs: { defaults: false, files: [log], timezone: 'UTC' },
      server: { listen: `127.0.0.1:${port}`, tokenFile: join(dir, 'token') },
      store: { path: join(dir, 'pptpmon.db') },
      alerts: { groupWait: '1s' },
      probes: {
        vantage: 'local',
        targets: [{ host: '127.0.0.1', port: closed, checks: ['tcp'], every: '1s', timeout: '1s' }],
      },
      agent: {
        stateDir: join(dir, 'state'),
        collectors: { sessions: off, netstat: off, 'config-drift': off },
      },
    }),
  );
  // A real process whose comm is "pppd" (a copy of sleep): the processes collector reads it in /proc.
  const fakePppd = join(dir, 'pppd');
  copyFileSync('/bin/sleep', fakePppd);
  const pppd = spawn(fakePppd, ['300'], { stdio: 'ignore' });
  const { child, output } = spawnCli(['run', '-c', join(dir, 'pptpmon.yaml')]);
  t.after(() => {
    child.kill('SIGKILL');
    pppd.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const ifacesBefore = netDevIfaces();
  const base = `http://127.0.0.1:${port}`;
  const scrape = async (): Promise<Sample[]> => {
    const r = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
    return parse(await r.text());
  };
  assert.ok(await apiUp(base, 20_000), `run did not come up: ${output()}`);
  await sleep(500); // the follower has joined the (empty) file
  appendFileSync(log, logLines());

  const ready = await until(async () => {
    const s = await scrape();
    return value(s, 'pptpmon_alerts_firing', { severity: 'critical' }) === 1 &&
      value(s, 'pptpmon_auth_failures_total', { reason: 'bad_password' }) === 1 &&
      (value(s, 'pptpmon_process_up', { name: 'pppd' }) ?? 0) >= 1
      ? s
      : undefined;
  }, 30_000);
  const last = await scrape();
  assert.ok(
    ready,
    `state not reflected: ${last
      .filter((x) => /alerts_firing|auth_failures|process_up/.test(x.name))
      .map((x) => JSON.stringify(x))
      .join('\n')}\n${output().slice(-2000)}`,
  );
  const s = ready;

  for (const name of EVENTS_MD_METRICS) {
    const own = s.filter((x) => x.name === name || x.name === `${name}_count`);
    assert.ok(own.length > 0, `${name}: no sample on /metrics`);
    assert.ok(
      own.every((x) => Number.isFinite(x.value)),
      `${name}: non-numeric sample`,
    );
  }

  assert.equal(value(s, 'pptpmon_sessions_started_total'), 1, 'one IPCP up in the log');
  assert.equal(value(s, 'pptpmon_sessions_ended_total', { cause: 'user_disconnect' }), 1);
  assert.equal(value(s, 'pptpmon_sessions_ended_total', { cause: 'auth_failed' }), 1);
  assert.equal(value(s, 'pptpmon_session_duration_seconds_count'), 2, 'both ppp.end carry a duration');
  assert.equal(value(s, 'pptpmon_session_bytes_total', { direction: 'in' }), 67890, 'received');
  assert.equal(value(s, 'pptpmon_session_bytes_total', { direction: 'out' }), 12345, 'sent');
  assert.equal(value(s, 'pptpmon_auth_failures_total', { reason: 'unknown_user' }), 0, 'known reasons at 0');
  assert.equal(value(s, 'pptpmon_probe_up', { check: 'tcp', vantage: 'local' }), 0, 'closed port');
  const took = value(s, 'pptpmon_probe_duration_seconds', { check: 'tcp', vantage: 'local' });
  assert.ok(took !== undefined && took >= 0 && took < 2, `probe duration ${took}`);
  assert.equal(value(s, 'pptpmon_alerts_firing', { severity: 'warning' }), 0);
  // Interfaces of this host (/proc/net/dev, before and now: other tests may add some meanwhile) each
  // have a series; lo and ppp* never (excluded by the system collector).
  const now = netDevIfaces();
  const named = new Set(s.filter((x) => x.name === 'pptpmon_iface_errors_total').map((x) => x.labels.iface));
  for (const iface of ifacesBefore.filter((i) => now.includes(i)))
    assert.ok(named.has(iface), `pptpmon_iface_errors_total{iface="${iface}"} missing`);
  assert.ok(![...named].some((i) => i === 'lo' || /^ppp\d/.test(i ?? '')), 'lo/ppp excluded');
  assert.equal(value(s, 'pptpmon_events_total', { kind: 'ppp.end' }), 2, 'session end + failed login end');
  assert.equal(value(s, 'pptpmon_blocked_ips'), 0);
  assert.ok(
    !s.some((x) => Object.values(x.labels).some((v) => /alice|mallory|10\.213\./.test(v))),
    'no user names or peer IPs in labels',
  );

  // The process goes away: process_up follows /proc (full scan every 2 s). Other test files may run
  // pppd-named processes at the same time, so the gauge is compared with a count of /proc, not 0.
  pppd.kill('SIGKILL');
  await new Promise((r) => pppd.once('exit', r));
  const gone = await until(async () => {
    const up = value(await scrape(), 'pptpmon_process_up', { name: 'pppd' });
    return up === pppdsInProc() && !pppdsInProcPids().includes(pppd.pid!) ? true : undefined;
  }, 10_000);
  assert.ok(gone, 'process_up{name="pppd"} follows /proc after the kill');
  // A watched daemon never seen has a 0 sample (alertable), compared with /proc like above.
  const pptpd = await until(async () => {
    const up = value(await scrape(), 'pptpmon_process_up', { name: 'pptpd' });
    return up !== undefined && up === commInProc('pptpd').length ? true : undefined;
  }, 10_000);
  assert.ok(pptpd, 'process_up{name="pptpd"} sampled and equal to the pptpd processes in /proc');

  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.equal(code, 0, output().slice(-2000));
});
