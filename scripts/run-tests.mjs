#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's built-in runner through tsx, so CI's summary counts them.
// Node 20's --test does not expand globs or find .ts files itself, hence this list.
// `--no-lab` leaves out test/lab and sets PPTPMON_NO_LAB=1 (lab tests then skip, saying so).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const noLab = args.includes('--no-lab');
const only = args.filter((a) => !a.startsWith('--'));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = (only.length ? only : walk('test')).sort();
if (noLab) files = files.filter((f) => !f.startsWith(join('test', 'lab')));
const env = { ...process.env };
if (noLab) env.PPTPMON_NO_LAB = '1';
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env,
});
process.exit(res.status ?? 1);
