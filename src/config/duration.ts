/**
 * Durations as operators write them: "250ms", "30s", "2m", "1h", "7d". Kept apart from the schema so
 * hot, short-lived commands (`analyze --since 2h`) can parse one without loading zod and every section.
 */
export const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  return Math.round(Number(m[1]) * (UNIT_MS[m[2]] ?? NaN));
}
