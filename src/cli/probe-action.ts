/**
 * The action of `pptpmon probe HOST` (registered in probe.ts, loaded only when the command runs so other
 * commands do not pay for the probe modules): flags to a ProbeContext, the registry runner, and one of
 * three outputs (text, --json, --nagios). Contracts in ARCHITECTURE.md. Secrets come only from files or
 * the environment, so they never sit in argv where `ps` and shell history would show them.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  FileStateStore,
  defaultStateFile,
  findProbe,
  parseCheckList,
  probeNames,
  runProbes,
  type ProbeContext,
  type RadiusProbeOptions,
} from '../probes/index.js';
import { nagiosReport, parseThreshold, unknownLine, type Threshold } from '../probes/nagios.js';
import { jsonReport, textReport } from '../probes/report.js';
import type { Event } from '../events/index.js';
import type { PushResult } from '../agent/push.js';

export interface ProbeFlags {
  check?: string;
  json?: boolean;
  nagios?: boolean;
  vantage?: string;
  warning?: string;
  critical?: string;
  user?: string;
  passwordFile?: string;
  radiusSecretFile?: string;
  radiusServer?: string;
  radiusPort?: string;
  radiusMethod?: string;
  radiusRetries?: string;
  ldapUrl?: string;
  ldapBindDn?: string;
  ldapBase?: string;
  ldapFilter?: string;
  ldapPasswordFile?: string;
  port?: string;
  timeout?: string;
  stateFile?: string;
  opt: string[];
  push?: string;
  tokenFile?: string;
  caFile?: string;
}

class UsageError extends Error {}

/** Reads a secret file: its content minus one trailing newline. The path may be named; the content never. */
async function readSecret(file: string, flag: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret.length === 0) throw new UsageError(`${flag} ${file} is empty`);
  return secret;
}

function intFlag(value: string | undefined, flag: string, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      `${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

function threshold(value: string | undefined, flag: string): Threshold {
  if (value === undefined) return {};
  const t = parseThreshold(value);
  if (typeof t === 'string') throw new UsageError(`${flag}: ${t}`);
  return t;
}

function defaultChecks(): string {
  return ['tcp', 'control', 'gre'].filter((n) => findProbe(n)).join(',');
}

async function buildContext(host: string, f: ProbeFlags, checks: readonly string[]): Promise<ProbeContext> {
  if (!host || host.startsWith('-'))
    throw new UsageError(`HOST: expected a host name or address, got ${JSON.stringify(host)}`);
  const env = process.env;
  const ctx: ProbeContext = {
    target: host,
    port: intFlag(f.port, '--port', 1, 65535, 1723),
    vantage: f.vantage ?? hostname(),
    host: hostname(),
    timeoutMs: intFlag(f.timeout, '--timeout', 1, 600_000, 5000),
    options: {},
    state: new FileStateStore(f.stateFile ?? defaultStateFile()),
    now: () => performance.now(),
    wallClock: () => new Date(),
  };
  const options: Record<string, string> = {};
  for (const o of f.opt) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new UsageError(`--opt: expected key=value, got ${JSON.stringify(o)}`);
    options[o.slice(0, eq)] = o.slice(eq + 1);
  }
  ctx.options = options;

  const needs = new Set(checks.flatMap((c) => findProbe(c)?.requires ?? []));
  const password = f.passwordFile
    ? await readSecret(f.passwordFile, '--password-file')
    : env.PPTPMON_PASSWORD;
  if (f.user) {
    if (!password)
      throw new UsageError('--user needs --password-file FILE or the PPTPMON_PASSWORD environment variable');
    ctx.credentials = { user: f.user, password };
  }
  if (checks.includes('radius')) {
    const secret = f.radiusSecretFile
      ? await readSecret(f.radiusSecretFile, '--radius-secret-file')
      : env.PPTPMON_RADIUS_SECRET;
    if (!secret)
      throw new UsageError('the radius check needs --radius-secret-file FILE or PPTPMON_RADIUS_SECRET');
    const method = f.radiusMethod ?? (ctx.credentials ? 'pap' : 'status');
    if (method !== 'status' && method !== 'pap' && method !== 'mschapv2') {
      throw new UsageError(
        `--radius-method: expected status, pap or mschapv2, got ${JSON.stringify(method)}`,
      );
    }
    if (method !== 'status' && !ctx.credentials)
      throw new UsageError(`--radius-method ${method} needs --user and a password`);
    const radius: RadiusProbeOptions = {
      server: f.radiusServer ?? host,
      port: intFlag(f.radiusPort, '--radius-port', 1, 65535, 1812),
      secret,
      method,
      retries: intFlag(f.radiusRetries, '--radius-retries', 0, 10, 2),
      nasIdentifier: 'pptpmon',
    };
    ctx.radius = radius;
  }
  if (checks.includes('ldap')) {
    ctx.ldap = { url: f.ldapUrl ?? `ldap://${host.includes(':') ? `[${host}]` : host}:389` };
    if (f.ldapBindDn) ctx.ldap.bindDn = f.ldapBindDn;
    if (f.ldapBase) ctx.ldap.base = f.ldapBase;
    if (f.ldapFilter) ctx.ldap.filter = f.ldapFilter;
    const ldapPassword = f.ldapPasswordFile
      ? await readSecret(f.ldapPasswordFile, '--ldap-password-file')
      : (env.PPTPMON_LDAP_PASSWORD ?? password);
    if (f.ldapBindDn && !ldapPassword)
      throw new UsageError(
        '--ldap-bind-dn needs --ldap-password-file, PPTPMON_LDAP_PASSWORD or a --user password',
      );
    if (ldapPassword && f.ldapBindDn) ctx.ldap.password = ldapPassword;
  }
  if (needs.has('credentials') && !ctx.credentials) {
    throw new UsageError(
      `check(s) ${checks.filter((c) => findProbe(c)?.requires?.includes('credentials')).join(', ')} need --user and --password-file or PPTPMON_PASSWORD`,
    );
  }
  return ctx;
}

