/** The default PPTP rule pack (defaults.yaml beside this file), loaded and validated like any rule file. */
import { readFileSync } from 'node:fs';
import { parseRulesText, type RuleSpec } from './schema.js';

export const DEFAULT_RULES_URL = new URL('./defaults.yaml', import.meta.url);

export function loadDefaultRules(): RuleSpec[] {
  return parseRulesText(readFileSync(DEFAULT_RULES_URL, 'utf8'), 'rules/defaults.yaml');
}
