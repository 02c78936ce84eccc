#!/usr/bin/env node
// Build step (npm run build / prepare, after tsc): dist/cli/analyze.bundle.js, the CLI with the
// `analyze` command and everything it loads (commander, src/logs) in one script, and its V8 code
// cache dist/cli/analyze.bundle.js.v8cache. bin/pptpmon.js runs `pptpmon analyze` from them
// (bin/analyze-bundle.js): resolving and loading ~50 separate modules cost ~25-30 ms of a ~0.1 s
// start-up, compiling the bundle from source ~10 ms more (measured on `analyze` of an empty file).
// The other commands stay external: they are imported from dist/cli/ as before (bin/pptpmon.js runs
// them from dist/cli/main.js anyway).
// The bundle is CommonJS-style, not an ES module (V8 caches code of scripts, not of modules), under
// the name analyze.bundle.js all the same: src/logs/read/parallel.ts finds the reader thread's
// worker.js from import.meta.url when that URL ends in /analyze.bundle.js.
// esbuild is a devDependency (also tsx's); installed without it (--omit=dev) the bundle is skipped and
// bin falls back.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli');
const OUT = join(CLI, 'analyze.bundle.js');
const CACHE = `${OUT}.v8cache`;

// Never a bundle and a cache from different builds, nor a bundle left from an older build.
rmSync(CACHE, { force: true });
rmSync(OUT, { force: true });

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write(
    'bundle-analyze: esbuild not installed; `pptpmon analyze` runs from dist/cli/main.js\n',
  );
  process.exit(0);
}
if (!existsSync(join(CLI, 'main.js'))) throw new Error('dist/cli/main.js missing: run tsc first');

const built = await esbuild.build({
  entryPoints: [join(CLI, 'main.js')],
  outfile: OUT,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // import() becomes require(): a vm.Script's import() needs a loader callback (the gunzip path
  // imports node:zlib on use).
  supported: { 'dynamic-import': false },
  // The bundle's own URL (parallel.ts, index.ts's package.json). import.meta.resolve is only on the
  // tsx path of parallel.ts, never taken in the bundle.
  define: {
    'import.meta.url': '__pptpmonImportMetaUrl',
    'import.meta.resolve': '__pptpmonImportMetaResolve',
  },
  banner: {
    // Strict as the ES modules it is made of were ("use strict" counts only before any statement).
    js: [
      '"use strict";',
      "const __pptpmonImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
      "const __pptpmonImportMetaResolve = () => { throw new Error('import.meta.resolve: not in the analyze bundle'); };",
    ].join('\n'),
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
const code = built.outputFiles[0]?.text;
if (code === undefined) throw new Error('esbuild wrote no output');
// The first line names this build; the code cache is only used with the bundle of the same name.
const id = createHash('sha256').update(code).digest('hex').slice(0, 16);
writeFileSync(OUT, `// pptpmon-analyze-bundle ${id} (not an ES module: see bin/analyze-bundle.js)\n${code}`);

// The code cache: written by a warm-up run under bin/pptpmon.js's V8 flags (V8 refuses a cache
// made under other flags), then checked. No cache is not an error: analyze compiles from source.
const shebang = readFileSync(join(ROOT, 'bin', 'pptpmon.js'), 'utf8');
const flags = (shebang.split('\n')[0] ?? '').split(' ').filter((w) => w.startsWith('--'));
const writer = join(ROOT, 'scripts', 'analyze-code-cache.mjs');
const made = spawnSync(process.execPath, [...flags, writer, 'write', OUT, CACHE], {
  cwd: ROOT,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const check = spawnSync(process.execPath, [...flags, writer, 'check', OUT, CACHE], {
  cwd: ROOT,
  encoding: 'utf8',
});
if (made.status !== 0 || check.stdout !== 'cached\n') {
  rmSync(CACHE, { force: true });
  process.stderr.write(
    `bundle-analyze: no V8 code cache for the analyze bundle (${made.status !== 0 ? `warm-up run exited ${made.status}` : `check said ${JSON.stringify(check.stdout + check.stderr)}`}); analyze compiles it at each start\n`,
  );
}
