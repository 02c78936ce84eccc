/**
 * config-drift never keeps or tells a secret: a pppd options file with `password` (pppd(8)), the
 * radcli `servers` file (SERVER SECRET per line), a state file written before redaction existed;
 * and the firewall read through iptables when nft is absent (iptables-nft and iptables-legacy in a
 * network namespace this test creates) or beside nft (legacy tables nft cannot see).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfigDriftCollector } from '../../src/collectors/config-drift.js';
import { defaultContext, defaultRun } from '../../src/collectors/types.js';
import type { Event } from '../../src/events/index.js';
import { skipOrFail } from '../helpers/require.js';

const summaries = (evs: Event[]): string[] =>
  evs.map((e) =>
    e.kind === 'sec.config.change'
      ? `${e.attrs.file}: ${e.attrs.summary}`
      : e.kind === 'sec.firewall.change'
        ? `fw: ${e.attrs.summary}`
        : `${e.kind}`,
  );

function setup(): { root: string; etc: string; state: string } {
  const root = mkdtempSync(join(tmpdir(), 'pptpmon-drift-secrets-'));
  const etc = join(root, 'etc');
  mkdirSync(join(etc, 'ppp'), { recursive: true });
  mkdirSync(join(etc, 'radcli'), { recursive: true });
  return { root, etc, state: join(root, 'state') };
}

const noFirewall = { firewall: false };

function assertNoSecret(texts: string[], stateFile: string, secrets: string[]): void {
  const state = readFileSync(stateFile, 'utf8');
  for (const s of secrets) {
    for (const t of texts) assert.ok(!t.includes(s), `secret ${s} in a summary: ${t}`);
    assert.ok(!state.includes(s), `secret ${s} in the state file`);
  }
  assert.equal(statSync(stateFile).mode & 0o777, 0o600, 'state file 0600');
}

test('options file with a pppd `password` line: changes told as "secret changed", never the value', async (t) => {
  const { root, etc, state } = setup();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const file = join(etc, 'ppp/options.pptpd');
  writeFileSync(file, 'name pptpd\nrequire-mschap-v2\nuser vpnclient\npassword Old-S3cret-Pw\n');
  const ctx = defaultContext({ etcRoot: etc, stateDir: state });
  const c = createConfigDriftCollector(ctx, noFirewall);
  assert.deepEqual(await c.collect(), [], 'baseline');
  const stateFile = join(state, 'config-drift.json');
  assertNoSecret([], stateFile, ['Old-S3cret-Pw']);

  writeFileSync(
    file,
    'name pptpd\nrequire-mschap-v2\nms-dns 10.0.0.53\nuser vpnclient\npassword N3w-S3cret\n',
  );
  const changed = summaries(await c.collect());
  t.diagnostic(changed.join('\n'));
  assert.deepEqual(changed, [`${file}: +2/-1 lines; added: "ms-dns 10.0.0.53"; secret changed: password`]);
  assertNoSecret(changed, stateFile, ['Old-S3cret-Pw', 'N3w-S3cret']);

  // Only the secret changes: the event still comes (drift is seen), with the keyword only.
  writeFileSync(file, 'name pptpd\nrequire-mschap-v2\nms-dns 10.0.0.53\nuser vpnclient\npassword Th1rd\n');
  assert.deepEqual(summaries(await c.collect()), [`${file}: +1/-1 lines; secret changed: password`]);
  // A FreeRADIUS-style `secret = ...` added, the password removed.
  writeFileSync(file, 'name pptpd\nrequire-mschap-v2\nms-dns 10.0.0.53\nuser vpnclient\nsecret = R4d-Key\n');
  const last = summaries(await c.collect());
  assert.deepEqual(last, [`${file}: +1/-1 lines; secret added: secret; secret removed: password`]);
  assertNoSecret(last, stateFile, ['Th1rd', 'R4d-Key']);
  // Unchanged: nothing.
  assert.deepEqual(await c.collect(), []);
});

test('RADIUS servers file: servers added/removed and "secret changed" per server, never the secret', async (t) => {
  const { root, etc, state } = setup();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const file = join(etc, 'radcli/servers');
  writeFileSync(
    file,
    '# Server Name or Client/Server pair\t\tKey\nradius1.lab\tSh4red-One\nradius2.lab\tSh4red-Two\n',
  );
  const c = createConfigDriftCollector(defaultContext({ etcRoot: etc, stateDir: state }), noFirewall);
  assert.deepEqual(await c.collect(), []);
  writeFileSync(file, 'radius1.lab\tR0tated-One\nradius3.lab:1812\tSh4red-Three\n');
  const got = summaries(await c.collect());
  assert.deepEqual(got, [
    `${file}: servers added: radius3.lab:1812; servers removed: radius2.lab; secret changed: radius1.lab`,
  ]);
  assertNoSecret(got, join(state, 'config-drift.json'), [
    'Sh4red-One',
    'Sh4red-Two',
    'R0tated-One',
    'Sh4red-Three',
  ]);
});

test('a state file from before redaction: unchanged files are quiet, the secret is gone from it', async (t) => {
  const { root, etc, state } = setup();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const opts = 'name pptpd\npassword V1-Plain-Pw\n';
  const servers = 'radius1.lab Sh4red-V1\n';
  writeFileSync(join(etc, 'ppp/options.pptpd'), opts);
  writeFileSync(join(etc, 'radcli/servers'), servers);
  mkdirSync(state);
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  // What the collector wrote before: plain SHA-256 hashes and verbatim option lines.
  writeFileSync(
    join(state, 'config-drift.json'),
    JSON.stringify({
      key: 'a'.repeat(64),
      files: {
        'ppp/options.pptpd': { hash: sha(opts), lines: ['name pptpd', 'password V1-Plain-Pw'] },
        'radcli/servers': { hash: sha(servers) },
      },
    }),
    { mode: 0o600 },
  );
  const c = createConfigDriftCollector(defaultContext({ etcRoot: etc, stateDir: state }), noFirewall);
  assert.deepEqual(summaries(await c.collect()), [], 'nothing changed: no event for the new hashes');
  assertNoSecret([], join(state, 'config-drift.json'), ['V1-Plain-Pw', sha(opts), sha(servers)]);
  writeFileSync(join(etc, 'ppp/options.pptpd'), 'name pptpd\npassword V2-Pw\n');
  assert.deepEqual(summaries(await c.collect()), [
    `${join(etc, 'ppp/options.pptpd')}: +1/-1 lines; secret changed: password`,
  ]);
});

const NS = `pptpmon-ipt-${process.pid}`;

test('firewall through iptables: nft absent (iptables-nft, iptables-legacy), and legacy beside nft', async (t) => {
  const have = (cmd: string): boolean => {
    try {
      execFileSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!have('iptables-nft-save') || !have('iptables-legacy-save')) {
    t.skip('iptables (nft and legacy variants) not installed: apt-get install iptables');
    return;
  }
  try {
    execFileSync('ip', ['netns', 'add', NS]);
  } catch (err) {
    skipOrFail(t, 'netns', `cannot create a network namespace: ${(err as Error).message}`);
    return;
  }
  const { root, etc, state } = setup();
  t.after(() => {
    execFileSync('ip', ['netns', 'del', NS]);
    rmSync(root, { recursive: true, force: true });
  });
  const inNs = (cmd: string, ...args: string[]): string =>
    execFileSync('ip', ['netns', 'exec', NS, cmd, ...args], { encoding: 'utf8' });

  // The collector's runner, with nft "not installed" and iptables-save the given variant.
  const runner =
    (variant: 'nft' | 'legacy' | 'both') =>
    (file: string, args: string[]): Promise<string> => {
      if (file === 'nft' && variant !== 'both') return Promise.reject(new Error('nft: not found'));
      const real = file === 'iptables-save' ? `iptables-${variant}-save` : file;
      return defaultRun('ip', ['netns', 'exec', NS, real, ...args]);
    };
  for (const variant of ['nft', 'legacy'] as const) {
    const c = createConfigDriftCollector(
      defaultContext({ etcRoot: etc, stateDir: join(state, variant), run: runner(variant) }),
    );
    assert.deepEqual(await c.collect(), [], `${variant}: baseline`);
    inNs(`iptables-${variant}`, '-A', 'INPUT', '-p', 'tcp', '--dport', '1723', '-j', 'DROP');
    const evs = await c.collect();
    const fw = evs.find((e) => e.kind === 'sec.firewall.change');
    assert.ok(fw && fw.kind === 'sec.firewall.change', `${variant}: ${summaries(evs).join('\n')}`);
    assert.match(fw.attrs.summary, /^PPTP-relevant .*"-A INPUT -p tcp -m tcp --dport 1723 -j DROP"/);
    assert.equal(fw.severity, 'critical');
    assert.deepEqual(await c.collect(), [], `${variant}: no change, no event`);
    inNs(`iptables-${variant}`, '-F', 'INPUT');
  }

  // nft present, a GRE rule loaded with iptables-legacy (invisible to `nft list ruleset`).
  const c = createConfigDriftCollector(
    defaultContext({ etcRoot: etc, stateDir: join(state, 'both'), run: runner('both') }),
  );
  assert.deepEqual(await c.collect(), []);
  inNs('iptables-legacy', '-A', 'INPUT', '-p', '47', '-j', 'ACCEPT');
  const evs = await c.collect();
  const fw = evs.find((e) => e.kind === 'sec.firewall.change');
  assert.ok(fw && fw.kind === 'sec.firewall.change', summaries(evs).join('\n'));
  assert.match(fw.attrs.summary, /^PPTP-relevant .*-A INPUT -p gre -j ACCEPT/);
});
