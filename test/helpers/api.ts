/** The HTTP API of a `pptpmon run` / `pptpmon server` under test, on loopback. */
import { until } from './wait.js';

/** True once GET /healthz answers (no token needed), undefined if not within `ms`. */
export function apiUp(base: string, ms: number): Promise<true | undefined> {
  return until(async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), ms);
}

export interface FiringAlert {
  rule: string;
  severity: string;
  labels: Record<string, string>;
}

/** The firing alert of `rule` from GET /api/v1/alerts, if any; throws when the API does not answer 200. */
export async function firingAlert(
  base: string,
  token: string,
  rule: string,
): Promise<FiringAlert | undefined> {
  const r = await fetch(`${base}/api/v1/alerts`, { headers: { authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`GET /api/v1/alerts: HTTP ${r.status}`);
  return ((await r.json()) as { alerts: FiringAlert[] }).alerts.find((a) => a.rule === rule);
}
