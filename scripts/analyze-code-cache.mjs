#!/usr/bin/env node
// The analyze bundle's V8 code cache (run by scripts/bundle-analyze.mjs under bin/pptpmon.js's V8
// flags, which the cache must be made under):
//   analyze-code-cache.mjs write BUNDLE CACHE  runs `pptpmon analyze --json` on samples/syslog (or an
//                                              empty input) from BUNDLE, then writes CACHE: made after
//                                              the run, it holds the functions compiled lazily during it
//   analyze-code-cache.mjs check BUNDLE CACHE  prints "cached" if bin/analyze-bundle.js would use it
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const require = createRequire(import.meta.url);
const { compile, run } = require('../bin/analyze-bundle.js');
const [mode, bundleArg, cacheArg] = process.argv.slice(2);
if ((mode !== 'write' && mode !== 'check') || bundleArg === undefined || cacheArg === undefined)
  throw new Error('usage: analyze-code-cache.mjs write|check BUNDLE CACHE');
const bundle = resolve(bundleArg);
const cache = resolve(cacheArg);

if (mode === 'check') {
  process.stdout.write(compile(bundle, cache).cached ? 'cached\n' : 'not cached\n');
} else {
  // V8 flags set at run time count in the flag hash V8 checks a cache against: analyze sets
  // --max-optimized-bytecode-size (src/cli/analyze.ts) after the bundle is compiled, so before
  // the cache is made it goes back to its default, the value the next start compiles under.
  const v8opts = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  const dflt = /default: --max-optimized-bytecode-size=(\d+)/.exec(v8opts)?.[1];
  if (dflt === undefined) throw new Error('no default of --max-optimized-bytecode-size in node --v8-options');
  const sample = fileURLToPath(new URL('../samples/syslog', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-cache-'));
  const input = existsSync(sample) ? sample : join(dir, 'empty.log');
  if (input !== sample) writeFileSync(input, '');
  const { script, id } = compile(bundle, cache);
  process.argv = [process.argv[0] ?? 'node', 'pptpmon', 'analyze', '--json', '--tz', 'UTC', input];
  process.on('exit', (code) => {
    rmSync(dir, { recursive: true, force: true });
    if (code !== 0) return;
    setFlagsFromString(`--max-optimized-bytecode-size=${dflt}`);
    writeFileSync(cache, Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()]));
  });
  run(script, bundle);
}