async function pushSetup(f: ProbeFlags): Promise<(host: string, events: Event[]) => Promise<PushResult>> {
  if (!f.tokenFile) throw new UsageError('--push needs --token-file FILE');
  const { pushEvents, readPushToken, PushError } = await import('../agent/push.js');
  let token: string;
  try {
    token = readPushToken(f.tokenFile);
  } catch (err) {
    if (err instanceof PushError) throw new UsageError(err.message);
    throw err;
  }
  const ca = f.caFile
    ? await readFile(f.caFile).catch(() => {
        throw new UsageError(`--ca-file ${f.caFile}: cannot read`);
      })
    : undefined;
  const url = f.push ?? '';
  if (!/^https?:\/\/[^/]/.test(url))
    throw new UsageError(`--push: expected an http(s) URL, got ${JSON.stringify(url)}`);
  return (host, events) => pushEvents(url, token, host, events, ca ? { ca } : {});
}

export async function probeAction(
  host: string,
  f: ProbeFlags,
  setExit: (code: number) => void,
): Promise<void> {
  const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  try {
    if (f.json && f.nagios) throw new UsageError('--json and --nagios exclude each other');
    const { checks, unknown } = parseCheckList(f.check ?? defaultChecks());
    if (unknown.length > 0)
      throw new UsageError(
        `--check: unknown check(s) ${unknown.join(', ')} (known: ${probeNames().join(', ')})`,
      );
    if (checks.length === 0) throw new UsageError('--check: no checks given');
    const warn = threshold(f.warning, '-w');
    const crit = threshold(f.critical, '-c');
    const ctx = await buildContext(host, f, checks);
    // The token is read before probing: a typo must not cost a probe run.
    const push = f.push !== undefined ? await pushSetup(f) : undefined;
    const run = await runProbes(checks, ctx);
    let pushFailed = false;
    if (push) {
      try {
        const r = await push(ctx.host, run.events);
        if (r.rejected.length > 0)
          process.stderr.write(
            `pptpmon probe: server rejected ${r.rejected.map((x) => x.error).join('; ')}\n`,
          );
      } catch (err) {
        // The report is still printed; the exit says the push failed (3 = UNKNOWN for Nagios).
        process.stderr.write(`pptpmon probe: ${(err as Error).message}\n`);
        pushFailed = true;
      }
    }
    const report = { target: host, vantage: ctx.vantage, ...run };
    if (f.nagios) {
      const n = nagiosReport(host, run.checks, warn, crit);
      out(n.line);
      setExit(pushFailed ? 3 : n.state);
    } else {
      out(f.json ? jsonReport(report) : textReport(report));
      setExit(pushFailed ? 2 : run.ok ? 0 : 1);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (f.nagios) {
      out(unknownLine(`usage: ${err.message}`).line);
      setExit(3);
    } else {
      process.stderr.write(`pptpmon probe: ${err.message}\n`);
      setExit(2);
    }
  }
}
