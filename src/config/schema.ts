/**
 * The configuration schema (pptpmon.yaml), validated at the edge with zod. Every section has defaults,
 * so an empty file (or none) is a working configuration for `pptpmon run` on a Debian pptpd host.
 * Each subsystem owns its section; keep sections in their own schema constant below.
 */
import { z } from 'zod';
import { alertPolicySchema } from '../alerts/policy.js';
import { probesSection } from '../probes/config.js';

import { parseDuration } from './duration.js';

export { DURATION_RE, parseDuration } from './duration.js';

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
    /** Files to follow in addition to the default locations (absolute paths). */
    files: z.array(z.string().refine((p) => p.startsWith('/'), 'expected an absolute path')).default([]),
    /**
     * Also follow the default pppd/pptpd/auth/RADIUS locations of Debian, RHEL and OpenWrt
     * (src/logs/follow/set.ts DEFAULT_LOG_PATHS). false: only `files` (and journald/logread).
     */
    defaults: z.boolean().default(true),
    /**
     * Follow journald (`journalctl -f -o json`). "auto": only where journald runs and no syslog file
     * (/var/log/syslog, /var/log/messages) is followed, i.e. a journald-only host (Debian 12 without
     * rsyslog). With rsyslog beside journald both carry every pppd/pptpd line: following both would
     * count each line twice under different ids.
     */
    journald: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    /**
     * Follow OpenWrt's logd ring buffer (`logread -f`). "auto": where `logreadPath` exists and no file
     * logd also writes is followed (/var/log/messages, /var/log/syslog, or the `option log_file` of
     * /etc/config/system): that file carries the same lines.
     */
    logread: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    logreadPath: z
      .string()
      .refine((p) => p.startsWith('/'), 'expected an absolute path')
      .default('/sbin/logread'),
    /** IANA zone for syslog lines that carry none; default: the host's. */
    timezone: z.string().optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    // Without this the agent would start, follow nothing, and report a healthy empty host.
    if (!l.defaults && l.files.length === 0 && l.journald === false && l.logread === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaults'],
        message:
          'false with no logs.files, logs.journald false and logs.logread false: no log would be followed',
      });
    }
  });

export const serverSection = z
  .object({
    listen: z.string().default('127.0.0.1:9723'),
    /**
     * File holding the bearer token agents and API clients send; none: one is generated into
     * agent.stateDir/api-token (0600) and reused.
     */
    tokenFile: z.string().optional(),
    /** TLS for the API: both files or neither. */
    tls: z.object({ certFile: z.string(), keyFile: z.string() }).strict().optional(),
  })
  .strict();

const collectorToggle = z
  .object({ enabled: z.boolean().default(true), interval: duration.optional() })
  .strict()
  .default(() => ({ enabled: true }));

/** The host agent (src/agent/, src/collectors/); also used by `pptpmon run`. */
export const agentSection = z
  .object({
    /** Base URL of `pptpmon server` (agent mode), e.g. https://monitor.example:9723 */
    serverUrl: z.string().url().optional(),
    /** Bearer token for the server (agent mode). */
    tokenFile: z.string().optional(),
    /** CA certificate (PEM) to trust for an https serverUrl with a private CA. */
    caFile: z.string().optional(),
    /** Checkpoints, spool and config-drift baselines live here. */
    stateDir: z.string().default('/var/lib/pptpmon'),
    /** Upper bound of the disk spool while the server is away; beyond it the oldest events go. */
    spoolMaxMb: z.number().positive().max(100_000).default(256),
    batchSize: z.number().int().min(1).max(50_000).default(500),
    /** How often log files are polled. */
    pollInterval: duration.default(250),
    /** First start on an existing log: begin at its end (like tail -F) rather than reading it all. */
    startAtEnd: z.boolean().default(true),
    /** Where the agent serves /metrics in agent mode (run and server serve it on server.listen). */
    metricsListen: z.string().default('127.0.0.1:9724'),
    procRoot: z.string().default('/proc'),
    sysRoot: z.string().default('/sys'),
    etcRoot: z.string().default('/etc'),
    runRoot: z.string().default('/var/run'),
    collectors: z
      .object({
        processes: collectorToggle,
        sessions: collectorToggle,
        system: collectorToggle,
        netstat: collectorToggle,
        'config-drift': collectorToggle,
      })
      .strict()
      .default(() => ({
        processes: { enabled: true },
        sessions: { enabled: true },
        system: { enabled: true },
        netstat: { enabled: true },
        'config-drift': { enabled: true },
      })),
  })
  .strict();

export const storeSection = z
  .object({
    driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
    path: z.string().default('/var/lib/pptpmon/pptpmon.db'),
    /** PostgreSQL URL without the password (it would end up in logs); see passwordFile/passwordEnv. */
    url: z.string().optional(),
    passwordFile: z.string().optional(),
    passwordEnv: z.string().optional(),
    /** PostgreSQL schema holding pptpmon's tables (one database can hold several fleets). */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case SQL identifier')
      .default('public'),
    /** SQLite fsync policy (src/store/sqlite.ts says why `full` is the default). */
    synchronous: z.enum(['full', 'normal']).default('full'),
    /** Raw events are kept this many days. */
    retentionDays: z.number().int().min(1).max(3650).default(30),
    retention: z
      .object({
        sessions: duration.default(90 * 86_400_000),
        /** Raw samples are rolled into 1-minute min/max/avg/count buckets after this. */
        samplesRaw: duration.default(2 * 86_400_000),
        /** 1-minute buckets are rolled into 1-hour buckets after this. */
        samples1m: duration.default(7 * 86_400_000),
        samples1h: duration.default(90 * 86_400_000),
        /** Resolved alerts, expired silences, acknowledgements. */
        alerts: duration.default(90 * 86_400_000),
        actions: duration.default(365 * 86_400_000),
        /** How often retention runs. */
        every: duration.default(3_600_000),
      })
      .strict()
      .default(() => ({
        sessions: 90 * 86_400_000,
        samplesRaw: 2 * 86_400_000,
        samples1m: 7 * 86_400_000,
        samples1h: 90 * 86_400_000,
        alerts: 90 * 86_400_000,
        actions: 365 * 86_400_000,
        every: 3_600_000,
      })),
  })
  .strict();

/** Rules: the default PPTP pack (src/rules/defaults.yaml) plus rule files (src/rules/schema.ts). */
export const rulesSection = z
  .object({
    files: z.array(z.string()).default([]),
    defaults: z.boolean().default(true),
  })
  .strict();

export const configSchema = z
  .object({
    host: z.string().optional(),
    logs: logsSection.default(() => logsSection.parse({})),
    server: serverSection.default(() => serverSection.parse({})),
    agent: agentSection.default(() => agentSection.parse({})),
    store: storeSection.default(() => storeSection.parse({})),
    rules: rulesSection.default(() => rulesSection.parse({})),
    /**
     * Grouping, inhibition, silences, escalation: src/alerts/policy.ts. Lazy because that module
     * imports config helpers: the cycle is safe only if neither side touches the other at load.
     */
    alerts: z.lazy(() => alertPolicySchema).default(() => alertPolicySchema.parse({})),
    /** Scheduled probes (src/probes/config.ts, run by src/probes/schedule.ts). Lazy: import cycle. */
    probes: z.lazy(() => probesSection).default(() => probesSection.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
