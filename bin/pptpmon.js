#!/usr/bin/env node
// Entry point installed as `pptpmon`: runs the compiled CLI (built by `npm run build` / npm's prepare).
import '../dist/cli/main.js';
