/**
 * Loading pptpmon.yaml: YAML syntax errors and schema errors both come back as ConfigError with every
 * problem on its own line, located by path (`rules[3].for: expected a duration ...`).
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { ConfigError } from './error.js';

export { ConfigError } from './error.js';

/** `["rules", 3, "for"]` -> `rules[3].for` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

export function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string[] {
  return issues.map((i) => {
    // zod reports an unknown key at the parent; name the key itself so the operator can find it.
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => `${formatPath([...i.path, k])}: unknown setting`).join('\n  ');
    }
    return `${formatPath(i.path)}: ${i.message}`;
  });
}

/** Validates an already-parsed value (e.g. from YAML) against the schema. */
export function parseConfig(value: unknown, where = 'config'): Config {
  const res = configSchema.safeParse(value ?? {});
  if (!res.success) throw new ConfigError(where, formatIssues(res.error.issues));
  return res.data;
}

export function parseConfigText(text: string, where = 'config'): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      where,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}, column ${pos.col}` : 'yaml'}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  return parseConfig(doc.toJS(), where);
}

export async function loadConfig(file: string | undefined): Promise<Config> {
  if (file === undefined) return parseConfig({}, 'defaults');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseConfigText(text, file);
}
