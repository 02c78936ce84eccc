#!/usr/bin/env node
// Entry point installed as `pptpmon`: runs the compiled CLI (built by `npm run build` / npm's prepare).
import { main } from '../dist/cli/index.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`pptpmon: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
