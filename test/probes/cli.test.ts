// `pptpmon probe` through the real CLI process: exit codes, --json shape, the one-line --nagios output
// with perfdata and thresholds, usage errors, secrets kept out of argv and output, and the fingerprint
// change event across runs (file state store). The server is a loopback RFC 2637 responder whose
// identity the test can change between runs; the real pptpd is exercised in control-lab.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { ControlServers, answerControl, sccrp } from '../helpers/pptp-server.js';

const servers = new ControlServers();
let port = 0;
let closedPort = 0;
let vendor = 'linux';
let dir = '';
before(async () => {
  port = await servers.start((s, m) => answerControl(s, m, sccrp({ vendor })));
  closedPort = await freePort();
  dir = await mkdtemp(path.join(tmpdir(), 'pptpmon-cli-'));
});

after(async () => {
  servers.closeAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['probe', ...args], { env: { ...process.env, PPTPMON_PASSWORD: '', ...env } });
}

const state = () => ['--state-file', path.join(dir, 'state.json')];

test('--json on a healthy server: exit 0 and the contract document', async () => {
  const r = await cli([
    '127.0.0.1',
    '--port',
    String(port),
    '--check',
    'tcp,control',
    '--json',
    '--vantage',
    'v1',
    ...state(),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    target: string;
    vantage: string;
    ok: boolean;
    checks: Array<Record<string, unknown>>;
  };
  assert.equal(doc.target, '127.0.0.1');
  assert.equal(doc.vantage, 'v1');
  assert.equal(doc.ok, true);
  assert.deepEqual(
    doc.checks.map((c) => [c.check, c.ok]),
    [
      ['tcp', true],
      ['control', true],
    ],
  );
  const control = doc.checks[1] ?? {};
  assert.equal(control.vendor, 'linux');
  assert.equal(control.hostname, 'local');
  assert.equal(control.protocolVersion, '1.0');
  assert.equal(typeof control.echoMs, 'number');
});

test('--nagios OK, WARNING and CRITICAL by thresholds; one line with perfdata', async () => {
  const ok = await cli([
    '127.0.0.1',
    '--port',
    String(port),
    '--check',
    'tcp,control',
    '--nagios',
    '-w',
    '5000',
    '-c',
    '9000',
    ...state(),
  ]);
  assert.equal(ok.code, 0, ok.stdout);
  assert.equal(ok.stdout.trim().split('\n').length, 1);
  assert.match(
    ok.stdout,
    /^PPTP OK - 127\.0\.0\.1: tcp [\d.]+ ms; control [\d.]+ ms \(linux local fw 1\) \| 'tcp'=[\d.]+ms;5000;9000;0 'control'=[\d.]+ms;5000;9000;0\n$/,
  );
  const warn = await cli([
    '127.0.0.1',
    '--port',
    String(port),
    '--check',
    'control',
    '--nagios',
    '-w',
    '0.001',
    '-c',
    '9000',
    ...state(),
  ]);
  assert.equal(warn.code, 1, warn.stdout);
  assert.match(warn.stdout, /^PPTP WARNING - /);
  const crit = await cli([
    '127.0.0.1',
    '--port',
    String(port),
    '--check',
    'control',
    '--nagios',
    '-w',
    '0.001',
    '-c',
    '0.002',
    ...state(),
  ]);
  assert.equal(crit.code, 2, crit.stdout);
  assert.match(crit.stdout, /^PPTP CRITICAL - /);
});

test('pptpd down (refused): exit 1 in text mode, CRITICAL with the reason in --nagios', async () => {
  const text = await cli(['127.0.0.1', '--port', String(closedPort), '--check', 'tcp,control', ...state()]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /tcp +FAIL .*stage=tcp reason=refused/);
  const n = await cli([
    '127.0.0.1',
    '--port',
    String(closedPort),
    '--check',
    'tcp,control',
    '--nagios',
    ...state(),
  ]);
  assert.equal(n.code, 2);
  assert.match(n.stdout, /^PPTP CRITICAL - 127\.0\.0\.1: tcp failed at tcp: refused/);
});

test('usage errors: exit 2 (UNKNOWN 3 in --nagios), clear message; no password flag exists', async () => {
  const unknown = await cli(['127.0.0.1', '--check', 'tcp,bogus']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown check\(s\) bogus \(known: tcp, control/);
  const nagios = await cli(['127.0.0.1', '--check', 'bogus', '--nagios']);
  assert.equal(nagios.code, 3);
  assert.match(nagios.stdout, /^PPTP UNKNOWN - usage: --check: unknown check\(s\) bogus/);
  const pw = await cli(['127.0.0.1', '--password', 'hunter2']);
  assert.equal(pw.code, 2);
  assert.ok(!pw.stdout.includes('hunter2'));
  const badPort = await cli(['127.0.0.1', '--port', '70000']);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /--port: expected a whole number from 1 to 65535, got "70000"/);
  const noSecret = await cli(['127.0.0.1', '--check', 'radius']);
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /radius check needs --radius-secret-file/);
  const missingFile = await cli(['127.0.0.1', '--user', 'u', '--password-file', path.join(dir, 'nope')]);
  assert.equal(missingFile.code, 2);
  assert.match(missingFile.stderr, /cannot read --password-file .*nope: ENOENT/);
});

test('secrets from file and environment never reach the output', async () => {
  const pwFile = path.join(dir, 'pw');
  await writeFile(pwFile, 'file-secret-123\n', { mode: 0o600 });
  const secretFile = path.join(dir, 'radius-secret');
  await writeFile(secretFile, 'radius-secret-456\n', { mode: 0o600 });
  const r = await cli(
    [
      '127.0.0.1',
      '--port',
      String(port),
      '--check',
      'control,radius',
      '--radius-port',
      String(closedPort),
      '--radius-secret-file',
      secretFile,
      '--user',
      'alice',
      '--password-file',
      pwFile,
      '--json',
      '--timeout',
      '500',
      ...state(),
    ],
    { PPTPMON_PASSWORD: 'env-secret-789' },
  );
  assert.equal(r.code, 1, r.stderr);
  for (const s of ['file-secret-123', 'radius-secret-456', 'env-secret-789']) {
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `${s} leaked`);
  }
});

test('a changed server fingerprint between runs is a probe.control.fingerprint event', async () => {
  const file = ['--state-file', path.join(dir, 'fp.json')];
  vendor = 'linux';
  const first = JSON.parse(
    (await cli(['127.0.0.1', '--port', String(port), '--check', 'control', '--json', ...file])).stdout,
  ) as { events: Array<{ kind: string }> };
  assert.deepEqual(
    first.events.map((e) => e.kind),
    ['probe.control'],
  );
  vendor = 'MikroTik';
  const second = JSON.parse(
    (await cli(['127.0.0.1', '--port', String(port), '--check', 'control', '--json', ...file])).stdout,
  ) as {
    events: Array<{ kind: string; attrs: { before?: string; after?: string } }>;
  };
  const fp = second.events.find((e) => e.kind === 'probe.control.fingerprint');
  assert.ok(fp, 'fingerprint event');
  assert.match(String(fp.attrs.before), /vendor=linux/);
  assert.match(String(fp.attrs.after), /vendor=MikroTik/);
  const text = await cli(['127.0.0.1', '--port', String(port), '--check', 'control', ...file]);
  assert.equal(text.code, 0);
  assert.doesNotMatch(text.stdout, /fingerprint changed/, 'unchanged on the third run');
});
