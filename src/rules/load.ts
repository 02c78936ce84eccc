/**
 * Which rules run: the default PPTP pack (unless `rules.defaults: false`) plus every configured rule
 * file, each validated with errors naming the file, the rule and the field. A file rule with the
 * name of a default rule replaces it (that is how an operator retunes a default level).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/index.js';
import { loadDefaultRules } from './defaults.js';
import { parseRulesText, type RuleSpec } from './schema.js';

export interface RulesConfig {
  files: string[];
  defaults: boolean;
}

export async function loadRules(cfg: RulesConfig): Promise<RuleSpec[]> {
  const byName = new Map<string, RuleSpec>();
  if (cfg.defaults) for (const r of loadDefaultRules()) byName.set(r.name, r);
  const problems: string[] = [];
  for (const file of cfg.files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      problems.push(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      continue;
    }
    try {
      for (const r of parseRulesText(text, file)) byName.set(r.name, r);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems.map((p) => `${file}: ${p}`));
    }
  }
  // Every file is checked before giving up, so one run shows every mistake.
  if (problems.length > 0) throw new ConfigError('rules', problems);
  return [...byName.values()];
}
