// The tcp probe's three failure kinds, each produced for real: refused (closed loopback port), filtered
// (nftables drops SYNs to 1723 inside a network namespace this test creates), unreachable (an
// `unreachable` route inside that namespace). The probe runs inside the namespace through the real CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { nftIn } from '../helpers/netns.js';
import { probeContext, runNamedProbe } from '../helpers/probe-context.js';
import { skipOrFail } from '../helpers/require.js';

const run = promisify(execFile);
const NS = `pptpmon-tcp-${process.pid}`;
let nsError = '';

const probeTcp = (port: number) => runNamedProbe('tcp', probeContext({ port, timeoutMs: 1000 }));

before(async () => {
  try {
    await run('ip', ['netns', 'add', NS]);
    await run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', NS, 'route', 'add', 'unreachable', '10.99.0.1/32']);
    const rules =
      'table inet pptpmon_test {\n  chain input {\n    type filter hook input priority 0;\n    tcp dport 1723 drop\n  }\n}\n';
    await nftIn(NS, rules);
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
  const state = path.join(tmpdir(), `pptpmon-tcp-state-${process.pid}.json`);
  const r = await runCli(
    ['probe', host, '--check', 'tcp', '--json', '--timeout', '800', '--state-file', state],
    { under: ['ip', 'netns', 'exec', NS] },
  );
  return { code: r.code, doc: JSON.parse(r.stdout) as { checks: Array<Record<string, unknown>> } };
}

test('listening port: ok with the connect time', async () => {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  try {
    const out = await probeTcp((srv.address() as net.AddressInfo).port);
    assert.equal(out.result.ok, true);
    assert.ok(out.result.ms >= 0 && out.result.ms < 1000);
    assert.equal(out.events[0]?.kind, 'probe.tcp');
  } finally {
    srv.close();
  }
});

test('closed port: refused, fast', async () => {
  const out = await probeTcp(await freePort());
  assert.equal(out.result.ok, false);
  assert.equal(out.result.stage, 'tcp');
  assert.equal(out.result.reason, 'refused');
  assert.ok(out.result.ms < 500);
});

test('SYNs dropped by nftables: timeout (filtered), bounded by --timeout', async (t) => {
  if (nsError) return skipOrFail(t, 'netns', nsError);
  const r = await cliInNs('127.0.0.1');
  assert.equal(r.code, 1);
  const c = r.doc.checks[0] ?? {};
  assert.equal(c.reason, 'timeout');
  assert.match(String(c.detail), /filtered or host down/);
  assert.ok(Number(c.ms) >= 790 && Number(c.ms) < 2000, `ms ${String(c.ms)}`);
});

test('no route: unreachable', async (t) => {
  if (nsError) return skipOrFail(t, 'netns', nsError);
  const r = await cliInNs('10.99.0.1');
  assert.equal(r.code, 1);
  assert.equal(r.doc.checks[0]?.reason, 'unreachable');
});
