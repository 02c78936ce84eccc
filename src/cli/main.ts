/**
 * Process entry: `bin/pptpmon.js` runs the compiled copy; tests and development run this file through
 * tsx (`node --import tsx src/cli/main.ts ...`).
 */
import { main } from './index.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pptpmon: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
