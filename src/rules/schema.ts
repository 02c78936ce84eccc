/**
 * The rule language (YAML), validated at load with zod. Errors name the rule and the field:
 * `rules[3].for: expected a duration like "2m", got "2 minutes" (rule "auth-fail-per-peer")`.
 * One `type` per rule shape; see defaults.yaml for every shape in use.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, duration, formatIssues } from '../config/index.js';
import { expandKinds } from './select.js';
import { isTimeZone } from './zone.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const kindPattern = z.string().refine((k) => expandKinds(k) !== undefined, {
  error: (iss) =>
    `unknown event kind ${JSON.stringify(iss.input)} (see EVENTS.md; use "layer.*" for a layer)`,
});

export const matchSchema = z
  .object({
    kind: z.union([kindPattern, z.array(kindPattern).min(1)]),
    where: z.record(z.string(), z.union([scalar, z.array(scalar)])).optional(),
  })
  .strict();

/** Derived metrics the engine keeps itself (from session start/end events). */
export const DERIVED_METRICS = ['sessions.active'] as const;

const base = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "-", "_" or "."'),
  description: z.string().optional(),
  /** `{{label}}` and `{{value}}` are filled in. */
  summary: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  /** Every alert instance is per distinct value of these fields. */
  groupBy: z.array(z.string()).default(['host']),
  for: duration.default(0),
  enabled: z.boolean().default(true),
};

const severity = z.enum(['warning', 'critical']);
const levels = {
  warning: z.number().optional(),
  critical: z.number().optional(),
};
function hasLevel(r: { warning?: number; critical?: number }): boolean {
  return r.warning !== undefined || r.critical !== undefined;
}
const levelIssue = { error: 'set "warning", "critical" or both', path: ['warning'] };

const thresholdRule = z
  .object({
    ...base,
    type: z.literal('threshold'),
    match: matchSchema.optional(),
    /** Field holding the number, e.g. `attrs.cpuPct`. */
    value: z.string().optional(),
    metric: z.enum(DERIVED_METRICS).optional(),
    op: z.enum(['>', '>=', '<', '<=']).default('>'),
    /** `increase`: the rise of a counter since the previous sample of the same group. */
    mode: z.enum(['value', 'increase']).default('value'),
    ...levels,
  })
  .strict()
  .refine(hasLevel, levelIssue)
  .refine((r) => (r.metric !== undefined) !== (r.match !== undefined && r.value !== undefined), {
    error: 'set either "metric" or both "match" and "value"',
    path: ['value'],
  });

const rateRule = z
  .object({ ...base, type: z.literal('rate'), match: matchSchema, window: duration, ...levels })
  .strict()
  .refine(hasLevel, levelIssue)
  .refine((r) => r.window >= 1000, { error: 'window must be at least 1s', path: ['window'] });

const absenceRule = z
  .object({
    ...base,
    type: z.literal('absence'),
    /** The event whose absence is alerted on. */
    match: matchSchema,
    /** Events that make a group known (default: any event of the match kinds). */
    scope: matchSchema.optional(),
    for: duration.refine((ms) => ms > 0, 'absence needs a "for" greater than 0'),
    severity: severity.default('critical'),
  })
  .strict();

const stateRule = z
  .object({
    ...base,
    type: z.literal('state'),
    down: matchSchema,
    up: matchSchema.optional(),
    /** Quorum over a field (e.g. `attrs.vantage`): all down -> severity, some -> partialSeverity. */
    across: z.string().optional(),
    severity: severity.default('critical'),
    partialSeverity: severity.default('warning'),
    /** For one-shot events (config change): resolve this long after the last `down` event. */
    clearAfter: duration.optional(),
  })
  .strict()
  .refine((r) => r.up !== undefined || r.clearAfter !== undefined, {
    error: 'set "up" (what clears it) or "clearAfter"',
    path: ['up'],
  });

const baselineRule = z
  .object({
    ...base,
    type: z.literal('baseline'),
    metric: z.enum(DERIVED_METRICS).default('sessions.active'),
    sigma: z.number().positive().default(3),
    direction: z.enum(['both', 'drop', 'spike']).default('both'),
    days: z.number().int().min(1).max(60).default(7),
    /** Minimum-data rule: fewer same-hour samples than this and the rule stays silent. */
    minDays: z.number().int().min(2).default(5),
    /** Deviations smaller than this never alert (a flat history has a sigma near 0). */
    minDelta: z.number().min(0).default(5),
    severity: severity.default('warning'),
    /** IANA zone whose wall-clock hours are compared (default UTC). */
    timezone: z
      .string()
      .refine(isTimeZone, {
        error: (iss) =>
          `unknown time zone ${JSON.stringify(iss.input)} (use an IANA name like "Europe/Berlin")`,
      })
      .optional(),
  })
  .strict()
  .refine((r) => r.minDays <= r.days, { error: 'minDays cannot exceed days', path: ['minDays'] });

const userLimitRule = z
  .object({
    ...base,
    type: z.literal('user_limit'),
    /** More concurrent sessions than this per user -> warning (critical above criticalConcurrent). */
    maxConcurrent: z.number().int().min(1).optional(),
    criticalConcurrent: z.number().int().min(1).optional(),
    /** A session open longer than this. */
    maxDuration: duration.optional(),
    /** A session longer than this many times the user's mean duration (after minSessions). */
    durationFactor: z.number().gt(1).optional(),
    minSessions: z.number().int().min(2).default(5),
    severity: severity.default('warning'),
  })
  .strict()
  .refine((r) => r.maxConcurrent ?? r.maxDuration ?? r.durationFactor, {
    error: 'set maxConcurrent, maxDuration or durationFactor',
    path: ['maxConcurrent'],
  });

export const ruleSchema = z.discriminatedUnion('type', [
  thresholdRule,
  rateRule,
  absenceRule,
  stateRule,
  baselineRule,
  userLimitRule,
]);

export const rulePackSchema = z
  .object({ rules: z.array(ruleSchema) })
  .strict()
  .superRefine((pack, ctx) => {
    const seen = new Map<string, number>();
    pack.rules.forEach((r, i) => {
      const first = seen.get(r.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: `duplicate name (also rules[${first}])`,
        });
      } else seen.set(r.name, i);
    });
  });

export type RuleSpec = z.infer<typeof ruleSchema>;
export type RuleOf<T extends RuleSpec['type']> = Extract<RuleSpec, { type: T }>;
export type MatchSpecParsed = z.infer<typeof matchSchema>;

/** Names the rule after the path so an operator finds it without counting entries. */
function nameRules(value: unknown, problems: string[]): string[] {
  const rules = (value as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) return problems;
  return problems.map((p) => {
    const m = /^rules\[(\d+)\]/.exec(p);
    const name = m ? (rules[Number(m[1])] as { name?: unknown } | undefined)?.name : undefined;
    return typeof name === 'string' ? `${p} (rule ${JSON.stringify(name)})` : p;
  });
}

export function parseRules(value: unknown, where = 'rules'): RuleSpec[] {
  const res = rulePackSchema.safeParse(value);
  if (!res.success) throw new ConfigError(where, nameRules(value, formatIssues(res.error.issues)));
  return res.data.rules.filter((r) => r.enabled);
}

export function parseRulesText(text: string, where = 'rules'): RuleSpec[] {
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
  return parseRules(doc.toJS(), where);
}
