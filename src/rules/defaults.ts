/** The default PPTP rule pack (defaults.yaml beside this file), loaded and validated like any rule file. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRulesText, type RuleSpec } from './schema.js';

/**
 * Beside this module when run from source (tsx); the compiled copy in dist/ has no YAML next to it
 * (tsc copies no data files), so it reads the one in the package's src/rules/.
 */
const CANDIDATES = [
  new URL('./defaults.yaml', import.meta.url),
  new URL('../../src/rules/defaults.yaml', import.meta.url),
];

export function defaultRulesPath(): string {
  for (const u of CANDIDATES) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  return fileURLToPath(CANDIDATES[0] ?? new URL('./defaults.yaml', import.meta.url));
}

export function loadDefaultRules(): RuleSpec[] {
  return parseRulesText(readFileSync(defaultRulesPath(), 'utf8'), 'rules/defaults.yaml');
}
