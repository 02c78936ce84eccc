/**
 * The alerting part of the API: active alerts with their root-cause grouping, acknowledgements and
 * silences. Bodies are validated with zod and a bad one is a 400 naming the field; every change goes
 * through the alerting persistence (store + audit entry + live manager), like `pptpmon alerts`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  AdminError,
  alertHistory,
  buildSilence,
  formatMatcher,
  historyQuerySchema,
  type Alert,
  type Alerting,
} from '../alerts/index.js';
import { parseAdminDuration } from '../alerts/admin.js';
import type { Store, StoredSilence } from '../store/index.js';

export interface AlertsApiOptions {
  alerting: Alerting;
  store: Store;
  now?: () => number;
}

const ackBody = z
  .object({
    by: z.string().trim().min(1, 'who acknowledges must be named').max(200),
    comment: z.string().max(2000).optional(),
    /** How long the ack holds (`2h`); absent: until the alert resolves. */
    for: z.string().max(50).optional(),
  })
  .strict();

const silenceBody = z
  .object({
    matchers: z.array(z.string().min(1).max(1000)).min(1, 'at least one matcher is needed').max(50),
    by: z.string().trim().min(1, 'who is silencing must be named').max(200),
    comment: z.string().max(2000).optional(),
    startsAt: z.string().max(64).optional(),
    duration: z.string().max(50).optional(),
    endsAt: z.string().max(64).optional(),
    cron: z.string().max(200).optional(),
    timezone: z.string().max(100).optional(),
    windowDuration: z.string().max(50).optional(),
  })
  .strict();

const expireQuery = z.object({ by: z.string().trim().min(1).max(200).default('api') });

function bad(reply: FastifyReply, error: z.ZodError, part: 'body' | 'query' = 'body'): FastifyReply {
  const i = error.issues[0];
  // An unknown key has no path of its own: name the key.
  const where =
    i === undefined ? '' : i.path.length > 0 ? i.path.join('.') : 'keys' in i ? i.keys.join(',') : '';
  return reply.code(400).send({ error: `${part}.${where}: ${i?.message ?? 'invalid'}` });
}

function view(a: Alert, all: readonly Alert[], acked: boolean) {
  const explains = all.filter((x) => x.explainedBy === a.fingerprint && x.status === 'firing');
  return {
    fingerprint: a.fingerprint,
    rule: a.rule,
    status: a.status,
    severity: a.severity,
    labels: a.labels,
    summary: a.summary,
    startsAt: new Date(a.startsAtMs).toISOString(),
    updatedAt: new Date(a.updatedAtMs).toISOString(),
    ...(a.value !== undefined ? { value: a.value } : {}),
    silencedBy: a.silencedBy,
    acknowledged: acked,
    root: a.explainedBy === undefined,
    ...(a.explainedBy !== undefined ? { explainedBy: a.explainedBy } : {}),
    explains: explains.map((x) => ({ fingerprint: x.fingerprint, rule: x.rule, summary: x.summary })),
  };
}

const silenceView = (s: StoredSilence) => ({ ...s, matchers: s.matchers.map(formatMatcher) });

export function registerAlertRoutes(
  app: FastifyInstance,
  opts: AlertsApiOptions,
  requireToken: (req: FastifyRequest) => Promise<void>,
): void {
  const now = opts.now ?? Date.now;
  const persistence = opts.alerting.persistence;
  if (persistence === undefined) throw new Error('the alerts API needs alerting with a store');
  const am = opts.alerting.manager;

  app.get('/api/v1/alerts', { preHandler: requireToken }, async () => {
    const t = now();
    const all = am.list();
    const firing = all.filter((a) => a.status === 'firing');
    // Roots first (what to look at), then what they explain; acks live on the root.
    firing.sort((a, b) => Number(a.explainedBy !== undefined) - Number(b.explainedBy !== undefined));
    return {
      alerts: firing.map((a) => view(a, all, am.isAcked(a.explainedBy ?? a.fingerprint, t))),
    };
  });

  // Resolved episodes from the store (the live list above holds only firing ones), newest first.
  app.get('/api/v1/alerts/history', { preHandler: requireToken }, async (req, reply) => {
    const parsed = historyQuerySchema(now()).safeParse(req.query ?? {});
    if (!parsed.success) return bad(reply, parsed.error, 'query');
    return { alerts: await alertHistory(opts.store, parsed.data) };
  });

  app.post<{ Params: { fingerprint: string } }>(
    '/api/v1/alerts/:fingerprint/ack',
    { preHandler: requireToken },
    async (req, reply) => {
      const parsed = ackBody.safeParse(req.body ?? {});
      if (!parsed.success) return bad(reply, parsed.error);
      const t = now();
      let untilMs: number | undefined;
      try {
        if (parsed.data.for !== undefined) untilMs = t + parseAdminDuration('for', parsed.data.for);
      } catch (err) {
        return reply.code(400).send({ error: `body.${(err as Error).message}` });
      }
      const fp = req.params.fingerprint;
      const ok = await persistence.acknowledge(fp, parsed.data.by, t, {
        ...(untilMs !== undefined ? { untilMs } : {}),
        ...(parsed.data.comment !== undefined ? { comment: parsed.data.comment } : {}),
      });
      if (!ok) return reply.code(404).send({ error: `no firing alert with fingerprint ${fp}` });
      return { acknowledged: fp, by: parsed.data.by };
    },
  );

  app.get('/api/v1/silences', { preHandler: requireToken }, async () => ({
    silences: (await opts.store.silences(new Date(now()).toISOString())).map(silenceView),
  }));

  app.post('/api/v1/silences', { preHandler: requireToken }, async (req, reply) => {
    const parsed = silenceBody.safeParse(req.body);
    if (!parsed.success) return bad(reply, parsed.error);
    const t = now();
    try {
      const stored = await persistence.addSilence(buildSilence(parsed.data, t), t);
      return reply.code(201).send(silenceView(stored));
    } catch (err) {
      if (err instanceof AdminError) return reply.code(400).send({ error: `body.${err.message}` });
      throw err;
    }
  });

  app.delete<{ Params: { id: string }; Querystring: unknown }>(
    '/api/v1/silences/:id',
    { preHandler: requireToken },
    async (req, reply) => {
      const q = expireQuery.safeParse(req.query ?? {});
      if (!q.success) return reply.code(400).send({ error: `query.by: ${q.error.issues[0]?.message}` });
      const ok = await persistence.expireSilence(req.params.id, q.data.by, now());
      if (!ok) return reply.code(404).send({ error: `no active silence ${req.params.id}` });
      return { expired: req.params.id };
    },
  );
}
