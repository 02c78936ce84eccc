/**
 * The configuration schema (pptpmon.yaml), validated at the edge with zod. Every section has defaults,
 * so an empty file (or none) is a working configuration for `pptpmon run` on a Debian pptpd host.
 * Each subsystem owns its section; keep sections in their own schema constant below.
 */
import { z } from 'zod';

/** Durations as operators write them: "250ms", "30s", "2m", "1h", "7d". Parsed to milliseconds. */
export const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  return Math.round(Number(m[1]) * (UNIT_MS[m[2]] ?? NaN));
}

export const duration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "2m", got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return ms;
});

export const logsSection = z
  .object({
    /** Files to follow; empty means the default Debian/RHEL/OpenWrt locations. */
    files: z.array(z.string()).default([]),
    journald: z.boolean().default(false),
    /** IANA zone for syslog lines that carry none; default: the host's. */
    timezone: z.string().optional(),
  })
  .strict();

export const serverSection = z
  .object({
    listen: z.string().default('127.0.0.1:9723'),
    tokenFile: z.string().optional(),
  })
  .strict();

export const storeSection = z
  .object({
    driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
    path: z.string().default('/var/lib/pptpmon/pptpmon.db'),
    url: z.string().optional(),
    retentionDays: z.number().int().min(1).max(3650).default(30),
  })
  .strict();

export const configSchema = z
  .object({
    host: z.string().optional(),
    logs: logsSection.default(() => logsSection.parse({})),
    server: serverSection.default(() => serverSection.parse({})),
    store: storeSection.default(() => storeSection.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
