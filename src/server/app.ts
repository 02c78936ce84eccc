/**
 * The receiving HTTP API (fastify): agents POST batches to /api/v1/ingest with a bearer token; bodies
 * are validated with zod event by event, so one bad event is rejected by name (`events[3].ts: ...`)
 * while the rest of the batch is stored — an agent must never retry a poison batch forever. Also
 * /metrics (Prometheus), /api/v1/sessions (live sessions), the alerts API and /healthz; the token guards
 * everything but /healthz. The dashboard is a later issue.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EVENT_KINDS, type Event } from '../events/index.js';
import type { Session } from '../logs/session.js';
import type { InsertReport } from '../store/types.js';
import type { Metrics } from './metrics.js';
import { registerAlertRoutes, type AlertsApiOptions } from './alerts-api.js';
import { tokenMatches } from './token.js';
import { sessionsPerUser } from '../collectors/per-user.js';

export { tokenMatches } from './token.js';

const isoTs = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s), 'expected an ISO 8601 time');

export const eventSchema = z.object({
  kind: z.enum(EVENT_KINDS),
  ts: isoTs,
  host: z.string().min(1).max(255),
  severity: z.enum(['info', 'warning', 'critical']),
  attrs: z.record(z.string(), z.unknown()),
  id: z.string().max(1000).optional(),
  session: z.string().max(200).optional(),
  user: z.string().max(256).optional(),
  peer: z.string().max(256).optional(),
  source: z
    .object({
      file: z.string().optional(),
      line: z.number().optional(),
      probe: z.string().optional(),
      collector: z.string().optional(),
    })
    .optional(),
  raw: z.string().max(65536).optional(),
});

const sessionSchema = z
  .object({
    id: z.string().min(1),
    host: z.string().min(1),
    role: z.enum(['server', 'client']),
    transport: z.string(),
    evidence: z.array(z.string()),
    eventIds: z.array(z.string()),
  })
  .passthrough();

const bodySchema = z.object({
  host: z.string().min(1).max(255),
  events: z.array(z.unknown()).max(100_000),
  sessions: z.array(z.unknown()).max(100_000).default([]),
});

/** What the server stores into: the Store, or anything with the same two methods (tests, `run`). */
export interface IngestTarget {
  insertEventsReport(events: readonly Event[]): Promise<InsertReport>;
  upsertSessions(sessions: readonly Session[]): Promise<void>;
}

export interface ServerOptions {
  token: string;
  /** Absent: no ingest route (the agent's own /metrics endpoint). */
  target?: IngestTarget;
  metrics?: Metrics;
  /** Live sessions for the API (the local sessions collector in `run` and `agent`). */
  liveSessions?: () => readonly { user?: string }[];
  bodyLimitBytes?: number;
  https?: { key: Buffer; cert: Buffer };
  /**
   * Called with the events this request newly stored (the rules engine's bus in `run`/`server`): a
   * batch re-sent after a lost ack is stored once by the store's dedup and must count once, also
   * after a server restart, so the store (not a memory of ids) decides.
   */
  onEvents?: (events: Event[]) => void;
  /** Alerting with its store: /api/v1/alerts and /api/v1/silences (alerts-api.ts). */
  alerts?: AlertsApiOptions;
}

export function buildServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimitBytes ?? 32 << 20,
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;

  const requireToken = async (req: FastifyRequest): Promise<void> => {
    if (!tokenMatches(req.headers.authorization, opts.token)) {
      const err = new Error('missing or wrong bearer token') as Error & { statusCode: number };
      err.statusCode = 401;
      throw err;
    }
  };

  app.get('/healthz', async () => ({ ok: true }));

  // The token guards /metrics too: its labels name hosts and rules (Prometheus: `authorization:` in the scrape config).
  app.get('/metrics', { preHandler: requireToken }, async (_req, reply) => {
    if (!opts.metrics) return reply.code(404).send('no metrics');
    return reply.type(opts.metrics.contentType).send(await opts.metrics.text());
  });

  app.get('/api/v1/sessions', { preHandler: requireToken }, async () => {
    const sessions = opts.liveSessions?.() ?? [];
    return { sessions, perUser: sessionsPerUser(sessions) };
  });

  if (opts.alerts) registerAlertRoutes(app, opts.alerts, requireToken);

  const target = opts.target;
  if (!target) return app;
  app.post('/api/v1/ingest', { preHandler: requireToken }, async (req, reply) => {
    const parsed = bodySchema.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      return reply.code(400).send({ error: `body.${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}` });
    }
    const events: Event[] = [];
    const rejected: Array<{ index: number; error: string }> = [];
    parsed.data.events.forEach((raw, index) => {
      const r = eventSchema.safeParse(raw);
      if (r.success) events.push(r.data as unknown as Event);
      else {
        const i = r.error.issues[0];
        rejected.push({
          index,
          error: `events[${index}].${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`,
        });
      }
    });
    const sessions: Session[] = [];
    parsed.data.sessions.forEach((raw, index) => {
      const r = sessionSchema.safeParse(raw);
      if (r.success) sessions.push(r.data as unknown as Session);
      else rejected.push({ index, error: `sessions[${index}]: ${r.error.issues[0]?.message ?? 'invalid'}` });
    });
    const report = events.length ? await target.insertEventsReport(events) : undefined;
    const fresh = report ? events.filter((_, i) => report.fresh[i]) : [];
    if (sessions.length) await target.upsertSessions(sessions);
    opts.metrics?.observe(fresh);
    if (fresh.length) opts.onEvents?.(fresh);
    return { accepted: events.length + sessions.length, rejected };
  });

  return app;
}
