/**
 * Versioned schema migrations, shared shape for both drivers (schema.ts).
 * Each runs once, in a transaction with its row in `schema_migrations`.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Refuses a database that a newer pptpmon migrated: this version cannot know what changed. */
export function assertNotNewer(applied: Iterable<number>, known: readonly Migration[]): void {
  const newest = Math.max(0, ...applied);
  const latest = known.at(-1)?.version ?? 0;
  if (newest > latest) {
    throw new Error(
      `store: the database is at schema version ${newest}, newer than this pptpmon knows (${latest}); upgrade pptpmon`,
    );
  }
}
