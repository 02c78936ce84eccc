/**
 * The alerting policy (the `alerts:` part of pptpmon.yaml), validated with zod: timing (group wait,
 * group interval, repeat interval), root-cause inhibition, escalation routes and configured
 * silences / maintenance windows. Built-in inhibitions (defaults.ts) apply unless turned off.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, formatIssues } from '../config/load.js';
import { parseDuration } from '../config/schema.js';
import { parseMatcher, type LabelMatcher } from './matchers.js';
import { CronWindow } from './schedule.js';

const matcher = z.string().transform((s, ctx): LabelMatcher => {
  try {
    return parseMatcher(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/**
 * The config's duration, built here so that config/schema.ts can embed this policy: parseDuration
 * is only called while parsing, so the import cycle config/schema.ts <-> alerts/policy.ts is safe.
 */
const duration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "2m", got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return ms;
});

const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO 8601 time');

export const inhibitRuleSchema = z
  .object({
    /** The root cause: alerts matching these explain... */
    source: z.array(matcher).min(1),
    /** ...the alerts matching these, */
    target: z.array(matcher).min(1),
    /** ...when these labels are equal on both. */
    equal: z.array(z.string()).default(['host']),
  })
  .strict();

const stepSchema = z.object({ receiver: z.string().min(1), after: duration.default(0) }).strict();

export const routeSchema = z
  .object({
    match: z.array(matcher).default([]),
    /** Receivers in order; each is notified `after` the first notification unless acknowledged. */
    chain: z.array(stepSchema).min(1),
  })
  .strict();

const scheduleSchema = z
  .object({ cron: z.string(), timezone: z.string(), duration })
  .strict()
  .superRefine((s, ctx) => {
    try {
      new CronWindow(s.cron, s.timezone, s.duration);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

export const silenceConfigSchema = z
  .object({
    id: z.string().min(1),
    matchers: z.array(matcher).min(1),
    startsAt: isoTime.optional(),
    endsAt: isoTime.optional(),
    schedule: scheduleSchema.optional(),
    comment: z.string().optional(),
    createdBy: z.string().default('config'),
  })
  .strict();

export const alertPolicySchema = z
  .object({
    /** Hold a new alert this long so what it explains (or what explains it) joins one notification. */
    groupWait: duration.default(30_000),
    /** Least time between updates of one group when its members change. */
    groupInterval: duration.default(300_000),
    /** Reminder while firing and not acknowledged. */
    repeatInterval: duration.default(4 * 3_600_000),
    sendResolved: z.boolean().default(true),
    /** Resolved alerts stay visible this long. */
    keepResolved: duration.default(3_600_000),
    /** Base URL of the dashboard for links, e.g. `http://127.0.0.1:9723`. */
    dashboardUrl: z.string().optional(),
    /** Log lines of evidence per alert in a notification. */
    logLines: z.number().int().min(0).max(50).default(5),
    inhibitDefaults: z.boolean().default(true),
    inhibit: z.array(inhibitRuleSchema).default([]),
    routes: z.array(routeSchema).default([]),
    defaultChain: z
      .array(stepSchema)
      .min(1)
      .default([{ receiver: 'default', after: 0 }]),
    silences: z.array(silenceConfigSchema).default([]),
  })
  .strict();

export type AlertPolicy = z.infer<typeof alertPolicySchema>;
export type InhibitRule = z.infer<typeof inhibitRuleSchema>;
export type Route = z.infer<typeof routeSchema>;
export type EscalationStep = z.infer<typeof stepSchema>;

export function parseAlertPolicy(value: unknown, where = 'alerts'): AlertPolicy {
  const res = alertPolicySchema.safeParse(value ?? {});
  if (!res.success) throw new ConfigError(where, formatIssues(res.error.issues));
  return res.data;
}

export function parseAlertPolicyText(text: string, where = 'alerts'): AlertPolicy {
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new ConfigError(
      where,
      doc.errors.map((e) => e.message.split('\n')[0] ?? 'yaml'),
    );
  return parseAlertPolicy(doc.toJS(), where);
}
