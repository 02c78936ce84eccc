/**
 * The installed entry point (bin/pptpmon.js over the build output in dist/, as `npm ci` / `npm run
 * build` leave it) gives the same `analyze` output as the development path (`node --import tsx
 * src/cli/main.ts`). bin runs `analyze` from dist/cli/analyze.bundle.js (scripts/bundle-analyze.mjs):
 * this test is what says the bundle is the same program. A stale dist/ fails here: `npm run build`.
 * bin compiles the bundle from its V8 code cache (bin/analyze-bundle.js); the cache is checked to be
 * taken under bin's flags, and a cache that does not fit to be ignored (the output is unchanged).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { generateSyslog } from '../../bench/analyze/generate.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'pptpmon.js');
const BUNDLE = join(ROOT, 'dist', 'cli', 'analyze.bundle.js');
const CACHE = `${BUNDLE}.v8cache`;
const dir = mkdtempSync(join(tmpdir(), 'pptpmon-installed-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const MTIME = new Date('2026-11-25T00:00:00Z');

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(argv: string[], input?: Buffer): Run {
  const r = spawnSync(process.execPath, argv, {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The V8 flags of bin/pptpmon.js's shebang (running bin through node directly drops the shebang). */
function binFlags(): string[] {
  const shebang = readFileSync(BIN, 'utf8').split('\n')[0] ?? '';
  return shebang.split(' ').filter((w) => w.startsWith('--'));
}

/** bin/pptpmon.js as the shell runs it (its shebang's V8 flag included); `pre` are extra node options. */
function installed(args: string[], input?: Buffer, pre: string[] = [], bin = BIN): Run {
  return run([...binFlags(), ...pre, bin, 'analyze', ...args], input);
}

function dev(args: string[], input?: Buffer): Run {
  return run(['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'analyze', ...args], input);
}

function fixture(name: string, from: string): string {
  const p = join(dir, name);
  copyFileSync(from, p);
  utimesSync(p, MTIME, MTIME);
  return p;
}

test('the build produced the analyze bundle bin/pptpmon.js runs, and a code cache V8 takes', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} missing: run \`npm run build\``);
  assert.ok(existsSync(CACHE), `${CACHE} missing: run \`npm run build\``);
  const check = (flags: string[]): string =>
    run([...flags, join(ROOT, 'scripts', 'analyze-code-cache.mjs'), 'check', BUNDLE, CACHE]).out;
  assert.equal(check(binFlags()), 'cached\n');
  // Other V8 flags: V8 refuses the cache (bin then compiles from source).
  assert.equal(check([...binFlags(), '--max-optimized-bytecode-size=1000']), 'not cached\n');
});

test('a code cache that does not fit the bundle is ignored: same output', () => {
  // A copy of the installed layout with its own cache file beside the bundle.
  const root = join(dir, 'inst');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
  for (const f of ['pptpmon.js', 'analyze-bundle.js', 'package.json'])
    copyFileSync(join(ROOT, 'bin', f), join(root, 'bin', f));
  const bundle = join(root, 'dist', 'cli', 'analyze.bundle.js');
  copyFileSync(BUNDLE, bundle);
  const syslog = fixture('syslog-cache', join(ROOT, 'samples', 'syslog'));
  const want = installed(['--json', syslog]);
  assert.equal(want.code, 0, want.err);
  const real = readFileSync(CACHE);
  const id = real.subarray(0, 16);
  const caches: [string, Buffer][] = [
    ['none', Buffer.alloc(0)],
    ['V8 data damaged', Buffer.concat([id, Buffer.alloc(real.length - 16, 0x5a)])],
    ['cut short', real.subarray(0, 100)],
    ['another build', Buffer.concat([Buffer.from('0123456789abcdef'), real.subarray(16)])],
  ];
  for (const [what, data] of caches) {
    if (data.length > 0) writeFileSync(`${bundle}.v8cache`, data);
    else rmSync(`${bundle}.v8cache`, { force: true });
    const got = installed(['--json', syslog], undefined, [], join(root, 'bin', 'pptpmon.js'));
    assert.equal(got.code, 0, `${what}: ${got.err}`);
    assert.equal(got.out, want.out, `${what}: stdout differs`);
    assert.equal(got.err, want.err, `${what}: stderr differs`);
  }
});

test('installed CLI = tsx path: JSON, text with sessions, events, on real captures, gzip and stdin', () => {
  const syslog = fixture('syslog', join(ROOT, 'samples', 'syslog'));
  const server = fixture('ppp-server.log', join(ROOT, 'samples', 'ppp-server.log'));
  const gz = join(dir, 'syslog.1.gz');
  writeFileSync(gz, gzipSync(readFileSync(syslog)));
  utimesSync(gz, MTIME, MTIME);
  const cases: { args: string[]; input?: Buffer }[] = [
    { args: ['--json', syslog] },
    { args: ['--sessions', syslog, server] },
    { args: ['--events', gz] },
    { args: ['--json', '--user', 'alice', gz, syslog] },
    { args: ['--json', '-'], input: readFileSync(syslog) },
    { args: ['--json', join(dir, 'missing.log')] },
    { args: ['--bogus', syslog] },
  ];
  for (const c of cases) {
    const a = installed(c.args, c.input);
    const b = dev(c.args, c.input);
    const what = `analyze ${c.args.join(' ')}`;
    assert.equal(a.code, b.code, `${what}: exit code (stderr ${a.err})`);
    assert.equal(a.out, b.out, `${what}: stdout differs (stale dist/? run npm run build)`);
    assert.equal(a.err, b.err, `${what}: stderr differs`);
  }
  assert.ok(installed(['--json', syslog]).out.includes('"sessions":['));
});

test('installed CLI reading on a worker thread (as on >= 4 cores) = tsx path', async () => {
  // > PARALLEL_MIN_BYTES (8 MiB) of generated syslog, so the reader thread is used when 4 cores are seen.
  const log = join(dir, 'big.log');
  await generateSyslog(log, 90_000, 7, join(ROOT, 'samples', 'syslog'));
  utimesSync(log, MTIME, MTIME);
  // Pretend 4 cores, and record which worker script is started.
  const pre = join(dir, 'four-cores.cjs');
  writeFileSync(
    pre,
    [
      "const os = require('node:os');",
      'os.availableParallelism = () => 4;',
      "const wt = require('node:worker_threads');",
      'const W = wt.Worker;',
      "wt.Worker = class extends W { constructor(f, o) { process.stderr.write('worker: ' + String(f) + '\\n'); super(f, o); } };",
      "require('node:module').syncBuiltinESMExports();",
    ].join('\n'),
  );
  const a = installed(['--json', log], undefined, ['--require', pre]);
  const b = dev(['--json', log]);
  assert.equal(a.code, 0, a.err);
  assert.match(a.err, /worker: file:.*\/dist\/logs\/read\/worker\.js/);
  assert.equal(a.out, b.out);
  assert.ok((JSON.parse(a.out) as { summary: { sessions: number } }).summary.sessions > 10);
});
