#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point installed as `pptpmon`: runs the compiled CLI (built by `npm run build` / npm's prepare).
// A 4 MB young generation keeps peak RSS of long analyses and of the agent low (10M-line analyze:
// ~165 MB -> ~130 MB measured); the flag must be given at start-up, hence the shebang.
import { existsSync } from 'node:fs';
// `analyze` runs from one bundled module (scripts/bundle-analyze.mjs, part of the build): ~25 ms less
// start-up than loading the ~50 modules of dist/cli/main.js; same code, same output (tested).
const bundled =
  process.argv[2] === 'analyze' && existsSync(new URL('../dist/cli/analyze.bundle.js', import.meta.url));
await import(bundled ? '../dist/cli/analyze.bundle.js' : '../dist/cli/main.js');
