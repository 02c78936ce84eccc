/**
 * Live sessions per user, for the sessions API (issue 5: "a session count per user"). Users stay out of
 * /metrics labels (EVENTS.md: cardinality); per-user figures are served by the API and kept in the store.
 * Sessions whose user the log has not told (pppd without debug, no logwtmp) are counted apart.
 */
export interface PerUser {
  /** Live sessions by user name, names sorted. */
  users: Record<string, number>;
  /** Live sessions whose user is not known. */
  unknown: number;
}

export function sessionsPerUser(live: readonly { user?: string }[]): PerUser {
  const counts = new Map<string, number>();
  let unknown = 0;
  for (const s of live) {
    if (s.user === undefined || s.user === '') unknown++;
    else counts.set(s.user, (counts.get(s.user) ?? 0) + 1);
  }
  const users: Record<string, number> = {};
  for (const name of [...counts.keys()].sort()) users[name] = counts.get(name) ?? 0;
  return { users, unknown };
}
