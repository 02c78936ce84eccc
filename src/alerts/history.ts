/**
 * Resolved-alert history from the store, for `GET /api/v1/alerts/history` and `pptpmon alerts
 * --history`: each episode with its start and end, whether it was a root or explained by another
 * alert (as recorded when it resolved), and who acknowledged it during the episode. An ack of an
 * explained alert is stored on its root (manager.ts), so the root's acks during the episode count too.
 */
import { z } from 'zod';
import { parseDuration } from '../config/schema.js';
import type { Severity } from '../events/index.js';
import type { Store, StoredAck } from '../store/index.js';

export interface HistoryQuery {
  /** Episodes that ended at or after this time (ms). */
  sinceMs: number;
  /** ... and started before this time (ms). */
  untilMs: number;
  /** Newest first (by start); at most this many. */
  limit: number;
}

export interface HistoryAck {
  by: string;
  ts: string;
  comment?: string;
}

export interface HistoryEntry {
  fingerprint: string;
  rule: string;
  severity: Severity;
  labels: Record<string, string>;
  summary: string;
  startsAt: string;
  endsAt: string;
  durationSeconds: number;
  root: boolean;
  explainedBy?: string;
  acknowledgedBy: HistoryAck[];
}

export const HISTORY_DEFAULT_SINCE = '24h';
export const HISTORY_MAX_LIMIT = 1000;

/** Durations (`24h`, `7d`) back from now, or an ISO 8601 time. */
function timeOrAgo(text: string, nowMs: number): number | undefined {
  const d = parseDuration(text);
  if (d !== undefined && d > 0) return nowMs - d;
  const t = /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

/**
 * The query as the API and the CLI take it (strings), validated; an error names the field. `since`:
 * a duration back from now or an ISO time (default 24h); `until`: the same (default now); `limit`:
 * 1..1000 (default 100).
 */
export function historyQuerySchema(nowMs: number) {
  const when = (field: string) =>
    z
      .string()
      .max(64)
      .transform((s, ctx) => {
        const t = timeOrAgo(s.trim(), nowMs);
        if (t === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a duration like "24h" or an ISO 8601 time, got ${JSON.stringify(s)} (${field})`,
          });
          return z.NEVER;
        }
        return t;
      });
  return z
    .object({
      since: when('since').optional(),
      until: when('until').optional(),
      limit: z.coerce.number().int().min(1).max(HISTORY_MAX_LIMIT).default(100),
    })
    .strict()
    .transform((q): HistoryQuery => ({
      sinceMs: q.since ?? nowMs - (parseDuration(HISTORY_DEFAULT_SINCE) ?? 86_400_000),
      untilMs: q.until ?? nowMs,
      limit: q.limit,
    }))
    .refine((q) => q.sinceMs < q.untilMs, { message: 'since must be before until', path: ['since'] });
}

/** Resolved episodes in the range, newest first, with their acknowledgements. */
export async function alertHistory(store: Store, q: HistoryQuery): Promise<HistoryEntry[]> {
  const alerts = await store.queryAlerts({
    status: 'resolved',
    from: new Date(q.sinceMs).toISOString(),
    to: new Date(q.untilMs).toISOString(),
    limit: q.limit,
    order: 'desc',
  });
  const fps = new Set<string>();
  for (const a of alerts) {
    fps.add(a.fingerprint);
    if (a.annotations.explainedBy !== undefined) fps.add(a.annotations.explainedBy);
  }
  const acks = new Map<string, StoredAck[]>();
  await Promise.all([...fps].map(async (fp) => acks.set(fp, await store.acks(fp))));
  return alerts.map((a) => {
    const startMs = Date.parse(a.startsAt);
    const endsAt = a.endsAt ?? a.updatedAt;
    const endMs = Date.parse(endsAt);
    const explainedBy = a.annotations.explainedBy;
    const during = [
      ...(acks.get(a.fingerprint) ?? []),
      ...(explainedBy !== undefined ? (acks.get(explainedBy) ?? []) : []),
    ]
      .filter((k) => {
        const t = Date.parse(k.ts);
        return t >= startMs && t <= endMs;
      })
      .sort((x, y) => x.ts.localeCompare(y.ts))
      .map((k): HistoryAck => ({
        by: k.by,
        ts: k.ts,
        ...(k.comment !== undefined ? { comment: k.comment } : {}),
      }));
    const e: HistoryEntry = {
      fingerprint: a.fingerprint,
      rule: a.rule,
      severity: a.severity,
      labels: a.labels,
      summary: a.annotations.summary ?? a.rule,
      startsAt: a.startsAt,
      endsAt,
      durationSeconds: Math.max(0, Math.round((endMs - startMs) / 1000)),
      root: explainedBy === undefined,
      acknowledgedBy: during,
    };
    if (explainedBy !== undefined) e.explainedBy = explainedBy;
    return e;
  });
}
