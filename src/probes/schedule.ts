/**
 * Scheduled probes from configuration (issue 4, "Scheduled probes from config"): the `probes` section
 * lists targets with their checks and interval; ProbeScheduler runs each target's checks on its interval
 * (never two runs of one target at once) and publishes every resulting event. The agent or `pptpmon run`
 * owns one and passes `bus.publish`; each vantage point runs its own, so the server can compare
 * vantages (vantage.ts).
 *
 * Secrets follow the project rule (config.ts): a file or an environment variable name, never the secret
 * itself in the config. They are resolved once at start, with errors naming the config path.
 */
import { readFile } from 'node:fs/promises';
import type { Event } from '../events/index.js';
import { findProbe, parseCheckList, runProbes, type ProbeRun } from './index.js';
import type { ProbeCheck } from '../events/index.js';
import type { ProbesConfig } from './config.js';

export { probesSection, probeTargetSchema, type ProbesConfig, type ProbeTargetConfig } from './config.js';
import type { LdapProbeOptions, ProbeContext, ProbeStateStore, RadiusProbeOptions } from './types.js';

export interface SchedulerDeps {
  publish: (ev: Event) => void;
  /** Machine running the probes (event `host`). */
  host: string;
  state: ProbeStateStore;
  now: () => number;
  wallClock: () => Date;
  env?: NodeJS.ProcessEnv;
  readSecretFile?: (file: string) => Promise<string>;
  /** Timers are injected so the schedule is testable with a fake clock. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

async function defaultReadSecret(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
}

/** Builds the contexts for every target, or throws one Error listing every problem with its path. */
export async function resolveTargets(cfg: ProbesConfig, deps: SchedulerDeps): Promise<ProbeContext[]> {
  const env = deps.env ?? process.env;
  const read = deps.readSecretFile ?? defaultReadSecret;
  const problems: string[] = [];
  const secret = async (where: string, file?: string, envName?: string): Promise<string | undefined> => {
    if (file) {
      try {
        return await read(file);
      } catch (err) {
        problems.push(`${where}File: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        return undefined;
      }
    }
    if (envName) {
      const v = env[envName];
      if (!v) problems.push(`${where}Env: environment variable ${envName} is not set`);
      return v || undefined;
    }
    return undefined;
  };
  const out: ProbeContext[] = [];
  for (const [i, t] of cfg.targets.entries()) {
    const at = `probes.targets[${i}]`;
    t.checks.forEach((c, j) => {
      if (!findProbe(c)) problems.push(`${at}.checks[${j}]: unknown check "${c}"`);
    });
    const ctx: ProbeContext = {
      target: t.host,
      port: t.port,
      vantage: cfg.vantage ?? deps.host,
      host: deps.host,
      timeoutMs: t.timeout,
      options: t.options,
      state: deps.state,
      now: deps.now,
      wallClock: deps.wallClock,
    };
    const password = await secret(`${at}.password`, t.passwordFile, t.passwordEnv);
    if (t.user) {
      if (password) ctx.credentials = { user: t.user, password };
      else if (!t.passwordFile && !t.passwordEnv)
        problems.push(`${at}.user: needs passwordFile or passwordEnv`);
    }
    if (t.radius) {
      const s = await secret(`${at}.radius.secret`, t.radius.secretFile, t.radius.secretEnv);
      if (!t.radius.secretFile && !t.radius.secretEnv)
        problems.push(`${at}.radius: needs secretFile or secretEnv`);
      if (t.radius.method !== 'status' && !ctx.credentials)
        problems.push(`${at}.radius.method: ${t.radius.method} needs user and a password`);
      if (s) {
        const radius: RadiusProbeOptions = {
          server: t.radius.server ?? t.host,
          port: t.radius.port,
          secret: s,
          method: t.radius.method,
          retries: t.radius.retries,
          nasIdentifier: 'pptpmon',
        };
        ctx.radius = radius;
      }
    }
    if (t.ldap) {
      const ldap: LdapProbeOptions = {
        url: t.ldap.url,
        bindDn: t.ldap.bindDn,
        base: t.ldap.base,
        filter: t.ldap.filter,
      };
      const pw = await secret(`${at}.ldap.password`, t.ldap.passwordFile, t.ldap.passwordEnv);
      if (pw) ldap.password = pw;
      ctx.ldap = ldap;
    }
    for (const c of t.checks) {
      for (const need of findProbe(c)?.requires ?? []) {
        const have = need === 'credentials' ? ctx.credentials : need === 'radius' ? ctx.radius : ctx.ldap;
        if (!have)
          problems.push(
            `${at}: check "${c}" needs ${need === 'credentials' ? 'user and a password' : `a ${need} block`}`,
          );
      }
    }
    out.push(ctx);
  }
  if (problems.length) throw new Error(`bad probes config:\n  ${problems.join('\n  ')}`);
  return out;
}

export class ProbeScheduler {
  private timers: unknown[] = [];
  private running = new Set<Promise<unknown>>();
  private busy = new Set<number>();
  private stopped = false;

  private constructor(
    private readonly targets: readonly { ctx: ProbeContext; checks: ProbeCheck[]; everyMs: number }[],
    private readonly deps: SchedulerDeps,
  ) {}

  static async create(cfg: ProbesConfig, deps: SchedulerDeps): Promise<ProbeScheduler> {
    const ctxs = await resolveTargets(cfg, deps);
    return new ProbeScheduler(
      ctxs.map((ctx, i) => ({
        ctx,
        checks: parseCheckList((cfg.targets[i]?.checks ?? []).join(',')).checks,
        everyMs: cfg.targets[i]?.every ?? 60_000,
      })),
      deps,
    );
  }

  /** Runs every target now, then again `every` after each run ends (runs never overlap or pile up). */
  start(): void {
    this.targets.forEach((_, i) => this.tick(i));
  }

  /** One run of target `i` (skipped while its previous run is still going). */
  async runOnce(i: number): Promise<ProbeRun | undefined> {
    const t = this.targets[i];
    if (!t || this.busy.has(i)) return undefined;
    this.busy.add(i);
    try {
      const run = await runProbes(t.checks, t.ctx);
      for (const ev of run.events) this.deps.publish(ev);
      return run;
    } finally {
      this.busy.delete(i);
    }
  }

  private tick(i: number): void {
    if (this.stopped) return;
    const p = this.runOnce(i).catch(() => undefined);
    this.running.add(p);
    void p.finally(() => {
      this.running.delete(p);
      if (this.stopped) return;
      const set = this.deps.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms).unref());
      this.timers.push(set(() => this.tick(i), this.targets[i]?.everyMs ?? 60_000));
    });
  }

  /** Stops scheduling and waits for runs in progress (each bounded by its probes' deadlines). */
  async stop(): Promise<void> {
    this.stopped = true;
    const clear = this.deps.clearTimer ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout));
    for (const h of this.timers) clear(h);
    this.timers = [];
    await Promise.all([...this.running]);
  }
}
