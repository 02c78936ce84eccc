/** Bounded polling for tests that watch another process. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Calls `fn` every 250 ms until it returns a value (a throw counts as not yet), or `ms` have passed. */
export async function until<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(250);
  }
  return undefined;
}
