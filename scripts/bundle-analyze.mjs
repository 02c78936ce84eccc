#!/usr/bin/env node
// Build step (npm run build / prepare, after tsc): dist/cli/analyze.bundle.js, the CLI with the
// `analyze` command and everything it loads (commander, src/logs) in one ES module. bin/pptpmon.js
// runs `pptpmon analyze` from it: resolving and loading ~50 separate modules cost ~25-30 ms of a
// ~0.1 s start-up (measured on `analyze` of an empty file). The other commands stay external: they
// are imported from dist/cli/ as before (bin/pptpmon.js runs them from dist/cli/main.js anyway).
// esbuild is a devDependency (also tsx's); installed without it (--omit=dev) the bundle is skipped and
// bin falls back.
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli');
const OUT = join(CLI, 'analyze.bundle.js');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  rmSync(OUT, { force: true });
  process.stderr.write(
    'bundle-analyze: esbuild not installed; `pptpmon analyze` runs from dist/cli/main.js\n',
  );
  process.exit(0);
}
if (!existsSync(join(CLI, 'main.js'))) throw new Error('dist/cli/main.js missing: run tsc first');

await esbuild.build({
  entryPoints: [join(CLI, 'main.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // commander is CommonJS: its require() of node builtins needs a real require in an ES module.
  banner: {
    js: "import { createRequire as __pptpmonRequire } from 'node:module';\nconst require = __pptpmonRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'other-commands-external',
      setup(b) {
        // The command modules other than analyze (index.ts's lazy registry) stay separate files.
        b.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (a) => {
          if (
            resolve(a.resolveDir, a.path) === join(CLI, a.path.slice(2)) &&
            a.path !== './index.js' &&
            a.path !== './analyze.js'
          )
            return { path: a.path, external: true };
          return undefined;
        });
      },
    },
  ],
});
