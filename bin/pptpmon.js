#!/usr/bin/env -S node --max-semi-space-size=4 --v8-pool-size=1
'use strict';
// Entry point installed as `pptpmon`: runs the compiled CLI (built by `npm run build` / npm's prepare).
// A 4 MB young generation keeps peak RSS of long analyses and of the agent low (10M-line analyze:
// ~165 MB -> ~130 MB measured). One V8 worker thread instead of Node's default four: on a 2-core VPN
// host the four (concurrent compiles, parallel GC tasks) took the core the main thread runs on;
// 1M-line analyze 414 -> 347 ms at best, 445 -> 371 ms median (20 runs in turns), and less CPU.
// Both must be given at start-up, hence the shebang.
// CommonJS (bin/package.json), not an ES module: `analyze` then never loads Node's ESM loader.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// `analyze` runs from one bundled script (scripts/bundle-analyze.mjs, part of the build): ~25 ms less
// start-up than loading the ~50 modules of dist/cli/main.js; compiled from its V8 code cache
// (bin/analyze-bundle.js) with no ESM loader, ~20 ms less again (analyze of an empty file). Same
// code, same output (tested).
const bundle = join(__dirname, '..', 'dist', 'cli', 'analyze.bundle.js');
if (process.argv[2] === 'analyze' && existsSync(bundle)) {
  const { compile, run } = require('./analyze-bundle.js');
  run(compile(bundle, `${bundle}.v8cache`).script, bundle);
} else {
  // A failed import is an unhandled rejection: printed, exit code 1 (as from an ES module entry).
  import('../dist/cli/main.js');
}
