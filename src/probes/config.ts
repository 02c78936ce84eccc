/**
 * The `probes` configuration section (pptpmon.yaml), validated with zod: targets, their checks and
 * interval, and where each secret comes from (a `...File` or `...Env`, never the secret in the file).
 * Light on purpose: src/config/schema.ts imports it, so it must not pull in the probe modules.
 */
import { z } from 'zod';
import { parseDuration } from '../config/schema.js';

// Not schema.ts's `duration` const: schema.ts imports this module, and in that cycle only hoisted
// function declarations like parseDuration are safe to use while modules load.
const probeDuration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "2m", got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return ms;
});

const secretRef = {
  passwordFile: z.string().optional(),
  passwordEnv: z.string().optional(),
};

export const probeTargetSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(1723),
    checks: z.array(z.string()).min(1).default(['tcp', 'control']),
    every: probeDuration.default(60_000),
    timeout: probeDuration.default(5000),
    user: z.string().optional(),
    ...secretRef,
    options: z.record(z.string(), z.string()).default({}),
    radius: z
      .object({
        server: z.string().optional(),
        port: z.number().int().min(1).max(65535).default(1812),
        secretFile: z.string().optional(),
        secretEnv: z.string().optional(),
        method: z.enum(['status', 'pap', 'mschapv2']).default('status'),
        retries: z.number().int().min(0).max(10).default(2),
      })
      .strict()
      .optional(),
    ldap: z
      .object({
        url: z.string(),
        bindDn: z.string().optional(),
        ...secretRef,
        base: z.string().optional(),
        filter: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The `probes` configuration section. */
export const probesSection = z
  .object({
    /** This vantage point's name in events; default: the host name. */
    vantage: z.string().optional(),
    targets: z.array(probeTargetSchema).default([]),
  })
  .strict();

export type ProbesConfig = z.infer<typeof probesSection>;
export type ProbeTargetConfig = z.infer<typeof probeTargetSchema>;
