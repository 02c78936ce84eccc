// The tcp probe's three failure kinds, each produced for real: refused (closed loopback port), filtered
// (nftables drops SYNs to 1723 inside a network namespace this test creates), unreachable (an
// `unreachable` route inside that namespace). The probe runs inside the namespace through the real CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { MemoryStateStore, findProbe, runProbe, type ProbeContext } from '../../src/probes/index.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const NS = `pptpmon-tcp-${process.pid}`;
let nsError = '';

function ctx(port: number, timeoutMs = 1000): ProbeContext {
  return {
    target: '127.0.0.1',
    port,
    vantage: 'test',
    host: 'test',
    timeoutMs,
    options: {},
    state: new MemoryStateStore(),
    now: () => performance.now(),
    wallClock: () => new Date(),
  };
}

before(async () => {
  try {
    await run('ip', ['netns', 'add', NS]);
    await run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', NS, 'route', 'add', 'unreachable', '10.99.0.1/32']);
    const rules =
      'table inet pptpmon_test {\n  chain input {\n    type filter hook input priority 0;\n    tcp dport 1723 drop\n  }\n}\n';
    await new Promise<void>((resolve, reject) => {
      const p = spawn('ip', ['netns', 'exec', NS, 'nft', '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nft: ${err}`))));
      p.stdin.end(rules);
    });
  } catch (err) {
    nsError = `cannot set up network namespace with nftables (needs root, iproute2, nftables): ${(err as Error).message}`;
  }
});

after(async () => {
  await run('ip', ['netns', 'del', NS]).catch(() => undefined);
});

async function cliInNs(
  host: string,
): Promise<{ code: number; doc: { checks: Array<Record<string, unknown>> } }> {
  return new Promise((resolve) => {
    execFile(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        '--import',
        'tsx',
        path.join(ROOT, 'src/cli/main.ts'),
        'probe',
        host,
        '--check',
        'tcp',
        '--json',
        '--timeout',
        '800',
        '--state-file',
        path.join(tmpdir(), `pptpmon-tcp-state-${process.pid}.json`),
      ],
      { cwd: ROOT, timeout: 30_000 },
      (err, stdout) => {
        const code =
          err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 0;
        resolve({ code, doc: JSON.parse(stdout) as { checks: Array<Record<string, unknown>> } });
      },
    );
  });
}

test('listening port: ok with the connect time', async () => {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  try {
    const out = await runProbe(findProbe('tcp')!, ctx((srv.address() as net.AddressInfo).port));
    assert.equal(out.result.ok, true);
    assert.ok(out.result.ms >= 0 && out.result.ms < 1000);
    assert.equal(out.events[0]?.kind, 'probe.tcp');
  } finally {
    srv.close();
  }
});

test('closed port: refused, fast', async () => {
  const tmp = net.createServer();
  await new Promise<void>((res) => tmp.listen(0, '127.0.0.1', res));
  const port = (tmp.address() as net.AddressInfo).port;
  await new Promise<void>((res) => tmp.close(() => res()));
  const out = await runProbe(findProbe('tcp')!, ctx(port));
  assert.equal(out.result.ok, false);
  assert.equal(out.result.stage, 'tcp');
  assert.equal(out.result.reason, 'refused');
  assert.ok(out.result.ms < 500);
});

test('SYNs dropped by nftables: timeout (filtered), bounded by --timeout', async (t) => {
  if (nsError) return t.skip(nsError);
  const r = await cliInNs('127.0.0.1');
  assert.equal(r.code, 1);
  const c = r.doc.checks[0] ?? {};
  assert.equal(c.reason, 'timeout');
  assert.match(String(c.detail), /filtered or host down/);
  assert.ok(Number(c.ms) >= 790 && Number(c.ms) < 2000, `ms ${String(c.ms)}`);
});

test('no route: unreachable', async (t) => {
  if (nsError) return t.skip(nsError);
  const r = await cliInNs('10.99.0.1');
  assert.equal(r.code, 1);
  assert.equal(r.doc.checks[0]?.reason, 'unreachable');
});
