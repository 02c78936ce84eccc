/**
 * `pptpmon analyze` end to end, as a child process (`node --import tsx src/cli/main.ts analyze ...`),
 * on the lab's real captures (pptpd 1.4.0, pppd 2.4.9, pptp-linux 1.10: samples/): one good session
 * ended by the client, a wrong password, a client without MPPE against require-mppe-128, an unknown
 * user. Asserts the ARCHITECTURE.md contract fields and exit codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pptpmon-analyze-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// Fixed mtime: the capture's yearless lines are then from 2026.
const MTIME = new Date('2026-11-25T00:00:00Z');
function sample(name: string, as = name): string {
  const p = join(dir, as);
  copyFileSync(join(ROOT, 'samples', name), p);
  utimesSync(p, MTIME, MTIME);
  return p;
}
const SYSLOG = sample('syslog');

interface Run {
  code: number | null;
  out: string;
  err: string;
}
function analyze(args: string[], input?: Buffer): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'analyze', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Sess {
  id: string;
  host: string;
  user?: string;
  peer?: string;
  iface?: string;
  localIp?: string;
  remoteIp?: string;
  mppe?: string;
  start?: string;
  end?: string;
  seconds?: number;
  bytesSent?: number;
  bytesReceived?: number;
  cause?: string;
  role: string;
  transport: string;
  evidence: string[];
}
interface Doc {
  sessions: Sess[];
  summary: {
    sessions: number;
    failures: Record<string, number>;
    authFailures: { byUser: Record<string, number>; byPeer: Record<string, number> };
    peakConcurrent: number;
    failureExamples: Record<string, { example?: string }>;
  };
  span: { first?: string; last?: string };
  formats: Record<string, number>;
  inputErrors: { kind: string; file: string; line?: number; message: string }[];
  unclassified: { total: number; top: unknown[] };
}

test('--json on the lab capture: contract fields, causes in order, exit 0', () => {
  const r = analyze(['--json', SYSLOG]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const d = JSON.parse(r.out) as Doc;
  const server = d.sessions
    .filter((s) => s.role === 'server' && s.peer === '10.213.1.2')
    .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
  assert.deepEqual(
    server.map((s) => [s.user, s.cause]),
    [
      ['test', 'user_disconnect'],
      ['test', 'auth_failed'],
      ['test', 'mppe_failed'],
      ['nosuchuser', 'auth_failed'],
    ],
  );
  const good = server[0] as Sess;
  assert.equal(good.transport, 'pptp');
  assert.equal(good.iface, 'ppp0');
  assert.equal(good.localIp, '192.168.213.1');
  assert.equal(good.remoteIp, '192.168.213.10');
  assert.equal(good.mppe, '128 stateless');
  assert.equal(good.bytesSent, 300);
  assert.equal(good.bytesReceived, 252);
  assert.equal(good.start, '2026-11-24T21:58:28.000Z');
  assert.ok(good.evidence.some((l) => l.includes('LCP terminated by peer')));
  // summary agrees with the sessions array it summarises
  const pptp = d.sessions.filter((s) => !['l2tp', 'pppoe', 'serial'].includes(s.transport));
  assert.equal(d.summary.sessions, pptp.length);
  const authFailed = pptp.filter((s) => s.cause === 'auth_failed');
  assert.equal(d.summary.failures.auth_failed, authFailed.length);
  assert.equal(
    d.summary.authFailures.byUser.nosuchuser,
    authFailed.filter((s) => s.user === 'nosuchuser').length,
  );
  assert.equal(d.summary.authFailures.byPeer['10.213.1.2'], 2);
  assert.match(
    d.summary.failureExamples.auth_failed?.example ?? '',
    /failed CHAP authentication|No CHAP secret/,
  );
  assert.match(d.summary.failureExamples.mppe_failed?.example ?? '', /MPPE required but peer refused/);
  // the client (pptp-linux) and server pppd of the good call ran at the same time
  assert.ok(d.summary.peakConcurrent >= 2);
  assert.deepEqual(d.formats, { rfc3164: 528 });
  assert.deepEqual(d.span, { first: '2026-11-24T21:58:24.000Z', last: '2026-11-24T21:59:07.000Z' });
  assert.deepEqual(d.inputErrors, []);
});

test('text report: span, sessions, failures with a proving line, per-session table', () => {
  const r = analyze(['--sessions', SYSLOG]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Time span: +2026-11-24 21:58:24Z \.\. 2026-11-24 21:59:07Z \(43 s\)/);
  assert.match(r.out, /Formats: +rfc3164 528/);
  assert.match(r.out, /Failures by cause\n/);
  assert.match(r.out, /auth_failed +\d+ +e\.g\. Nov 24 21:58:\d\d pppd\[\d+\]: /);
  assert.match(r.out, /Sessions \(\d+\)\n +start +end/);
  assert.match(r.out, /nosuchuser +10\.213\.1\.2/);
});

test('a missing input: exit 2, message on stderr, report of the rest still printed', () => {
  const missing = join(dir, 'no-such.log');
  const r = analyze(['--json', missing, SYSLOG]);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`${missing}: cannot read: no such file`));
  const d = JSON.parse(r.out) as Doc;
  assert.ok(d.sessions.length >= 4);
  assert.equal(d.inputErrors[0]?.kind, 'missing');
});

test('damaged lines inside a readable file are reported with file and line, exit 0', () => {
  const text = readFileSync(SYSLOG);
  const bad = join(dir, 'damaged');
  writeFileSync(
    bad,
    Buffer.concat([text.subarray(0, 2000), Buffer.from([0, 1, 2, 0xff, 10]), text.subarray(2000)]),
  );
  const gz = gzipSync(text);
  const cut = join(dir, 'syslog.3.gz');
  writeFileSync(cut, gz.subarray(0, gz.length - 40));
  const r = analyze(['--json', bad, cut]);
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out) as Doc;
  const kinds = d.inputErrors.map((i) => i.kind).sort();
  assert.deepEqual(kinds, ['binary', 'gzip']);
  assert.match(r.err, /damaged:\d+: binary data/);
  assert.match(r.err, /syslog\.3\.gz:\d+: gzip data failed after line \d+/);
});

test('stdin and pppd logfile inputs', () => {
  const r = analyze(['--json', '-'], readFileSync(SYSLOG));
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out) as Doc;
  assert.ok(d.sessions.some((s) => s.cause === 'mppe_failed'));
  const lf = analyze(['--json', sample('ppp-server.log')]);
  assert.equal(lf.code, 0, lf.err);
  const l = JSON.parse(lf.out) as Doc;
  assert.ok((l.formats['pppd-logfile'] ?? 0) > 100);
  assert.ok(l.sessions.some((s) => s.cause === 'auth_failed'));
});

test('--events: NDJSON events with the contract fields; filters narrow them', () => {
  const r = analyze(['--events', '--user', 'nosuchuser', SYSLOG]);
  assert.equal(r.code, 0, r.err);
  const evs = r.out
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          ts: string;
          host: string;
          kind: string;
          severity: string;
          user?: string;
          raw?: string;
        },
    );
  assert.ok(evs.length > 0);
  for (const e of evs) {
    assert.match(e.ts, /^\d{4}-\d\d-\d\dT/);
    assert.equal(typeof e.host, 'string');
    assert.equal(e.user, 'nosuchuser');
  }
  assert.ok(evs.some((e) => e.kind === 'auth.fail'));
});

test('--since/--peer keep only matching sessions', () => {
  const r = analyze(['--json', '--since', '2026-11-24T21:58:46Z', '--peer', '10.213.1.2', SYSLOG]);
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out) as Doc;
  assert.deepEqual(
    d.sessions.map((s) => [s.user, s.cause]),
    [['nosuchuser', 'auth_failed']],
  );
  assert.equal(d.summary.sessions, 1);
});

test('bad usage exits 2 with a message', () => {
  const a = analyze(['--since', 'yesterday-ish', SYSLOG]);
  assert.equal(a.code, 2);
  assert.match(a.err, /--since: expected a time like/);
  const b = analyze(['--json', '--events', SYSLOG]);
  assert.equal(b.code, 2);
  const c = analyze([]);
  assert.equal(c.code, 2);
  const d = analyze(['--tz', 'Nowhere/Land', SYSLOG]);
  assert.equal(d.code, 2);
  assert.match(d.err, /Nowhere\/Land/);
  const h = analyze(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /Exit codes:/);
});

test('a reader that stops early (| head) ends the run quietly', async () => {
  const { spawn } = await import('node:child_process');
  const big = join(dir, 'big-syslog');
  writeFileSync(big, readFileSync(SYSLOG).toString('utf8').repeat(200));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'analyze', '--events', big], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  assert.equal(code, 0, err);
  assert.doesNotMatch(err, /EPIPE|Unhandled/);
});
