/**
 * Without `server.tokenFile`, `pptpmon server` keeps its API token in STATEDIR/api-token (0600),
 * prints only that path (stdout ends up in the journal), and reuses the same token after a restart;
 * a token file others can read is narrowed to 0600. Real process, real HTTP on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateToken } from '../../src/server/token.js';
import { apiUp } from '../helpers/api.js';
import { spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { until } from '../helpers/wait.js';

async function startServer(
  config: string,
): Promise<{ stop: () => Promise<number | null>; output: () => string }> {
  const { child, output } = spawnCli(['server', '-c', config]);
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    return new Promise((r) => child.once('exit', (c) => r(c)));
  };
  return { stop, output };
}

test('pptpmon server without tokenFile: token in STATEDIR/api-token (0600), path printed, reused after restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-token-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const state = join(dir, 'state');
  const config = join(dir, 'pptpmon.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      host: 'monitor',
      server: { listen: `127.0.0.1:${port}` },
      store: { path: join(dir, 'pptpmon.db') },
      agent: { stateDir: state },
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const file = join(state, 'api-token');
  const metrics = (token: string): Promise<number> =>
    fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

  const first = await startServer(config);
  t.after(() => void first.stop());
  assert.ok(await apiUp(base, 20_000), first.output());
  const line = await until(async () => /API token in (\S+)/.exec(first.output())?.[1], 5000);
  assert.equal(line, file, first.output());
  const token = readFileSync(file, 'utf8').trim();
  assert.ok(token.length >= 16);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(!first.output().includes(token), 'the token itself is never printed');
  assert.equal(await metrics(token), 200);
  assert.equal(await metrics(`${token}x`), 401);
  assert.equal(await first.stop(), 0, first.output());

  // Restart: same token, still not printed.
  const second = await startServer(config);
  t.after(() => void second.stop());
  assert.ok(await apiUp(base, 20_000), second.output());
  assert.equal(await metrics(token), 200, 'the token clients were given still works');
  assert.equal(readFileSync(file, 'utf8').trim(), token);
  assert.ok(!second.output().includes(token));
  assert.equal(await second.stop(), 0, second.output());
});

test('loadOrCreateToken: creates 0600 once, narrows a readable file, names a bad one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-token-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'sub', 'api-token');
  const a = loadOrCreateToken(file);
  assert.equal(loadOrCreateToken(file), a);
  assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o700);
  chmodSync(file, 0o644);
  assert.equal(loadOrCreateToken(file), a);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'narrowed');
  writeFileSync(file, 'short\n');
  assert.throws(() => loadOrCreateToken(file), new RegExp(`${file}: token must be at least 16 characters`));
});
