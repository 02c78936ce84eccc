'use strict';
// Runs dist/cli/analyze.bundle.js (scripts/bundle-analyze.mjs) with V8's code cache for it: compiled
// from the cache, the bundle costs ~10 ms less start-up than compiled from source (commander and the
// analysis functions come as bytecode; measured on `analyze` of an empty file). The bundle is a
// CommonJS-style script (not an ES module: vm.Script has no code cache for modules), compiled here in
// Node's module wrapper. The cache is written at build time after a warm-up run
// (scripts/analyze-code-cache.mjs) and is only an optimisation: missing, written for another bundle,
// or refused by V8 (another node, other V8 flags), the bundle is compiled from source as usual.
// CommonJS (bin/package.json): an ES module entry would load Node's ESM loader (~5 ms).
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');

// The bundle's first line names it: `// pptpmon-analyze-bundle <16 hex digits>\n`; the cache file is
// those 16 digits, then V8's data. V8 checks its version and flags, but of the source only its length.
const ID_AT = '// pptpmon-analyze-bundle '.length;
const ID_LEN = 16;

/** @returns {{ script: import('node:vm').Script, cached: boolean }} */
function compile(bundleFile, cacheFile) {
  const src = readFileSync(bundleFile, 'utf8');
  const id = src.slice(ID_AT, ID_AT + ID_LEN);
  let cachedData;
  try {
    const c = readFileSync(cacheFile);
    if (c.length > ID_LEN && c.toString('latin1', 0, ID_LEN) === id) cachedData = c.subarray(ID_LEN);
  } catch {
    // No cache: compile from source.
  }
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) { ${src}\n})`,
    cachedData !== undefined ? { filename: bundleFile, cachedData } : { filename: bundleFile },
  );
  return { script, id, cached: cachedData !== undefined && script.cachedDataRejected !== true };
}

function run(script, bundleFile) {
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundleFile), module, bundleFile, dirname(bundleFile));
}

module.exports = { compile, run, ID_LEN };
