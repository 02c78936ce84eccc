#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point installed as `pptpmon`: runs the compiled CLI (built by `npm run build` / npm's prepare).
// A 4 MB young generation keeps peak RSS of long analyses and of the agent low (10M-line analyze:
// ~165 MB -> ~130 MB measured); the flag must be given at start-up, hence the shebang.
import '../dist/cli/main.js';
